"""A kept `/kpi team` summary is reused only while it is still true (bot.team_views, storage.revision).

Every write path that can change what the view shows must make the next view
fresh: the check-in conversation, another process's session, a bulk insert
(COPY on PostgreSQL), text SQL; a rolled-back write, a write to a table the
view does not read, or a repeat request must not. A member's day turning
makes it fresh too (pace moves with the owner's calendar).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlmodel import SQLModel, select

from bot.periods import week_key, week_start
from bot.services import Services
from bot.team_view import team_summary
from bot.team_views import READS, TeamViews
from storage.bulk import insert_many
from storage.engine import make_engine, session_scope
from storage.revision import current
from storage.tables import Kpi, Measurement, Person, ProcessedEvent, Team
from tests.conftest import Harness


def _text(body: dict[str, Any]) -> str:
    return "\n".join(str((b.get("text") or {}).get("text", "")) for b in body["blocks"])


@pytest.fixture
def other_process(bot: Harness) -> Iterator[Engine]:
    """A second engine on the same database: what another `kpibot serve` or `kpibot import` writes through."""
    engine = make_engine(bot.db_url)
    yield engine
    engine.dispose()


def _emma_revenue(engine: Engine) -> int:
    with session_scope(engine) as session:
        kpi = session.exec(select(Kpi).join(Person).where(Person.slack_id == "U002", Kpi.name == "Revenue")).one()
        return kpi.id or 0


def _week_row(kpi_id: int, value: float, day: date) -> dict[str, Any]:
    return {"kpi_id": kpi_id, "period_key": week_key(day), "week_start": week_start(day), "value": value}


def test_a_repeat_view_is_reused_and_a_check_in_makes_it_fresh(bot: Harness, services: Services) -> None:
    views = services.team_views
    _, first = bot.command("U0MGR", "team")
    _, again = bot.command("U0MGR", "team")
    assert again == first and (views.hits, views.misses) == (1, 1)
    assert "CNY 45k" not in _text(first)

    bot.dm("U001", "销售额4.5万，新客户2个，投诉率1.5%")  # the real conversation stores Li Wei's week
    _, after = bot.command("U0MGR", "team")
    assert views.misses == 2 and "CNY 45k / CNY 600k" in _text(after)  # as /kpi me and the confirmation show it


def test_writes_elsewhere_make_it_fresh_and_other_writes_do_not(bot: Harness, services: Services, other_process: Engine) -> None:
    views = services.team_views
    _, before = bot.command("U0MGR", "team")

    with session_scope(other_process) as session:  # a table the view does not read
        session.add(ProcessedEvent(event_id="Ev0UNRELATED"))
    with session_scope(other_process) as session:  # a write that is rolled back changes nothing
        session.add(Measurement(**_week_row(_emma_revenue(other_process), 77_777, date(2026, 11, 23))))
        session.flush()
        session.rollback()
    _, same = bot.command("U0MGR", "team")
    assert same == before and views.hits == 1

    with session_scope(other_process) as session:  # another process stores a value: the ORM
        session.add(Measurement(**_week_row(_emma_revenue(other_process), 12_345, date(2026, 11, 23))))
    _, fresh = bot.command("U0MGR", "team")
    assert "USD 12,345 / USD 90k" in _text(fresh) and views.misses == 2


def test_bulk_and_text_sql_writes_make_it_fresh(bot: Harness, services: Services, other_process: Engine) -> None:
    views = services.team_views
    kpi_id = _emma_revenue(other_process)
    bot.command("U0MGR", "team")
    now = datetime(2026, 11, 30, tzinfo=UTC)
    with session_scope(other_process) as session:  # COPY on PostgreSQL, one executemany on SQLite
        table: Any = Measurement.__table__  # type: ignore[attr-defined]
        insert_many(session, table, [_week_row(kpi_id, 23_456, date(2026, 11, 16))], recorded_at=now, updated_at=now)
    _, fresh = bot.command("U0MGR", "team")
    assert "USD 23,456 / USD 90k" in _text(fresh) and views.misses == 2

    with other_process.begin() as connection:  # by hand, as an operator might: counted against every table
        connection.execute(text("UPDATE measurement SET value = 34567 WHERE kpi_id = :k"), {"k": kpi_id})
    _, fresh = bot.command("U0MGR", "team")
    assert "USD 34,567 / USD 90k" in _text(fresh) and views.misses == 3


def test_a_members_day_turning_makes_it_fresh(bot: Harness, services: Services) -> None:
    views = services.team_views
    with session_scope(bot.engine) as session:  # Slack tells a member's timezone on first contact; here, at once
        session.exec(select(Person).where(Person.slack_id == "U001")).one().tz = "Asia/Shanghai"
    bot.command("U0MGR", "team")
    bot.clock.advance(hours=17)  # Monday 17:00 UTC: already Tuesday in Shanghai (Li Wei), still Monday in London
    bot.command("U0MGR", "team")
    assert views.misses == 2
    bot.command("U0MGR", "team")
    assert views.hits == 1


def test_a_transaction_that_wrote_is_never_kept(services: Services, org: None) -> None:
    with session_scope(services.engine) as session:
        assert current(session.connection(), READS) is not None
        person = session.exec(select(Person).where(Person.slack_id == "U002")).one()
        person.name = "Emma B."
        session.flush()
        assert current(session.connection(), READS) is None  # not yet everyone's truth
        team = session.get(Team, person.team_id)
        assert team is not None
        summary = services.team_views.summary(session, team=team, now=services.clock(), today=date(2026, 11, 30))
        assert "Emma B." in {m.name for m in summary.members} and services.team_views.misses == 0


def test_reads_names_every_table_the_summary_reads(services: Services, org: None) -> None:
    """If team_summary starts reading another table, READS (the cache key) must name it."""
    tables = {t.name for t in SQLModel.metadata.sorted_tables}
    seen: set[str] = set()

    def note(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        for name in re.findall(r'\b(?:FROM|JOIN)\s+"?(\w+)"?', statement, flags=re.IGNORECASE):
            if name in tables:
                seen.add(name)

    event.listen(services.engine, "before_cursor_execute", note)
    try:
        with session_scope(services.engine) as session:
            for team in session.exec(select(Team)).all():
                team_summary(session, team=team, now=services.clock() + timedelta(days=3), today=date(2026, 12, 3))
    finally:
        event.remove(services.engine, "before_cursor_execute", note)
    assert seen and seen <= set(READS), seen - set(READS)


def test_a_kept_summary_is_worked_out_again_after_max_age(services: Services, org: None) -> None:
    """A change made past kpibot (psql by hand) bumps no counter: it still shows once the summary is old enough."""
    views = TeamViews(max_age=0.0)
    with session_scope(services.engine) as session:
        team = session.exec(select(Team).where(Team.name == "Sales East")).one()
        first = views.summary(session, team=team, now=services.clock(), today=date(2026, 11, 30))
        again = views.summary(session, team=team, now=services.clock(), today=date(2026, 11, 30))
    assert again is not first and (views.hits, views.misses) == (0, 2)

"""Storage on SQLite and PostgreSQL: migrations, constraints, UTC timestamps, event dedupe."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

import storage.tables  # noqa: F401
from storage.engine import make_engine, session_scope
from storage.migrate import alembic_config, upgrade
from storage.queries import claim_event, compare_and_set, insert_if_absent
from storage.tables import Checkin, Kpi, Measurement, Person


def _person(engine: Engine) -> int:
    with session_scope(engine) as session:
        person = Person(slack_id="U1", name="P")
        session.add(person)
        session.flush()
        return person.id or 0


def test_migrations_create_every_table_and_go_down_and_up(engine: Engine, db_url: str) -> None:
    assert set(inspect(engine).get_table_names()) >= set(SQLModel.metadata.tables)
    command.downgrade(alembic_config(db_url), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(db_url)
    assert set(inspect(engine).get_table_names()) >= set(SQLModel.metadata.tables)


def test_models_and_migrations_agree(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == [], "a model changed without a migration"


def test_one_checkin_per_person_and_week(engine: Engine) -> None:
    person_id = _person(engine)
    with session_scope(engine) as session:
        assert insert_if_absent(
            session,
            Checkin,
            {
                "person_id": person_id,
                "period_key": "2026-W49",
                "state": {},
                "claimed_at": datetime.now(UTC),
                "created_at": datetime.now(UTC),
            },
        )
        assert not insert_if_absent(
            session,
            Checkin,
            {
                "person_id": person_id,
                "period_key": "2026-W49",
                "state": {},
                "claimed_at": datetime.now(UTC),
                "created_at": datetime.now(UTC),
            },
        )
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(Checkin(person_id=person_id, period_key="2026-W49"))
        session.flush()


def test_one_measurement_per_kpi_and_week(engine: Engine) -> None:
    person_id = _person(engine)
    with session_scope(engine) as session:
        kpi = Kpi(
            owner_id=person_id,
            name="R",
            unit="CNY",
            target=1,
            period="2026-Q4",
            period_start=date(2026, 10, 1),
            period_end=date(2026, 12, 31),
            weight=100,
            source="x",
        )
        session.add(kpi)
        session.flush()
        session.add(Measurement(kpi_id=kpi.id, period_key="2026-W49", week_start=date(2026, 11, 30), value=1))
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(Measurement(kpi_id=kpi.id, period_key="2026-W49", week_start=date(2026, 11, 30), value=2))
        session.flush()


def test_timestamps_come_back_aware_in_utc(engine: Engine) -> None:
    person_id = _person(engine)
    shanghai = timezone(timedelta(hours=8))
    with session_scope(engine) as session:
        session.add(
            Checkin(person_id=person_id, period_key="2026-W49", prompted_at=datetime(2026, 11, 30, 9, 0, tzinfo=shanghai))
        )
    with session_scope(engine) as session:
        stored = session.exec(select(Checkin)).one().prompted_at
    assert stored == datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)
    with pytest.raises(Exception, match="naive"), session_scope(engine) as session:
        session.add(Checkin(person_id=person_id, period_key="2026-W50", prompted_at=datetime(2026, 11, 30, 9, 0)))
        session.flush()


def test_event_ids_are_claimed_once(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert claim_event(session, event_id="Ev1")
        assert not claim_event(session, event_id="Ev1")
    with session_scope(engine) as session:
        assert not claim_event(session, event_id="Ev1")


def test_compare_and_set_lets_one_caller_win(engine: Engine) -> None:
    person_id = _person(engine)
    with session_scope(engine) as session:
        session.add(Checkin(person_id=person_id, period_key="2026-W49", status="snoozed"))
    with session_scope(engine) as session:
        first = compare_and_set(session, Checkin, [Checkin.status == "snoozed"], {"status": "claimed"})
        second = compare_and_set(session, Checkin, [Checkin.status == "snoozed"], {"status": "claimed"})
    assert (first, second) == (True, False)


def test_sqlite_pragmas(engine: Engine, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite pragmas only")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_migration_0007_moves_one_to_five_scores_to_rating(engine: Engine, db_url: str) -> None:
    """A 1-5 KPI (level descriptions, or a target of at most 5) becomes `rating`; an NPS-style score stays."""
    person_id = _person(engine)
    command.downgrade(alembic_config(db_url), "0006")
    rows = [("Teamwork", 4.0, '["a","b","c","d","e"]'), ("CSAT", 4.5, "[]"), ("NPS", 40.0, "[]")]
    old = make_engine(db_url, track=False)  # kpibot as it was at 0006: no write counters yet
    with old.begin() as conn:
        for name, target, anchors in rows:
            conn.execute(
                text(
                    "INSERT INTO kpi (owner_id, name, aliases, unit, direction, target, period, period_start, period_end,"
                    " aggregate, weight, kind, horizon, source, definition, status, anchors, forbidden, created_at, updated_at)"
                    " VALUES (:owner, :name, '[]', 'score', 'higher', :target, '2026-Q4', :start, :end, 'average', 10,"
                    " 'behaviour', 'leading', 'survey', '', 'active', :anchors, '[]', :now, :now)"
                ),
                {
                    "owner": person_id,
                    "name": name,
                    "target": target,
                    "anchors": anchors,
                    "start": date(2026, 10, 1),
                    "end": date(2026, 12, 31),
                    "now": datetime.now(UTC),
                },
            )
    old.dispose()
    upgrade(db_url)
    with session_scope(engine) as session:
        units = {k.name: k.unit for k in session.exec(select(Kpi)).all()}
    assert units == {"Teamwork": "rating", "CSAT": "rating", "NPS": "score"}


def test_migration_0018_calls_the_stored_off_track_status_behind(engine: Engine, db_url: str) -> None:
    """Retro asks and queued messages stored before 0018 say "off_track"; after it they say "behind", as the code does."""
    from alembic.script import ScriptDirectory

    from bot.kpi_state import Status
    from storage.tables import OutboundMessage, Retro, RetroAsk, Team

    before = ScriptDirectory.from_config(alembic_config(db_url)).get_revision("0018").down_revision
    person_id = _person(engine)
    kpis = [{"kpi_id": 1, "name": "Revenue", "status": "off_track"}, {"kpi_id": 2, "name": "NPS", "status": "at_risk"}]
    payload = {"kind": "RetroPost", "status_counts": {"off_track": 2, "on_track": 1}, "lines": [{"status": "off_track"}]}
    with session_scope(engine) as session:
        team = Team(name="Sales")
        session.add(team)
        session.flush()
        retro = Retro(team_id=team.id or 0, month="2026-10")
        session.add(retro)
        session.flush()
        session.add(RetroAsk(retro_id=retro.id or 0, person_id=person_id, kpis=kpis))
        session.add(OutboundMessage(key="retro-post:1", channel_id="C1", payload=payload))
    command.downgrade(alembic_config(db_url), str(before))
    upgrade(db_url)

    def stored() -> tuple[list[str], dict[str, int], str]:
        with session_scope(engine) as session:
            ask = session.exec(select(RetroAsk)).one()
            message = session.get(OutboundMessage, "retro-post:1")
            assert message is not None
            return [k["status"] for k in ask.kpis], message.payload["status_counts"], message.payload["lines"][0]["status"]

    assert stored() == (["behind", "at_risk"], {"behind": 2, "on_track": 1}, "behind")
    assert Status.BEHIND == "behind"
    command.downgrade(alembic_config(db_url), str(before))
    assert stored() == (["off_track", "at_risk"], {"off_track": 2, "on_track": 1}, "off_track")
    upgrade(db_url)

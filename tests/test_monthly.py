"""The monthly retro and the quarterly evaluation, driven by the scheduler clock through the real app."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot.periods import week_key
from bot.rounds import tick
from bot.services import Services
from storage.engine import session_scope
from storage.tables import ActionItem, Evaluation, Kpi, Measurement, Person, Recognition
from tests.conftest import Harness


def _weekly(bot: Harness, slack_id: str, name: str, value: float, weeks: int = 13, start: date = date(2026, 9, 28)) -> None:
    with session_scope(bot.engine) as session:
        person = session.exec(select(Person).where(Person.slack_id == slack_id)).one()
        kpi = session.exec(select(Kpi).where(Kpi.owner_id == person.id, Kpi.name == name)).one()
        for i in range(weeks):
            monday = start + timedelta(weeks=i)
            session.add(Measurement(kpi_id=kpi.id, period_key=week_key(monday), week_start=monday, value=value))


def test_the_quarterly_evaluation_runs_once_with_a_star_and_suggestions(bot: Harness, services: Services) -> None:
    _weekly(bot, "U002", "Revenue", 9_000)  # 117k of 90k
    _weekly(bot, "U002", "New customers", 3)  # 39 of 26
    _weekly(bot, "U001", "Revenue", 10_000)  # 130k of 600k
    with session_scope(bot.engine) as session:
        li = session.exec(select(Person).where(Person.slack_id == "U001")).one()
        session.add(
            ActionItem(
                person_id=li.id,
                origin="warning",
                root_cause="capability",
                next_step="Pair with Emma",
                created_at=datetime(2026, 11, 2, tzinfo=UTC),
            )
        )
    bot.clock.now = datetime(2027, 1, 2, 9, tzinfo=UTC)
    assert tick(services).evaluations >= 2
    assert tick(services).evaluations == 0  # once per quarter
    with session_scope(bot.engine) as session:
        rows = {
            p.slack_id: e
            for e, p in session.exec(select(Evaluation, Person).join(Person, Person.id == Evaluation.person_id)).all()
        }
        stars = session.exec(select(Recognition)).all()
    assert rows["U002"].total_score == 1.2 and rows["U002"].period == "2026-Q4"
    assert rows["U001"].total_score < 0.5
    assert len(stars) == 1
    note = next(p for p in bot.slack.posted(bot.slack.dm_channel("U001")) if "2026-Q4 季度评估" in p["text"])  # in Chinese
    assert "选择一项技能来提升" in json.dumps(note["blocks"], ensure_ascii=False)  # capability was the recorded root cause
    emma = next(p for p in bot.slack.posted(bot.slack.dm_channel("U002")) if "evaluation for 2026-Q4" in p["text"])
    assert "star of the quarter" in json.dumps(emma["blocks"])
    assert "<@U002>" in bot.last_to("C0SALES")["text"] and "Star of 2026-Q4" in bot.last_to("C0SALES")["text"]


def test_me_shows_the_latest_evaluation(bot: Harness, services: Services) -> None:
    _weekly(bot, "U002", "Revenue", 9_000)
    bot.clock.now = datetime(2027, 1, 2, 9, tzinfo=UTC)
    tick(services)
    _, body = bot.command("U002", "me")
    assert "Your evaluation for 2026-Q4" in json.dumps(body) and "*120%*" in json.dumps(body)
    _, body = bot.command("U003", "me")
    assert "Your evaluation for 2026-Q4" in json.dumps(body)  # Sam's own, with no data behind it
    assert "120%" not in json.dumps(body)  # and never Emma's


def test_the_evaluation_waits_for_the_quarter_to_end_and_a_preview_says_so(bot: Harness, services: Services) -> None:
    """Three weeks into Q4 there is no evaluation, only an admin's preview, which stores nothing."""
    from bot.evaluation import PeriodNotOverError, evaluate_quarter
    from handlers.render import render

    _weekly(bot, "U002", "Revenue", 9_000, weeks=4)  # 36k of 90k by the end of W43
    now = datetime(2026, 10, 21, 9, tzinfo=UTC)
    with session_scope(bot.engine) as session, pytest.raises(PeriodNotOverError):
        evaluate_quarter(session, quarter="2026-Q4", now=now, feedback_threshold=3)
    # 1 Jan 05:00 UTC is still 31 Dec at UTC-12: not over yet; the job waits
    bot.clock.now = datetime(2027, 1, 1, 5, tzinfo=UTC)
    assert tick(services).evaluations == 0
    with session_scope(bot.engine) as session:
        work = evaluate_quarter(session, quarter="2026-Q4", now=now, feedback_threshold=3, preview=True)
        assert session.exec(select(Evaluation)).all() == [] and session.exec(select(Recognition)).all() == []
    emma = next(note for person, note in work.notes if person.slack_id == "U002")
    assert emma.preview and emma.suggestions == []
    # her reporting week W43 ends Sun 25 Oct: 36k of 90k so far = 40% of target
    assert dict(emma.lines)["Revenue"] == pytest.approx(0.4)
    title, _ = render(emma, "en-US")
    assert "Preview of 2026-Q4" in title and "not an evaluation" in title
    bot.clock.now = datetime(2027, 1, 2, 9, tzinfo=UTC)
    assert tick(services).evaluations >= 1  # the real one, once the quarter is over everywhere

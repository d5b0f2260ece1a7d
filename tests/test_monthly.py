"""The monthly retro and the quarterly evaluation, driven by the scheduler clock through the real app."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot.periods import week_key
from bot.rounds import tick
from bot.services import Services
from storage.engine import session_scope
from storage.tables import Evaluation, Kpi, Measurement, Person, Recognition
from tests.conftest import Harness


def _weekly(bot: Harness, slack_id: str, name: str, value: float, weeks: int = 13, start: date = date(2026, 9, 28)) -> None:
    with session_scope(bot.engine) as session:
        person = session.exec(select(Person).where(Person.slack_id == slack_id)).one()
        kpi = session.exec(select(Kpi).where(Kpi.owner_id == person.id, Kpi.name == name)).one()
        for i in range(weeks):
            monday = start + timedelta(weeks=i)
            session.add(Measurement(kpi_id=kpi.id, period_key=week_key(monday), week_start=monday, value=value))


# The retro is in tests/test_retro.py; the evaluation workflow (drafts, adjust, release, star, development)
# is in tests/test_evaluation_workflow.py.


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
    assert "Preview of Q4 2026" in title and "not an evaluation" in title
    bot.clock.now = datetime(2027, 1, 2, 9, tzinfo=UTC)
    assert tick(services).evaluations >= 1  # the real one, once the quarter is over everywhere

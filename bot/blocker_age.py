"""How long a blocker has been in the way: one rule, so every reader sees the same number.

The owner's prompt, ``/kpi team``, App Home, the escalation to the manager, the
"resolved after N days" answer and the retro's median time to resolve all call
``blocker_age``. A blocker started on the day its owner said ("waiting on leads
since last Tuesday"), else on the day it was reported; its age is counted in
whole days on the owner's calendar (their Slack timezone), so a manager in
another timezone, or a reader two hours later on the same day, sees the same
figure as the owner.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.people import zone
from storage.tables import Blocker, Person

ESCALATE_AT_DAYS = 14  # "open two weeks": the manager is told once


def started_on(blocker: Blocker, owner: Person | None) -> date:
    """The owner's calendar day the blocker began: the ``since`` they gave, never after the day they reported it."""
    reported = _on_calendar(blocker.reported_at, owner)
    return min(blocker.since, reported) if blocker.since else reported


def blocker_age(blocker: Blocker, owner: Person | None, at: datetime) -> int:
    """Whole days from ``started_on`` to ``at``'s day on the owner's calendar (0 on the day it started)."""
    return max(0, (_on_calendar(at, owner) - started_on(blocker, owner)).days)


def may_be_due(now: datetime) -> tuple[datetime, date]:
    """A cheap database pre-filter for escalation: (reported before, or since on or before).

    Every blocker ``ESCALATE_AT_DAYS`` old on any calendar passes it (a timezone moves a
    day by at most one); ``blocker_age`` then decides exactly.
    """
    margin = timedelta(days=ESCALATE_AT_DAYS - 1)
    return now - margin, _utc(now).date() - margin


def _on_calendar(moment: datetime, owner: Person | None) -> date:
    aware = _utc(moment)
    return aware.astimezone(zone(owner)).date() if owner is not None else aware.date()


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for some rows: they are UTC by construction."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

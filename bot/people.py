"""Small helpers about people: their local time, their current KPIs, their stored DM channel."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from bot.kpi_state import KpiStatus
from storage.engine import session_scope
from storage.tables import Kpi, Person, Team

log = logging.getLogger(__name__)


def zone(person: Person) -> ZoneInfo:
    """The person's Slack timezone; UTC when Slack gave none or an unknown one."""
    try:
        return ZoneInfo(person.tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_now(person: Person, now: datetime) -> datetime:
    """``now`` (aware, UTC) on the person's wall clock."""
    return now.astimezone(zone(person))


MORNING_HOUR = 9  # scheduled notes that fall due overnight wait for this hour on the reader's clock


def morning_or_later(person: Person, now: datetime) -> bool:
    """Whether a note that became due overnight may reach ``person`` now: 09:00 or later on their clock.

    Why: follow-ups fall due when a day turns (a blocker two weeks old, an
    action's due date passed, the retro day), i.e. at midnight on someone's
    clock, and a Slack DM at 00:20 wakes phones. Waiting for the morning costs
    nothing; the check-in prompt has its own local time already.
    """
    return local_now(person, now).hour >= MORNING_HOUR


def current_kpis(session: Session, *, person_id: int, day: date) -> list[Kpi]:
    """Active KPIs whose period covers ``day``, in a stable order (the order bare numbers follow)."""
    return list(
        session.exec(
            select(Kpi)
            .where(Kpi.owner_id == person_id, Kpi.status == KpiStatus.ACTIVE, Kpi.period_start <= day, Kpi.period_end >= day)
            .order_by(col(Kpi.weight).desc(), col(Kpi.id))
        ).all()
    )


def manager_of(session: Session, person: Person) -> Person | None:
    """Who the person reports to: their team's manager, or for a team's own manager the one a team up."""
    team = session.get(Team, person.team_id) if person.team_id else None
    if team is None:
        return None
    if team.manager_id == person.id:
        team = session.get(Team, team.parent_id) if team.parent_id else None
        if team is None:
            return None
    manager = session.get(Person, team.manager_id) if team.manager_id else None
    return manager if manager is not None and manager.id != person.id else None


def dm_channel_store(engine: Engine) -> Callable[[str, str], None]:
    """What the gateway calls after opening a DM: keep its channel id in ``Person.dm_channel_id``.

    The next ``gateway.dm(person)`` then reuses it instead of calling conversations.open.
    Best effort, in its own short transaction: a failed write only costs one more open later.
    """

    def remember(slack_id: str, channel: str) -> None:
        try:
            with session_scope(engine) as session:
                session.execute(
                    update(Person)
                    .where(col(Person.slack_id) == slack_id, col(Person.dm_channel_id).is_(None))
                    .values(dm_channel_id=channel)
                )
        except Exception:
            log.warning("could not store the DM channel of %s", slack_id, exc_info=True)

    return remember

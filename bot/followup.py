"""Closing the loop: blockers get resolved, action items get done (or dropped with a reason).

Plain domain code: callers pass a session and the acting person; every
change checks who may make it (a blocker: its owner, their manager up the
team tree, or an admin; an action item: its owner) and answers with an
``Outcome`` the surface turns into words. Refusals change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, bindparam
from sqlmodel import Session, col, select

from bot.blocker_age import blocker_age
from bot.messages import ActionLine, ActionState, OpenBlocker
from bot.people import local_now
from storage.tables import ActionItem, Blocker, Person, Team

MAX_SHOWN = 5  # per kind in a weekly prompt: the prompt stays short, the rest is in /kpi me


class Outcome(StrEnum):
    DONE = "done"
    ALREADY = "already"  # already resolved / done / dropped: nothing to do
    NOT_ALLOWED = "not_allowed"
    UNKNOWN = "unknown"  # no such id (a forged or stale button)
    NEEDS_REASON = "needs_reason"


@dataclass
class Result:
    outcome: Outcome
    text: str = ""
    days: int = 0
    owner: Person | None = None


def is_open(item: ActionItem) -> bool:
    return item.done_at is None and item.dropped_at is None


def open_action_clause() -> list[ColumnElement[bool]]:
    """The WHERE clause of "open": neither done nor dropped."""
    return [col(ActionItem.done_at).is_(None), col(ActionItem.dropped_at).is_(None)]


# -- reading ---------------------------------------------------------------------


def blocker_line(blocker: Blocker, owner: Person | None, now: datetime) -> OpenBlocker:
    return OpenBlocker(
        blocker_id=_id(blocker.id),
        text=blocker.text,
        category=blocker.category,
        age_days=blocker_age(blocker, owner, now),
        stated_date=blocker.until.isoformat() if blocker.until else None,
        owner_slack_id=owner.slack_id if owner else "",
        owner_name=owner.name if owner else "",
        comment=blocker.comment,
    )


_TEAM_BLOCKERS = (
    select(Blocker, Person)
    .join(Person, col(Person.id) == Blocker.person_id)
    .where(Person.team_id == bindparam("team_id"), col(Person.active), col(Blocker.resolved_at).is_(None))
    .order_by(col(Blocker.reported_at), col(Blocker.id))
)


def team_blockers(session: Session, *, team_id: int | None, now: datetime) -> list[OpenBlocker]:
    """Open blockers of a team's active members, oldest first: ``open_blockers`` for the team view, from a
    statement built once (an IN list of every member is compiled again on each request)."""
    return oldest_first([blocker_line(b, p, now) for b, p in session.execute(_TEAM_BLOCKERS, {"team_id": team_id}).all()])


def open_blockers(session: Session, *, person_ids: list[int], now: datetime) -> list[OpenBlocker]:
    """Open blockers of these people, oldest first: one query."""
    if not person_ids:
        return []
    rows = session.exec(
        select(Blocker, Person)
        .join(Person, col(Person.id) == Blocker.person_id)
        .where(col(Blocker.person_id).in_(person_ids), col(Blocker.resolved_at).is_(None))
        .order_by(col(Blocker.reported_at), col(Blocker.id))
    ).all()
    return oldest_first([blocker_line(b, p, now) for b, p in rows])


def oldest_first(lines: list[OpenBlocker]) -> list[OpenBlocker]:
    """By age (a "since" date can make a later report the older blocker), then in the order they were reported."""
    return sorted(lines, key=lambda b: -b.age_days)


def action_line(item: ActionItem, today: date) -> ActionLine:
    closed = item.done_at or item.dropped_at
    state = ActionState.DONE if item.done_at else ActionState.DROPPED if item.dropped_at else ActionState.OPEN
    return ActionLine(
        item_id=_id(item.id),
        text=item.next_step,
        due=item.due.isoformat() if item.due else None,
        overdue=state == ActionState.OPEN and item.due is not None and item.due < today,
        state=state,
        closed_on=_aware(closed).date().isoformat() if closed else None,
        reason=item.drop_reason,
    )


def open_actions(session: Session, *, person_ids: list[int], today: date) -> dict[int, list[ActionLine]]:
    """Open action items per person, earliest due first: one query."""
    if not person_ids:
        return {}
    rows = session.exec(
        select(ActionItem)
        .where(col(ActionItem.person_id).in_(person_ids), *open_action_clause())
        .order_by(col(ActionItem.due).is_(None), col(ActionItem.due), col(ActionItem.id))
    ).all()
    result: dict[int, list[ActionLine]] = {}
    for item in rows:
        result.setdefault(item.person_id, []).append(action_line(item, today))
    return result


def my_actions(session: Session, *, person: Person, now: datetime, closed_limit: int = 5) -> list[ActionLine]:
    """For /kpi me: every open item, then the latest done or dropped ones with their dates."""
    today = local_now(person, now).date()
    opened = open_actions(session, person_ids=[_id(person.id)], today=today).get(_id(person.id), [])
    closed = session.exec(
        select(ActionItem)
        .where(
            ActionItem.person_id == person.id, (col(ActionItem.done_at).is_not(None)) | (col(ActionItem.dropped_at).is_not(None))
        )
        .order_by(col(ActionItem.id).desc())
        .limit(closed_limit)
    ).all()
    return [*opened, *(action_line(i, today) for i in closed)]


# -- who may act -------------------------------------------------------------------


def may_act_for(session: Session, actor: Person, owner: Person) -> bool:
    """The owner, an admin, or a manager of the owner's team or of any team above it."""
    if actor.id == owner.id or actor.is_admin:
        return True
    team = session.get(Team, owner.team_id) if owner.team_id else None
    seen: set[int] = set()
    while team is not None and _id(team.id) not in seen:
        seen.add(_id(team.id))
        if team.manager_id == actor.id and owner.id != actor.id:
            return True
        team = session.get(Team, team.parent_id) if team.parent_id else None
    return False


# -- changing ----------------------------------------------------------------------


def _blocker_for(session: Session, actor: Person, blocker_id: int) -> tuple[Blocker, Person] | Result:
    """The blocker and its owner if ``actor`` may act on it; otherwise the Result that says why not."""
    blocker = session.get(Blocker, blocker_id)
    owner = session.get(Person, blocker.person_id) if blocker else None
    if blocker is None or owner is None:
        return Result(Outcome.UNKNOWN)
    if not may_act_for(session, actor, owner):
        return Result(Outcome.NOT_ALLOWED)
    return blocker, owner


def resolve_blocker(session: Session, *, actor: Person, blocker_id: int, now: datetime) -> Result:
    """Mark a blocker resolved; the resolution time is its age (``bot.blocker_age``) on that day."""
    found = _blocker_for(session, actor, blocker_id)
    if isinstance(found, Result):
        return found
    blocker, owner = found
    days = blocker_age(blocker, owner, blocker.resolved_at or now)
    if blocker.resolved_at is not None:
        return Result(Outcome.ALREADY, blocker.text, days, owner)
    blocker.resolved_at, blocker.resolved_by_id = now, actor.id
    session.add(blocker)
    return Result(Outcome.DONE, blocker.text, days, owner)


def still_blocked(session: Session, *, actor: Person, blocker_id: int, now: datetime) -> Result:
    """The owner says it is still in the way: nothing to store beyond having asked."""
    found = _blocker_for(session, actor, blocker_id)
    if isinstance(found, Result):
        return found
    blocker, owner = found
    if blocker.resolved_at is not None:
        return Result(Outcome.ALREADY, blocker.text, 0, owner)
    blocker.date_asked_at = blocker.date_asked_at or now  # no second "has the date passed?" question
    return Result(Outcome.DONE, blocker.text, blocker_age(blocker, owner, now), owner)


def comment_blocker(session: Session, *, actor: Person, blocker_id: int, text: str, now: datetime) -> Result:
    """A manager's comment on someone's blocker: kept on the blocker, sent to the owner."""
    found = _blocker_for(session, actor, blocker_id)
    if isinstance(found, Result):
        return found
    blocker, owner = found
    if not text.strip():
        return Result(Outcome.NEEDS_REASON)
    blocker.comment = text.strip()[:1000]
    return Result(Outcome.DONE, blocker.text, blocker_age(blocker, owner, now), owner)


def close_action(session: Session, *, actor: Person, item_id: int, how: str, now: datetime, reason: str = "") -> Result:
    """Done, not yet, or dropped (with a reason): only the item's owner decides."""
    item = session.get(ActionItem, item_id)
    if item is None:
        return Result(Outcome.UNKNOWN)
    if item.person_id != actor.id:
        return Result(Outcome.NOT_ALLOWED)
    if not is_open(item):
        return Result(Outcome.ALREADY, item.next_step)
    if how == "done":
        item.done_at = now
    elif how == "drop":
        if not reason.strip():
            return Result(Outcome.NEEDS_REASON, item.next_step)
        item.dropped_at, item.drop_reason = now, reason.strip()[:500]
    elif how != "not_yet":
        return Result(Outcome.UNKNOWN)
    session.add(item)
    return Result(Outcome.DONE, item.next_step)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for some rows: they are UTC by construction."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _id(value: int | None) -> int:
    if value is None:
        raise ValueError("a row without an id: it was never flushed")
    return value

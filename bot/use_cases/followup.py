"""Blocker and action-item buttons: resolve, still blocked, comment, done / not yet / drop.

Each returns the domain's ``Result`` (its ``Outcome`` says done, already,
not allowed, unknown or needs a reason) with the clicker's locale; an unknown
clicker or a forged id is ``Outcome.UNKNOWN``, and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.followup import Outcome, Result, blocker_line, close_action, comment_blocker, may_act_for, resolve_blocker, still_blocked
from bot.messages import BlockerComment
from bot.services import Services
from storage.queries import person_by_slack_id
from storage.tables import ActionItem, Blocker, Person

DEFAULT_LOCALE = "en-US"


@dataclass
class Commented:
    result: Result
    locale: str
    note: BlockerComment | None = None  # to the blocker's owner (``result.owner``)


def resolve(services: Services, *, slack_id: str, blocker_id: int | None, now: datetime) -> tuple[Result, str]:
    """*Resolved* on a blocker: the domain's result and the clicker's locale."""
    return _on_blocker(services, slack_id, blocker_id, now, resolve_blocker)


def still(services: Services, *, slack_id: str, blocker_id: int | None, now: datetime) -> tuple[Result, str]:
    """*Still blocked* on a blocker: the domain's result and the clicker's locale."""
    return _on_blocker(services, slack_id, blocker_id, now, still_blocked)


def _on_blocker(
    services: Services, slack_id: str, blocker_id: int | None, now: datetime, act: Callable[..., Result]
) -> tuple[Result, str]:
    with services.unit_of_work() as session:
        actor = person_by_slack_id(session, slack_id=slack_id)
        locale = actor.locale if actor else DEFAULT_LOCALE
        if actor is None or blocker_id is None:
            return Result(Outcome.UNKNOWN), locale
        return act(session, actor=actor, blocker_id=blocker_id, now=now), locale


def may_comment(services: Services, *, slack_id: str, blocker_id: int | None) -> tuple[Outcome, str]:
    """Whether the clicker may comment on this blocker (DONE) before the form opens."""
    with services.unit_of_work() as session:
        actor = person_by_slack_id(session, slack_id=slack_id)
        locale = actor.locale if actor else DEFAULT_LOCALE
        blocker = session.get(Blocker, blocker_id) if blocker_id is not None else None
        owner = session.get(Person, blocker.person_id) if blocker else None
        if actor is None or blocker is None or owner is None:
            return Outcome.UNKNOWN, locale
        return (Outcome.DONE if may_act_for(session, actor, owner) else Outcome.NOT_ALLOWED), locale


def comment(services: Services, *, slack_id: str, blocker_id: int | None, text: str, now: datetime) -> Commented:
    """The comment stored with the blocker, and the note for its owner."""
    with services.unit_of_work() as session:
        actor = person_by_slack_id(session, slack_id=slack_id)
        locale = actor.locale if actor else DEFAULT_LOCALE
        if actor is None or blocker_id is None:
            return Commented(Result(Outcome.UNKNOWN), locale)
        result = comment_blocker(session, actor=actor, blocker_id=blocker_id, text=text, now=now)
        blocker = session.get(Blocker, blocker_id)
        if result.outcome is not Outcome.DONE or result.owner is None or blocker is None:
            return Commented(result, locale)
        return Commented(result, locale, BlockerComment(blocker_line(blocker, result.owner, now), actor.slack_id, text))


def close_item(
    services: Services, *, slack_id: str, item_id: int | None, how: str, now: datetime, reason: str = ""
) -> tuple[Result, str]:
    """Done / not yet / drop (with its reason) for the clicker's own action item."""
    with services.unit_of_work() as session:
        actor = person_by_slack_id(session, slack_id=slack_id)
        locale = actor.locale if actor else DEFAULT_LOCALE
        if actor is None or item_id is None:
            return Result(Outcome.UNKNOWN), locale
        return close_action(session, actor=actor, item_id=item_id, how=how, now=now, reason=reason), locale


def may_drop(services: Services, *, slack_id: str, item_id: int | None) -> tuple[Outcome, str]:
    """Only the item's owner gets the drop form (DONE)."""
    with services.unit_of_work() as session:
        actor = person_by_slack_id(session, slack_id=slack_id)
        locale = actor.locale if actor else DEFAULT_LOCALE
        item = session.get(ActionItem, item_id) if item_id is not None else None
        if actor is None or item is None:
            return Outcome.UNKNOWN, locale
        return (Outcome.DONE if item.person_id == actor.id else Outcome.NOT_ALLOWED), locale

"""`/kpi history [@person] [weeks]` and editing a past week: who may see and edit, in one unit of work each.

The owner, their manager and admins see a person's weeks and the audit trail of
changes; only the owner edits, and only weeks of a current period (the rules
live in bot.history). A "no" is a Refusal the handler words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.history import Change, Week, audit_trail, edit_week, may_see, past_weeks, week_for_edit
from bot.people import local_now
from bot.refusal import Refusal
from bot.services import Services
from storage.queries import person_by_slack_id
from storage.tables import Person


@dataclass
class HistoryPage:
    """One person's last weeks as the asker may see them."""

    owner: Person
    own: bool  # the asker's own history: weeks of the current period get an Edit button
    weeks: list[Week] = field(default_factory=list)
    trail: list[Change] = field(default_factory=list)


def history_page(services: Services, *, asker: Person, of: str | None, weeks: int) -> HistoryPage:
    """``of``: the Slack id of someone else (their manager or an admin asking), or None for the asker's own."""
    with services.unit_of_work() as session:
        owner = person_by_slack_id(session, slack_id=of or asker.slack_id)
        if owner is None:
            raise Refusal("fb_unknown_person")
        if not may_see(session, asker=asker, person=owner):
            raise Refusal("history_not_allowed")
        today = local_now(owner, services.clock()).date()
        rows = past_weeks(session, person=owner, today=today, weeks=weeks)
        return HistoryPage(owner, owner.id == asker.id, rows, audit_trail(session, person=owner))


def week_to_edit(services: Services, *, slack_id: str, key: str) -> tuple[Person, Week] | None:
    """The week the Edit button names, with the values its owner may change; None for an unknown clicker."""
    with services.unit_of_work() as session:
        person = person_by_slack_id(session, slack_id=slack_id)
        if person is None:
            return None
        week = week_for_edit(session, person=person, key=key, today=local_now(person, services.clock()).date())
        if not any(not v.fed for v in week.values):
            raise Refusal("history_nothing_to_edit")
        return person, week


def clicker(services: Services, *, slack_id: str) -> Person | None:
    with services.unit_of_work() as session:
        return person_by_slack_id(session, slack_id=slack_id)


def save_week(services: Services, *, person: Person, owner_id: int, key: str, values: dict[int, float]) -> list[Change]:
    """Store the edited values of ``key`` (each change kept in the audit trail); only the owner may."""
    if owner_id != person.id:
        raise Refusal("history_not_yours")
    now = services.clock()
    with services.unit_of_work() as session:
        return edit_week(session, person=person, key=key, values=values, by=person, today=local_now(person, now).date(), now=now)

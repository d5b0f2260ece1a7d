"""Early warnings (and retro questions): the owner picks a root cause, then stores the next step as an action item."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from bot.dates import read_date
from bot.people import local_now
from bot.refusal import Refusal
from bot.retro import CAUSES
from bot.services import Services
from storage.queries import by_id, person_by_slack_id
from storage.tables import ActionItem, Kpi, Person

MAX_STEP = 1000


@dataclass
class PlanOutcome:
    """The next step stored (``problems`` empty), or the form's problems (field -> text id) and nothing stored."""

    person: Person
    step: str = ""
    due: date | None = None
    problems: dict[str, str] = field(default_factory=dict)


def _own_kpi(session: Session, slack_id: str, kpi_id: int | None, cause: str, refusal: str) -> tuple[Person, Kpi]:
    person = person_by_slack_id(session, slack_id=slack_id)
    kpi = by_id(session, Kpi, kpi_id)
    if person is None or kpi is None or kpi.owner_id != person.id or cause not in CAUSES:
        raise Refusal(refusal)
    return person, kpi


def pick_cause(services: Services, *, slack_id: str, kpi_id: int | None, cause: str) -> tuple[int, str]:
    """The owner picked a root cause for their KPI: (the KPI id, their locale) for the next-step form."""
    with services.unit_of_work() as session:
        person, kpi = _own_kpi(session, slack_id, kpi_id, cause, "not_yours")
        return kpi.id or 0, person.locale


def save_plan(
    services: Services, *, slack_id: str, kpi_id: int | None, cause: str, origin: str, step: str, due_text: str, now: datetime
) -> PlanOutcome:
    """The next step and its date (read in the owner's timezone) stored as an action item."""
    with services.unit_of_work() as session:
        person, kpi = _own_kpi(session, slack_id, kpi_id, cause, "form_not_yours")
        due = read_date(due_text, now=local_now(person, now), prefer="future")
        outcome = PlanOutcome(person, step, due)
        if not step:
            outcome.problems["step"] = "plan_empty"
        if due is None:
            outcome.problems["due"] = "plan_bad_date"
        if not outcome.problems:
            session.add(
                ActionItem(
                    person_id=person.id or 0, kpi_id=kpi.id, origin=origin, root_cause=cause, next_step=step[:MAX_STEP], due=due
                )
            )
        return outcome

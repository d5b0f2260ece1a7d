"""Disputes, as Slack asks for them: the owner's Dispute button and form, the manager's Accept / Reject.

Each function is one request: it finds the asker, checks they may do it
(a refusal otherwise, nothing changed) and returns what the handler shows or sends.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.checkin import Outgoing
from bot.disputes import Disputed, Resolution, answerable, disputable, raise_dispute, read_corrected, resolve_dispute
from bot.names import local_name
from bot.refusal import Refusal
from bot.services import Services
from bot.use_cases.asker import known
from storage.queries import person_by_slack_id
from storage.tables import Person


@dataclass
class DisputeForm:
    """What the owner's dispute form shows: the fed value and where it came from."""

    locale: str
    token: str  # "KPI id:week", signed by the handler so the submission cannot name another value
    kpi: str
    week: str
    value: float
    unit: str
    source: str


@dataclass
class Sent:
    """Messages to send after the commit; ``to`` is the asker (their DM)."""

    outgoing: list[Outgoing]
    to: str
    dm_channel_id: str | None


def dispute_form(services: Services, *, slack_id: str, target: str) -> DisputeForm:
    """The owner clicked Dispute on ``target`` ("KPI id:week")."""
    with services.unit_of_work() as session:
        person = known(person_by_slack_id(session, slack_id=slack_id))
        found = _target(session, person, target)
        m, kpi = found.measurement, found.kpi
        return DisputeForm(
            person.locale,
            f"{kpi.id}:{m.period_key}",
            local_name(kpi.name, kpi.names, person.locale),
            m.period_key,
            m.value,
            kpi.unit,
            m.source or kpi.fed_by or "",
        )


def submit_dispute(services: Services, *, slack_id: str, target: str, value: str, reason: str) -> Sent:
    """The owner sent the form: their value and their reason go to their manager."""
    with services.unit_of_work() as session:
        person = known(person_by_slack_id(session, slack_id=slack_id), refusal="form_not_yours")
        found = _target(session, person, target, refusal="form_not_yours")
        corrected = read_corrected(value, found.kpi)
        if not reason.strip():
            refusal = Refusal("dispute_empty")
            refusal.field = "reason"
            raise refusal
        outgoing = raise_dispute(session, person=person, target=found, corrected=corrected, reason=reason, now=services.clock())
        return Sent(outgoing, person.slack_id, person.dm_channel_id)


def check_answer(services: Services, *, slack_id: str, dispute_id: int) -> str:
    """The manager clicked Reject: their locale for the reason form, or a refusal (not theirs, already answered)."""
    with services.unit_of_work() as session:
        manager = known(person_by_slack_id(session, slack_id=slack_id))
        answerable(session, manager=manager, dispute_id=dispute_id)
        return manager.locale


def answer_dispute(services: Services, *, slack_id: str, dispute_id: int, accept: bool, answer: str = "") -> Resolution:
    """The manager accepted (the owner's value replaces the fed one) or rejected with ``answer``."""
    with services.unit_of_work() as session:
        manager = known(person_by_slack_id(session, slack_id=slack_id))
        return resolve_dispute(
            session, manager=manager, dispute_id=dispute_id, accept=accept, answer=answer, now=services.clock()
        )


def _target(session: Session, person: Person, target: str, *, refusal: str = "not_yours") -> Disputed:
    """The one check both the button and the form make: the asker's own fed KPI, with a value that week."""
    kpi_id, _, period_key = target.partition(":")
    found = disputable(session, person=person, kpi_id=int(kpi_id), period_key=period_key) if kpi_id.isdigit() else None
    if found is None:
        raise Refusal(refusal)
    return found

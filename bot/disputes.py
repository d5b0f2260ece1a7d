"""Disputes: the owner of a KPI a source system feeds objects to a value and says what it should be;
their manager accepts (the owner's value replaces the fed one) or rejects with a reason.

Until the manager answers, the value stays as the source delivered it (the
source is the agreed record). An accepted correction is a new value with
origin ``dispute`` and an audit row that keeps the fed one; the source
delivering the same disputed value again does not undo it (a different value
from the source does replace it: the source was fixed). Either way the owner
is told, in their language.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlmodel import Session, col, select

from bot.checkin import Outgoing
from bot.formats import format_value
from bot.messages import Notice
from bot.names import local_name
from bot.numbers import find_numbers
from bot.people import manager_of
from bot.refusal import Refusal
from storage.tables import Kpi, Measurement, Person, ValueAudit, ValueDispute
from storage.tables.sources import DisputeStatus

MAX_REASON = 1000
DISPUTE = "dispute"  # the origin of a value a manager accepted from a dispute


@dataclass(frozen=True)
class Outcome:
    """How the manager answered, shown on their copy of the dispute instead of the buttons."""

    accepted: bool
    manager_slack_id: str
    answer: str = ""


@dataclass
class DisputeNote:
    """To the manager: who disputes which fed value, what they say it is, and why; buttons while open."""

    owner_slack_id: str
    kpi: str
    week: str
    value: str
    source: str
    reason: str
    dispute_id: int = 0
    corrected: str = ""  # the owner's value, formatted; empty for disputes raised before corrections existed
    outcome: Outcome | None = None
    names: dict[str, str] = field(default_factory=dict)  # the KPI's name per language: the manager reads theirs


@dataclass
class Disputed:
    kpi: Kpi
    measurement: Measurement


@dataclass
class Resolution:
    """What answering a dispute changed: the manager's note as it now reads, and the owner's notice."""

    note: DisputeNote
    manager_locale: str
    outgoing: list[Outgoing]


def disputable(session: Session, *, person: Person, kpi_id: int, period_key: str) -> Disputed | None:
    """The fed value ``person`` may dispute: their KPI's value for that week, else its latest before it."""
    kpi = session.get(Kpi, kpi_id)
    if kpi is None or kpi.owner_id != person.id or not kpi.fed_by:
        return None
    measurement = session.exec(
        select(Measurement)
        .where(Measurement.kpi_id == kpi_id, Measurement.period_key <= period_key, Measurement.origin != "checkin")
        .order_by(col(Measurement.period_key).desc())
        .limit(1)
    ).first()
    return None if measurement is None else Disputed(kpi, measurement)


def read_corrected(text: str, kpi: Kpi) -> float:
    """The owner's value as typed ("7,500", "7.5k", "1.2万"): exactly one number, in range for a rating."""
    found = find_numbers(text.strip())
    if len(found) != 1 or found[0].problem:
        refusal = Refusal("dispute_value_bad", text=text.strip()[:40])
        refusal.field = "value"
        raise refusal
    value = found[0].value
    if kpi.unit == "rating" and not 1 <= value <= 5:
        refusal = Refusal("dispute_value_rating", value=f"{value:g}")
        refusal.field = "value"
        raise refusal
    return value


def raise_dispute(
    session: Session, *, person: Person, target: Disputed, corrected: float, reason: str, now: datetime
) -> list[Outgoing]:
    """Record the dispute; a DM to the manager (with accept/reject buttons) and a note to the owner (sent after the commit)."""
    assert person.id is not None and target.kpi.id is not None
    reason = reason.strip()[:MAX_REASON]
    m = target.measurement
    dispute = ValueDispute(
        kpi_id=target.kpi.id,
        period_key=m.period_key,
        person_id=person.id,
        value=m.value,
        corrected=corrected,
        reason=reason,
        created_at=now,
    )
    session.add(dispute)
    session.flush()
    assert dispute.id is not None
    manager = manager_of(session, person)
    name = _plain(local_name(target.kpi.name, target.kpi.names, person.locale))  # both notices below go to the owner
    if manager is None:
        return [Outgoing(Notice("dispute_no_manager", {"kpi": name}), person.locale)]
    note = _note(dispute, target.kpi, person, manager.locale, source=m.source or target.kpi.fed_by or "")
    return [
        Outgoing(note, manager.locale, to_user=manager.slack_id),
        Outgoing(Notice("dispute_sent", {"kpi": name, "manager": manager.slack_id}), person.locale),
    ]


def resolve_dispute(
    session: Session, *, manager: Person, dispute_id: int, accept: bool, answer: str, now: datetime
) -> Resolution:
    """The owner's manager accepts (the corrected value replaces the fed one) or rejects (``answer`` says why)."""
    dispute, owner, kpi = answerable(session, manager=manager, dispute_id=dispute_id)
    answer = answer.strip()[:MAX_REASON]
    name, week = _plain(local_name(kpi.name, kpi.names, owner.locale)), dispute.period_key  # the notice goes to the owner
    fed = format_value(dispute.value, kpi.unit, owner.locale)
    if accept:
        if dispute.corrected is None:
            raise Refusal("dispute_no_value")
        _replace_value(session, dispute=dispute, manager=manager, now=now)
        corrected = format_value(dispute.corrected, kpi.unit, owner.locale)
        notice = Notice(
            "dispute_accepted", {"kpi": name, "week": week, "value": corrected, "fed": fed, "manager": manager.slack_id}
        )
    else:
        if not answer:
            refusal = Refusal("dispute_answer_empty")
            refusal.field = "answer"
            raise refusal
        notice = Notice(
            "dispute_rejected", {"kpi": name, "week": week, "fed": fed, "manager": manager.slack_id, "reason": _plain(answer)}
        )
    dispute.status = DisputeStatus.ACCEPTED if accept else DisputeStatus.REJECTED
    dispute.resolved_by_id, dispute.resolved_at, dispute.answer = manager.id, now, answer
    session.add(dispute)
    note = _note(dispute, kpi, owner, manager.locale, source=kpi.fed_by or "")
    note = replace(note, outcome=Outcome(accept, manager.slack_id, answer))
    return Resolution(note, manager.locale, [Outgoing(notice, owner.locale, to_user=owner.slack_id)])


def answerable(session: Session, *, manager: Person, dispute_id: int) -> tuple[ValueDispute, Person, Kpi]:
    """The open dispute ``manager`` may answer (they manage its owner), with its owner and KPI; else a refusal."""
    dispute = session.get(ValueDispute, dispute_id)
    owner = session.get(Person, dispute.person_id) if dispute is not None else None
    kpi = session.get(Kpi, dispute.kpi_id) if dispute is not None else None
    boss = manager_of(session, owner) if owner is not None else None
    if dispute is None or owner is None or kpi is None or boss is None or boss.id != manager.id:
        raise Refusal("not_yours")
    if dispute.status != DisputeStatus.OPEN:
        raise Refusal("dispute_answered")
    return dispute, owner, kpi


def corrected_values(session: Session, keys: set[tuple[int, str]]) -> dict[tuple[int, str], float]:
    """(KPI, week) -> the fed value a manager replaced by accepting a dispute, for the keys given."""
    if not keys:
        return {}
    found: dict[tuple[int, str], float] = {}
    statement = select(ValueDispute.kpi_id, ValueDispute.period_key, ValueDispute.value).where(
        col(ValueDispute.kpi_id).in_(sorted({k for k, _ in keys})), ValueDispute.status == DisputeStatus.ACCEPTED
    )
    for kpi_id, period_key, value in session.exec(statement):
        if (kpi_id, period_key) in keys:
            found[(kpi_id, period_key)] = value
    return found


def _replace_value(session: Session, *, dispute: ValueDispute, manager: Person, now: datetime) -> None:
    """The owner's value becomes the week's value; the audit trail keeps the fed one."""
    assert dispute.corrected is not None
    m = session.exec(
        select(Measurement).where(Measurement.kpi_id == dispute.kpi_id, Measurement.period_key == dispute.period_key)
    ).first()
    if m is None:  # the fed value went away since (a re-import): nothing to correct
        raise Refusal("dispute_answered")
    session.add(
        ValueAudit(
            kpi_id=dispute.kpi_id,
            period_key=dispute.period_key,
            value=dispute.corrected,
            previous=m.value,
            previous_origin=m.origin,
            origin=DISPUTE,
            source=m.source,
            changed_by_id=manager.id,
            note=f"dispute {dispute.id}: {dispute.reason}"[:500],
            recorded_at=now,
        )
    )
    m.value, m.origin, m.updated_at = dispute.corrected, DISPUTE, now
    session.add(m)


def _note(dispute: ValueDispute, kpi: Kpi, owner: Person, locale: str, *, source: str) -> DisputeNote:
    corrected = "" if dispute.corrected is None else format_value(dispute.corrected, kpi.unit, locale)
    return DisputeNote(
        owner.slack_id,
        kpi.name,
        dispute.period_key,
        format_value(dispute.value, kpi.unit, locale),
        source,
        dispute.reason,
        dispute_id=dispute.id or 0,
        corrected=corrected,
        names=dict(kpi.names or {}),
    )


def _plain(text: str) -> str:
    """Notices are shown as given: escape Slack's control characters here (``<!channel>`` stays text)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

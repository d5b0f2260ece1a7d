"""Disputes: the owner of a KPI a source system feeds objects to a value; their manager hears about it.

The value stays as the source delivered it (the source is the agreed record);
the dispute and its reason are kept, and the manager decides what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.checkin import Outgoing
from bot.formats import format_value
from bot.messages import Notice
from bot.people import manager_of
from storage.tables import Kpi, Measurement, Person, ValueDispute

MAX_REASON = 1000


@dataclass
class DisputeNote:
    """To the manager: who disputes which fed value, and why."""

    owner_slack_id: str
    kpi: str
    week: str
    value: str
    source: str
    reason: str


@dataclass
class Disputed:
    kpi: Kpi
    measurement: Measurement


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


def raise_dispute(session: Session, *, person: Person, target: Disputed, reason: str, now: datetime) -> list[Outgoing]:
    """Record the dispute; a DM to the manager and a note to the owner (sent after the commit)."""
    assert person.id is not None and target.kpi.id is not None
    reason = reason.strip()[:MAX_REASON]
    m = target.measurement
    session.add(
        ValueDispute(
            kpi_id=target.kpi.id, period_key=m.period_key, person_id=person.id, value=m.value, reason=reason, created_at=now
        )
    )
    manager = manager_of(session, person)
    source = m.source or target.kpi.fed_by or ""
    shown = format_value(m.value, target.kpi.unit)
    name = _plain(target.kpi.name)
    if manager is None:
        return [Outgoing(Notice("dispute_no_manager", {"kpi": name}), person.locale)]
    shown = format_value(m.value, target.kpi.unit, manager.locale)
    note = DisputeNote(person.slack_id, target.kpi.name, m.period_key, shown, source, reason)
    return [
        Outgoing(note, manager.locale, to_user=manager.slack_id),
        Outgoing(Notice("dispute_sent", {"kpi": name, "manager": manager.slack_id}), person.locale),
    ]


def _plain(text: str) -> str:
    """Notices are shown as given: escape Slack's control characters here (``<!channel>`` stays text)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

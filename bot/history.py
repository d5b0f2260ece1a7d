"""One's past weeks, and editing a week of the current period with every change kept in the audit trail.

The audit trail is ``value_audit`` (shared with imported and fed values): an
edit from /kpi history is a row with origin ``edit``, the previous value and
who made it. Managers read it in ``/kpi history @person``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from bot.kpi_state import KpiStatus
from bot.messages import Holiday, holiday_of
from bot.periods import week_key, week_start, week_start_of_key
from bot.refusal import Refusal
from bot.team_view import visible_teams
from storage.queries import insert_if_absent
from storage.tables import Checkin, Kpi, Measurement, Person, ValueAudit

DEFAULT_WEEKS = 8
MAX_WEEKS = 26
EDIT = "edit"


@dataclass(frozen=True)
class WeekValue:
    kpi_id: int
    name: str
    unit: str
    value: float | None
    anchors: tuple[str, ...] = ()
    fed: bool = False
    names: Mapping[str, str] = field(default_factory=dict)  # the name per language (bot.names.local_name)


@dataclass(frozen=True)
class Week:
    key: str
    status: str | None
    values: list[WeekValue]
    editable: bool
    holiday: Holiday | None = None  # the public holiday that skipped the week (status away) or moved its prompt


@dataclass(frozen=True)
class Change:
    week: str
    kpi: str
    unit: str
    previous: float | None
    value: float
    origin: str
    by: str | None
    at: datetime
    names: Mapping[str, str] = field(default_factory=dict)  # the KPI's name per language (bot.names.local_name)


def kpis_in_week(session: Session, *, person_id: int, monday: date) -> list[Kpi]:
    """The person's active KPIs whose period overlaps the week starting ``monday``, in prompt order."""
    sunday = monday + timedelta(days=6)
    return list(
        session.exec(
            select(Kpi)
            .where(
                Kpi.owner_id == person_id, Kpi.status == KpiStatus.ACTIVE, Kpi.period_start <= sunday, Kpi.period_end >= monday
            )
            .order_by(col(Kpi.weight).desc(), col(Kpi.id))
        ).all()
    )


def editable_range(session: Session, *, person_id: int, today: date) -> tuple[date, date] | None:
    """Mondays of the first and the last week that may be edited: the current period up to this week."""
    this_monday = week_start(today)
    current = kpis_in_week(session, person_id=person_id, monday=this_monday)
    if not current:
        return None
    return week_start(min(k.period_start for k in current)), this_monday


def past_weeks(session: Session, *, person: Person, today: date, weeks: int) -> list[Week]:
    """The last ``weeks`` weeks, newest first, with each KPI's value and the check-in's status."""
    person_id = _id(person)
    weeks = max(1, min(weeks, MAX_WEEKS))
    mondays = [week_start(today) - timedelta(weeks=i) for i in range(weeks)]
    keys = [week_key(m) for m in mondays]
    checkins = session.exec(
        select(Checkin.period_key, Checkin.status, Checkin.state).where(
            Checkin.person_id == person_id, col(Checkin.period_key).in_(keys)
        )
    ).all()
    statuses = {key: status for key, status, _ in checkins}
    holidays = {key: holiday_of(state) for key, _, state in checkins}
    oldest, newest = mondays[-1], mondays[0] + timedelta(days=6)
    kpis = list(
        session.exec(
            select(Kpi)
            .where(
                Kpi.owner_id == person_id, Kpi.status == KpiStatus.ACTIVE, Kpi.period_start <= newest, Kpi.period_end >= oldest
            )
            .order_by(col(Kpi.weight).desc(), col(Kpi.id))
        ).all()
    )
    values = {
        (m.kpi_id, m.period_key): m.value
        for m in session.exec(
            select(Measurement).where(col(Measurement.kpi_id).in_([_id(k) for k in kpis]), col(Measurement.period_key).in_(keys))
        ).all()
    }
    editable = editable_range(session, person_id=person_id, today=today)
    result = []
    for monday, key in zip(mondays, keys, strict=True):
        sunday = monday + timedelta(days=6)
        shown = [k for k in kpis if k.period_start <= sunday and k.period_end >= monday]
        result.append(
            Week(
                key=key,
                status=statuses.get(key),
                values=[_value(k, values.get((_id(k), key))) for k in shown],
                editable=bool(shown) and editable is not None and editable[0] <= monday <= editable[1],
                holiday=holidays.get(key),
            )
        )
    return result


def week_for_edit(session: Session, *, person: Person, key: str, today: date) -> Week:
    """One editable week, or Refusal: not a week, in the future, or before the current period."""
    monday = _monday(key)
    editable = editable_range(session, person_id=_id(person), today=today)
    if editable is None or not editable[0] <= monday <= editable[1]:
        raise Refusal("history_not_editable")
    kpis = kpis_in_week(session, person_id=_id(person), monday=monday)
    values = dict(
        session.exec(
            select(Measurement.kpi_id, Measurement.value).where(
                col(Measurement.kpi_id).in_([_id(k) for k in kpis]), Measurement.period_key == key
            )
        ).all()
    )
    checkin = session.exec(select(Checkin.status).where(Checkin.person_id == person.id, Checkin.period_key == key)).first()
    return Week(key=key, status=checkin, values=[_value(k, values.get(_id(k))) for k in kpis], editable=True)


def edit_week(
    session: Session, *, person: Person, key: str, values: dict[int, float], by: Person, today: date, now: datetime
) -> list[Change]:
    """Store the edited values of one week; every value that changed gets an audit row. Returns the changes.

    Only the owner edits their own week (a manager counter-proposes KPIs, they
    do not type someone's numbers); values fed by a source system are not
    editable here (they are disputed instead).
    """
    if by.id != person.id:
        raise Refusal("history_not_yours")
    week = week_for_edit(session, person=person, key=key, today=today)
    known = {v.kpi_id: v for v in week.values if not v.fed}
    checkin_id = session.exec(select(Checkin.id).where(Checkin.person_id == person.id, Checkin.period_key == key)).first()
    changes: list[Change] = []
    for kpi_id, value in values.items():
        line = known.get(kpi_id)
        if line is None or line.value == value:
            continue
        row = session.exec(select(Measurement).where(Measurement.kpi_id == kpi_id, Measurement.period_key == key)).first()
        previous_origin = None
        if row is None:
            insert_if_absent(
                session,
                Measurement,
                {
                    "kpi_id": kpi_id,
                    "period_key": key,
                    "week_start": _monday(key),
                    "value": value,
                    "checkin_id": checkin_id,
                    "source_ts": "history",
                    "source_text": "(/kpi history)",
                    "recorded_at": now,
                    "updated_at": now,
                },
            )
        else:
            previous_origin = row.origin
            row.value, row.source_ts, row.source_text, row.updated_at = value, "history", "(/kpi history)", now
            row.origin, row.source = "checkin", None  # typed by hand again
            session.add(row)
        session.add(
            ValueAudit(
                kpi_id=kpi_id,
                period_key=key,
                value=value,
                previous=line.value,
                previous_origin=previous_origin,
                origin=EDIT,
                changed_by_id=by.id,
                note="/kpi history",
                recorded_at=now,
            )
        )
        changes.append(Change(key, line.name, line.unit, line.value, value, EDIT, by.slack_id, now, line.names))
    session.flush()
    return changes


def audit_trail(session: Session, *, person: Person, limit: int = 20) -> list[Change]:
    """The latest changes to the person's values (edits, imports, fed values), newest first."""
    rows = session.exec(
        select(ValueAudit, Kpi, Person)
        .join(Kpi, col(Kpi.id) == ValueAudit.kpi_id)
        .outerjoin(Person, col(Person.id) == ValueAudit.changed_by_id)
        .where(Kpi.owner_id == person.id, or_(col(ValueAudit.origin) == EDIT, col(ValueAudit.previous).is_not(None)))
        .order_by(col(ValueAudit.recorded_at).desc(), col(ValueAudit.id).desc())
        .limit(limit)
    ).all()
    return [
        Change(
            a.period_key,
            k.name,
            k.unit,
            a.previous,
            a.value,
            a.origin,
            p.slack_id if p else a.source,
            a.recorded_at,
            dict(k.names),
        )
        for a, k, p in rows
    ]


def may_see(session: Session, *, asker: Person, person: Person) -> bool:
    """One's own history; a manager (or one above) for their teams' people; admins for everyone."""
    if asker.id == person.id or asker.is_admin:
        return True
    return any(team.id == person.team_id for team in visible_teams(session, asker=asker))


def _value(kpi: Kpi, value: float | None) -> WeekValue:
    return WeekValue(
        _id(kpi), kpi.name, kpi.unit, value, tuple(kpi.anchors) if kpi.is_rating else (), bool(kpi.fed_by), dict(kpi.names or {})
    )


def _monday(key: str) -> date:
    try:
        return week_start_of_key(key)
    except ValueError as exc:
        raise Refusal("history_not_editable") from exc


def _id(row: Kpi | Person) -> int:
    if row.id is None:
        raise ValueError("a stored row has an id")
    return row.id

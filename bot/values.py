"""KPI values that come from somewhere else than a check-in: a CSV file or a source system's push.

Both paths go through ``validate`` (every row checked, every problem reported
with its row, nothing stored when there is one) and ``store`` (bulk statements
in the caller's transaction, no query per row). A value from a source replaces
a hand-typed one for the same KPI and week; the audit trail keeps both.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlmodel import Session, col

from bot.disputes import corrected_values
from bot.kpi_state import KpiStatus
from bot.names import every_name
from bot.periods import week_key, week_start
from storage.bulk import insert_many
from storage.tables import Kpi, Measurement, Person, SourceSystem, ValueAudit

CHUNK = 900  # ids per IN (...) list, under every backend's bind-parameter limit
MAX_PROBLEMS = 50  # a file of junk is explained by its first problems, not a million lines


@dataclass(frozen=True)
class ValueRow:
    """One row as received, before anything is looked up. ``where`` names it in an answer (a line, values[3])."""

    where: str
    person: str
    kpi: str
    date: str
    value: Any
    source: str | None = None


@dataclass(frozen=True)
class Problem:
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


class ValuesRejectedError(ValueError):
    """Nothing was stored; ``problems`` says why, row by row."""

    def __init__(self, problems: Sequence[Problem], more: int = 0) -> None:
        self.problems = list(problems)
        self.more = more
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Resolved:
    """A checked row: the KPI, the week and the number to store."""

    where: str
    kpi_id: int
    period_key: str
    week_start: date
    value: float
    source: str | None


@dataclass
class StoreReport:
    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    replaced_by_hand: int = 0  # of the replaced: values typed in a check-in
    kpis_fed: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.replaced)


class _Problems:
    """Collects problems; stops keeping them after MAX_PROBLEMS but keeps counting."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.more = 0

    def add(self, where: str, reason: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(where, reason))
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ValuesRejectedError(self.items, self.more)


def parse_number(raw: Any) -> float | None:
    """A finite number, from a JSON number or text like ``1200``, ``-3.5`` or ``1e3``; None otherwise."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str) and raw.strip() and "_" not in raw:  # float() would read 1_000; a person would not
        try:
            value = float(raw.strip())
        except ValueError:
            return None
    else:
        return None
    return value if math.isfinite(value) else None


def validate(session: Session, rows: Sequence[ValueRow]) -> list[Resolved]:
    """Check every row against the database with a few bulk queries; raise ValuesRejectedError with every problem."""
    problems = _Problems()
    people = _people(session, {r.person.strip() for r in rows})
    kpis_by_owner = _kpis(session, set(people.values()))
    resolved: list[Resolved] = []
    seen: dict[tuple[int, str], Resolved] = {}
    for row in rows:
        person_key = row.person.strip()
        owner = people.get(person_key.casefold() if "@" in person_key else person_key)
        day = _date(row.date)
        number = parse_number(row.value)
        reasons: list[str] = []
        if not person_key:
            reasons.append("person is empty")
        elif owner is None:
            reasons.append(
                f"unknown person '{person_key}' (use a Slack id such as U0123ABCD or an email from the organisation file)"
            )
        if not row.kpi.strip():
            reasons.append("kpi is empty")
        if day is None:
            reasons.append(f"date '{row.date}' is not a date; use YYYY-MM-DD, any day of the week meant")
        if number is None:
            reasons.append(f"value '{row.value}' is not a number")
        if row.source is not None and len(row.source) > 100:
            reasons.append("source is longer than 100 characters")
        kpi: _KpiInfo | None = None
        if owner is not None and row.kpi.strip() and day is not None:
            kpi, reason = _match_kpi(kpis_by_owner.get(owner, []), row.kpi.strip(), day, person_key)
            if reason:
                reasons.append(reason)
        if kpi is not None and number is not None and kpi.rating and not 1 <= number <= 5:
            reasons.append(f"'{kpi.name}' is a 1-5 rating; {number:g} is outside it")
        if reasons:
            problems.add(row.where, "; ".join(reasons))
            continue
        assert kpi is not None and day is not None and number is not None
        item = Resolved(row.where, kpi.id, week_key(day), week_start(day), number, (row.source or "").strip() or None)
        earlier = seen.get((item.kpi_id, item.period_key))
        if earlier is not None:
            if earlier.value != item.value:
                problems.add(
                    row.where,
                    f"'{kpi.name}' of {person_key} for {item.period_key} is already {earlier.value:g} at {earlier.where}; "
                    f"this row says {item.value:g}",
                )
            continue
        seen[(item.kpi_id, item.period_key)] = item
        resolved.append(item)
    problems.raise_if_any()
    return resolved


@dataclass(frozen=True)
class _KpiInfo:
    id: int
    name: str
    name_folded: str
    names: frozenset[str]  # every name the row may use, folded (see _folded)
    start: date
    end: date
    rating: bool


def _date(raw: Any) -> date | None:
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        return None


def _people(session: Session, keys: set[str]) -> dict[str, int]:
    """Slack id or (case-insensitive) email -> person id, for the keys given."""
    ids = [k for k in keys if k and "@" not in k]
    emails = [k.casefold() for k in keys if "@" in k]
    found: dict[str, int] = {}
    for chunk in _chunks(ids):
        for pid, slack_id in session.execute(select(col(Person.id), col(Person.slack_id)).where(col(Person.slack_id).in_(chunk))):
            found[slack_id] = pid
    for chunk in _chunks(emails):
        for pid, email in session.execute(select(col(Person.id), col(Person.email)).where(col(Person.email).in_(chunk))):
            found[email.casefold()] = pid
    return found


def _kpis(session: Session, owner_ids: set[int]) -> dict[int, list[_KpiInfo]]:
    by_owner: dict[int, list[_KpiInfo]] = {}
    fields = (Kpi.id, Kpi.owner_id, Kpi.name, Kpi.names, Kpi.aliases, Kpi.period_start, Kpi.period_end, Kpi.unit)
    columns = [col(c) for c in fields]
    for chunk in _chunks(sorted(owner_ids)):
        statement = select(*columns).where(col(Kpi.owner_id).in_(chunk), col(Kpi.status) != KpiStatus.PROPOSED)
        for kid, owner, name, names, aliases, start, end, unit in session.execute(statement):
            # what a check-in reply may call it (bot.names.every_name: the name and each language's), and its aliases
            others = frozenset(_folded(n) for n in [*every_name(name, names), *(aliases or [])] if n)
            info = _KpiInfo(kid, name, _folded(name), others, start, end, unit == "rating")
            by_owner.setdefault(owner, []).append(info)
    return by_owner


def _folded(name: str) -> str:
    """A name as compared: full-width letters made plain (as replies are read), case and outer spaces ignored."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def _match_kpi(kpis: list[_KpiInfo], name: str, day: date, person: str) -> tuple[_KpiInfo | None, str | None]:
    """The person's KPI that ``name`` names, whose period holds the week of ``day``.

    ``name`` may be the KPI's name, one of its names per language
    (``names: {zh: 销售额}``) or an alias, as a check-in reply may. The KPI's
    own name wins, since it is unique per person and period; when only an
    alias or translation matches and it belongs to two KPIs of that week (or
    two KPIs of that name both run that day), the row is refused rather than
    stored against a guess.
    """
    wanted = _folded(name)
    named = [k for k in kpis if wanted in k.names]
    if not named:
        have = ", ".join(sorted({k.name for k in kpis})) or "none"
        return None, f"{person} has no KPI '{name}' (their KPIs: {have}; a name per language or an alias works too)"
    monday = week_start(day)
    sunday = monday + timedelta(days=6)
    in_week = [k for k in named if k.start <= sunday and monday <= k.end]
    if not in_week:
        periods = ", ".join(f"{k.start}..{k.end}" for k in named)
        return None, f"the week of {day} is outside the period of '{named[0].name}' ({periods})"
    pool = [k for k in in_week if k.name_folded == wanted] or in_week
    holding = [k for k in pool if k.start <= day <= k.end] or pool
    if len(holding) == 1:
        return holding[0], None
    which = ", ".join(f"'{k.name}' ({k.start}..{k.end})" for k in sorted(holding, key=lambda k: (k.name, k.start)))
    if len({k.name_folded for k in holding}) == 1:  # one name, two KPIs running at once (a year's and a quarter's)
        fix = "retire or rename one of them in the organisation file"
    else:
        fix = "use the KPI's own name"
    return None, f"'{name}' names more than one of {person}'s KPIs for the week of {day}: {which}; {fix}"


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def store(session: Session, rows: Sequence[Resolved], *, origin: str, now: datetime) -> StoreReport:
    """Insert new values, replace changed ones, leave equal ones alone: bulk statements, caller's transaction.

    ``origin`` is "import" (a file) or "source" (a push). Each row's source
    name, when it has one, also marks its KPI as fed by that source, so the
    check-in stops asking for it.
    """
    report = StoreReport()
    existing: dict[tuple[int, str], tuple[int, float, str, str | None]] = {}
    kpi_ids = sorted({r.kpi_id for r in rows})
    keys = sorted({r.period_key for r in rows})
    for chunk in _chunks(kpi_ids):
        fields = (Measurement.id, Measurement.kpi_id, Measurement.period_key, Measurement.value, Measurement.origin)
        statement = select(*(col(f) for f in fields), col(Measurement.source)).where(col(Measurement.kpi_id).in_(chunk))
        if len(keys) <= CHUNK:
            statement = statement.where(col(Measurement.period_key).in_(keys))
        for mid, kid, key, value, was, source in session.execute(statement):
            existing[(kid, key)] = (mid, value, was, source)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []
    # a fed value a manager replaced by accepting a dispute: the source sending it again does not undo that
    overruled = _overruled(session, {key for key, (_, _, was, _) in existing.items() if was == "dispute"})
    for row in rows:
        before = existing.get((row.kpi_id, row.period_key))
        if before is None:
            inserts.append(
                {
                    "kpi_id": row.kpi_id,
                    "period_key": row.period_key,
                    "week_start": row.week_start,
                    "value": row.value,
                    "source": row.source,
                }
            )
            report.created += 1
        else:
            mid, value, was, source = before
            unchanged = value == row.value and was != "checkin" and source == row.source
            if unchanged or overruled.get((row.kpi_id, row.period_key)) == row.value:
                report.unchanged += 1
                continue
            updates.append({"mid": mid, "v": row.value, "o": origin, "s": row.source, "u": now})
            report.replaced += 1
            report.replaced_by_hand += was == "checkin"
        audit.append(
            {
                "kpi_id": row.kpi_id,
                "period_key": row.period_key,
                "value": row.value,
                "previous": None if before is None else before[1],
                "previous_origin": None if before is None else before[2],
                "source": row.source,
            }
        )
    measurements = Measurement.__table__  # type: ignore[attr-defined]
    insert_many(session, measurements, inserts, source_text="", origin=origin, recorded_at=now, updated_at=now)
    if updates:
        table = Measurement.__table__  # type: ignore[attr-defined]
        replace = (
            update(table)
            .where(table.c.id == bindparam("mid"))
            .values(value=bindparam("v"), origin=bindparam("o"), source=bindparam("s"), updated_at=bindparam("u"))
        )
        session.connection().execute(replace, updates)
    audits = ValueAudit.__table__  # type: ignore[attr-defined]
    insert_many(session, audits, audit, origin=origin, note="", recorded_at=now)
    report.kpis_fed = _mark_fed(session, rows)
    _record_delivery(session, {r.source for r in rows if r.source}, now)
    return report


def _overruled(session: Session, keys: set[tuple[int, str]]) -> dict[tuple[int, str], float]:
    """(KPI, week) -> the fed value an accepted dispute replaced (see bot.disputes)."""
    if not keys:
        return {}
    return corrected_values(session, keys)


def _mark_fed(session: Session, rows: Sequence[Resolved]) -> list[int]:
    """Set ``Kpi.fed_by`` where a source now delivers the KPI (one UPDATE per source name)."""
    by_source: dict[str, set[int]] = {}
    for row in rows:
        if row.source:
            by_source.setdefault(row.source, set()).add(row.kpi_id)
    changed: list[int] = []
    for source, ids in by_source.items():
        for chunk in _chunks(sorted(ids)):
            statement = (
                update(Kpi)
                .where(col(Kpi.id).in_(chunk), or_(col(Kpi.fed_by).is_(None), col(Kpi.fed_by) != source))
                .values(fed_by=source)
                .returning(col(Kpi.id))
            )
            changed.extend(row[0] for row in session.execute(statement))
    return changed


def _record_delivery(session: Session, names: set[str], now: datetime) -> None:
    if names:
        session.execute(update(SourceSystem).where(col(SourceSystem.name).in_(sorted(names))).values(last_delivery_at=now))


__all__ = ["Problem", "Resolved", "StoreReport", "ValueRow", "ValuesRejectedError", "parse_number", "store", "validate"]

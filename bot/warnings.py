"""Early warnings: a KPI behind its expected pace two weeks running, raised once per streak.

Checked right after a person's values are stored (cheap: one person's
history), so the warning arrives while the week is still fresh.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from bot.messages import EarlyWarning, ManagerNote
from bot.people import manager_of
from bot.periods import week_key, week_start_of_key
from bot.scoring import aggregate, attainment, expected_to_date
from storage.queries import insert_if_absent
from storage.tables import Kpi, KpiWarning, Measurement, Person

STREAK = 2
BEHIND = 0.95  # under 95% of the on-track value counts as behind: a hair under pace is noise, not news


def behind_weeks(kpi: Kpi, values: dict[str, float], upto: str) -> list[str]:
    """The run of weeks, ending at ``upto``, in which the KPI was behind its pace (oldest first)."""
    keys = sorted(k for k in values if k <= upto)
    run: list[str] = []
    for i in range(len(keys) - 1, -1, -1):
        key = keys[i]
        if run and key != week_key(week_start_of_key(run[0]) - timedelta(weeks=1)):
            break  # a week without a report ends the run
        end_of_week = min(week_start_of_key(key) + timedelta(days=6), kpi.period_end)
        so_far = aggregate([values[k] for k in keys[: i + 1]], kpi.aggregate)
        expected = expected_to_date(kpi.target, kpi.aggregate, kpi.period_start, kpi.period_end, end_of_week, kpi.baseline)
        pace = attainment(so_far, expected, kpi.direction)
        if pace is None or pace >= BEHIND:
            break
        run.insert(0, key)
    return run


def check_streaks(
    session: Session, *, person: Person, kpis: list[Kpi], period_key: str, now: datetime
) -> list[tuple[Person, object]]:
    """New warnings for ``person`` after storing ``period_key``: (recipient, message) pairs."""
    if not kpis:
        return []
    rows = session.exec(select(Measurement).where(col(Measurement.kpi_id).in_([k.id for k in kpis]))).all()
    values: dict[int, dict[str, float]] = {}
    for m in rows:
        values.setdefault(m.kpi_id, {})[m.period_key] = m.value
    out: list[tuple[Person, object]] = []
    behind: list[str] = []
    manager = manager_of(session, person)
    for kpi in kpis:
        run = behind_weeks(kpi, values.get(kpi.id or 0, {}), period_key)
        if len(run) < STREAK or run[-1] != period_key:
            continue
        warning_id = insert_if_absent(
            session, KpiWarning, {"kpi_id": kpi.id, "streak_start": run[0], "notified_at": now, "created_at": now}
        )
        if not warning_id:
            continue  # already raised for this streak
        actual = aggregate([values[kpi.id or 0][k] for k in sorted(values[kpi.id or 0]) if k <= period_key], kpi.aggregate)
        expected = expected_to_date(
            kpi.target, kpi.aggregate, kpi.period_start, kpi.period_end, _end(period_key, kpi), kpi.baseline
        )
        out.append((person, EarlyWarning(warning_id, kpi.id or 0, kpi.name, kpi.unit, len(run), actual, expected)))
        behind.append(kpi.name)
    if behind and manager is not None and manager.slack_id != person.slack_id:
        out.append((manager, ManagerNote(person.slack_id, person.name, behind, STREAK)))  # one note, not one per KPI
    return out


def _end(period_key: str, kpi: Kpi) -> date:
    return min(week_start_of_key(period_key) + timedelta(days=6), kpi.period_end)

"""Early warnings: a KPI *behind* (bot.kpi_state) two reporting weeks running, raised once per streak.

"Behind" is exactly what every other view shows in red: more than 10% behind
the on-pace value at the end of that check-in week. An "at risk" week does
not count, so the warning never contradicts /kpi team.

Checked right after a person's values are stored (cheap: one person's
history), so the warning arrives while the week is still fresh.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.kpi_state import RUNNING_WEEKS, KpiSpec, behind_run, reporting_moment, state_for_week
from bot.messages import EarlyWarning, ManagerNote
from bot.people import manager_of
from bot.periods import week_key, week_start_of_key
from storage.queries import insert_if_absent
from storage.tables import Kpi, KpiWarning, Measurement, Person

STREAK = RUNNING_WEEKS


def behind_weeks(kpi: Kpi, values: dict[str, float], upto: str) -> list[str]:
    """The run of reporting weeks, ending at ``upto``, whose state was BEHIND at the week's end (oldest first).

    The same rule as /kpi team's "behind two weeks running" (``kpi_state.behind_run``).
    """
    spec = KpiSpec.of(kpi)
    weekly = [(week_start_of_key(k), v) for k, v in values.items()]
    return [week_key(m) for m in behind_run(spec, weekly, reporting_moment(spec, week_start_of_key(upto)))]


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
        state = state_for_week(kpi, [(week_start_of_key(k), v) for k, v in values[kpi.id or 0].items()], period_key)
        out.append(
            (
                person,
                EarlyWarning(
                    warning_id, kpi.id or 0, kpi.name, kpi.unit, len(run), state.so_far, state.on_pace, names=dict(kpi.names)
                ),
            )
        )
        behind.append(kpi.name)
    if behind and manager is not None and manager.slack_id != person.slack_id:
        names = {k.name: dict(k.names) for k in kpis if k.name in behind and k.names}  # the manager reads their language's
        out.append((manager, ManagerNote(person.slack_id, person.name, behind, STREAK, names)))  # one note, not one per KPI
    return out

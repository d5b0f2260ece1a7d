"""The gaming watch: a result KPI that improves while a paired behaviour KPI of the same person worsens.

Handle time down while complaints rise, revenue up while refunds rise: the
pairs come from ``watch_with`` on a KPI (organisation file or setup form).
Each month, with the retro, the manager is asked about each pair that moved
that way, with the numbers, as a question and not a verdict.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlmodel import Session, col, select

from bot.kpi_state import KpiStatus
from bot.messages import WatchQuestion
from storage.tables import Kpi, Measurement, Person


def month_value(values: list[float], how: str) -> float | None:
    """One month of weekly values the way the KPI adds up (sum, average, latest); None without data."""
    if not values:
        return None
    if how == "sum":
        return float(sum(values))
    if how == "average":
        return float(sum(values)) / len(values)
    return float(values[-1])


def month_before(first: date) -> tuple[date, date]:
    last = first - timedelta(days=1)
    return last.replace(day=1), last


def _better(kpi: Kpi, now: float, before: float) -> bool:
    return now < before if kpi.direction == "lower" else now > before


def _worse(kpi: Kpi, now: float, before: float) -> bool:
    return now > before if kpi.direction == "lower" else now < before


def watch_questions(session: Session, *, team_id: int, month: str, first: date, last: date) -> list[WatchQuestion]:
    """One question per watched pair of a team member that moved the wrong way from the month before to ``month``."""
    people = {p.id: p for p in session.exec(select(Person).where(Person.team_id == team_id, col(Person.active))).all()}
    if not people:
        return []
    kpis = session.exec(
        select(Kpi).where(
            col(Kpi.owner_id).in_(list(people)),
            Kpi.period_start <= last,
            Kpi.period_end >= first,
            col(Kpi.status).in_([KpiStatus.ACTIVE, KpiStatus.RETIRED]),
        )
    ).all()
    watched = [k for k in kpis if k.watch_with and k.kind == "result"]
    if not watched:
        return []
    before_first, _ = month_before(first)
    by_week: dict[int, list[tuple[date, float]]] = defaultdict(list)
    for m in session.exec(
        select(Measurement)
        .where(
            col(Measurement.kpi_id).in_([k.id for k in kpis]),
            Measurement.week_start >= before_first - timedelta(days=6),
            Measurement.week_start <= last,
        )
        .order_by(col(Measurement.week_start))
    ).all():
        by_week[m.kpi_id].append((m.week_start, m.value))

    def monthly(kpi: Kpi, start: date, end: date) -> float | None:
        # a week belongs to the month its Thursday falls in (ISO), so no week counts twice
        values = [v for week, v in by_week.get(kpi.id or 0, []) if start <= week + timedelta(days=3) <= end]
        return month_value(values, kpi.aggregate)

    questions = []
    for kpi in watched:
        pairs = {k.name.casefold(): k for k in kpis if k.owner_id == kpi.owner_id and k.id != kpi.id and k.period == kpi.period}
        for name in kpi.watch_with:
            partner = pairs.get(name.casefold())
            if partner is None:
                continue
            a_now, a_before = monthly(kpi, first, last), monthly(kpi, before_first, first - timedelta(days=1))
            b_now, b_before = monthly(partner, first, last), monthly(partner, before_first, first - timedelta(days=1))
            if a_now is None or a_before is None or b_now is None or b_before is None:
                continue
            if _better(kpi, a_now, a_before) and _worse(partner, b_now, b_before):
                owner = people[kpi.owner_id]
                questions.append(
                    WatchQuestion(
                        owner.slack_id,
                        owner.name,
                        month,
                        kpi.name,
                        kpi.unit,
                        a_before,
                        a_now,
                        partner.name,
                        partner.unit,
                        b_before,
                        b_now,
                        dict(kpi.names or {}),  # the manager reads the names in their language
                        dict(partner.names or {}),
                    )
                )
    return questions

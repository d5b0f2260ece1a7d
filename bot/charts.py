"""Trend charts as PNG: each KPI over the weeks, with its on-track pace and target lines.

matplotlib with the Agg backend: no display needed, safe in threads when
every chart uses its own Figure (never pyplot's global state).
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sqlmodel import Session, col, select

from bot.kpi_state import KpiSpec, kpi_state, reporting_moment
from storage.tables import Kpi, Measurement, Person


@dataclass
class Series:
    """One KPI's cumulative (period-to-date) value per week, with what was on track."""

    name: str
    unit: str
    target: float
    weeks: list[date]
    values: list[float]
    pace: list[float]


def person_series(session: Session, *, person_id: int, kpis: list[Kpi]) -> list[Series]:
    rows = session.exec(
        select(Measurement).where(col(Measurement.kpi_id).in_([k.id for k in kpis])).order_by(col(Measurement.week_start))
    ).all()
    by_kpi: dict[int, list[Measurement]] = defaultdict(list)
    for m in rows:
        by_kpi[m.kpi_id].append(m)
    return [_series(kpi.name, kpi, [(m.week_start, m.value) for m in by_kpi.get(kpi.id or 0, [])]) for kpi in kpis]


def team_series(session: Session, *, team_id: int, day: date) -> list[Series]:
    """Per KPI name across the team: the team total (sum KPIs) or mean (others) per week."""
    rows = session.exec(
        select(Kpi, Measurement)
        .join(Person, col(Person.id) == Kpi.owner_id)
        .join(Measurement, col(Measurement.kpi_id) == Kpi.id)
        .where(Person.team_id == team_id, Kpi.status == "active", Kpi.period_start <= day, Kpi.period_end >= day)
        .order_by(col(Measurement.week_start))
    ).all()
    grouped: dict[str, tuple[Kpi, dict[date, list[float]], set[int]]] = {}
    for kpi, m in rows:
        _, weeks, owners = grouped.setdefault(kpi.name, (kpi, defaultdict(list), set()))
        weeks[m.week_start].append(m.value)
        owners.add(kpi.owner_id)
    series = []
    for name, (kpi, weeks, owners) in grouped.items():
        points = [(w, sum(v) if kpi.aggregate == "sum" else sum(v) / len(v)) for w, v in sorted(weeks.items())]
        scale = len(owners) if kpi.aggregate == "sum" else 1
        series.append(_series(name, kpi, points, target_scale=scale))
    return series


def _series(name: str, kpi: Kpi, points: list[tuple[date, float]], target_scale: int = 1) -> Series:
    """Each week's value so far and on-pace value, from kpi_state at that week's end (what the prompt said then)."""
    spec = replace(KpiSpec.of(kpi), target=kpi.target * target_scale)
    weeks, values, pace = [], [], []
    for week, _ in points:
        state = kpi_state(spec, points, reporting_moment(spec, week))
        if state.so_far is None:
            continue  # a week before the period
        weeks.append(week)
        values.append(state.so_far)
        pace.append(state.on_pace)
    return Series(name, kpi.unit, spec.target, weeks, values, pace)


def render_png(series: list[Series], title: str) -> bytes:
    """One small panel per KPI: actual (solid), on-track pace (dashed), target (dotted)."""
    count = max(1, len(series))
    figure = Figure(figsize=(7, 2.2 * count), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots(count, 1, squeeze=False)[:, 0]
    for ax, s in zip(axes, series or [Series("no data yet", "", 0, [], [], [])], strict=False):
        if s.weeks:
            ax.plot(s.weeks, s.values, marker="o", label="actual")
            ax.plot(s.weeks, s.pace, linestyle="--", label="on track")
            ax.set_xticks(s.weeks, [w.strftime("%d %b") for w in s.weeks])
        ax.axhline(s.target, linestyle=":", color="grey", label="target")
        ax.set_title(f"{s.name} ({s.unit})", fontsize=9, loc="left")
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7, loc="upper left")
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()

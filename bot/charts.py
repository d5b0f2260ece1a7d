"""Trend charts as PNG: each KPI over the weeks, with its on-track pace and target lines.

matplotlib with the Agg backend: no display needed, safe in threads when
every chart uses its own Figure (never pyplot's global state).
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from sqlmodel import Session, col, func, select

from bot import i18n
from bot.formats import format_day, format_pace_pair, format_value
from bot.kpi_state import KpiSpec, KpiStatus, kpi_state, reporting_moment
from bot.names import local_name
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


def chart_day(session: Session, *, today: date, person_id: int | None = None, team_id: int | None = None) -> date:
    """The day whose period a chart shows: today's while it has figures; once a new period has none yet (a chart
    asked for on 2 January), the last day of the period just ended, which is what a person asking then expects."""
    owners = (
        [Kpi.owner_id == person_id]
        if team_id is None
        else [col(Kpi.owner_id).in_(select(Person.id).where(Person.team_id == team_id))]
    )
    measured = select(Kpi.id).join(Measurement, col(Measurement.kpi_id) == Kpi.id).where(*owners, Kpi.status == KpiStatus.ACTIVE)
    if session.exec(measured.where(Kpi.period_start <= today, Kpi.period_end >= today).limit(1)).first() is not None:
        return today
    ended = session.exec(
        select(func.max(Kpi.period_end))
        .join(Measurement, col(Measurement.kpi_id) == Kpi.id)
        .where(*owners, Kpi.status == KpiStatus.ACTIVE, Kpi.period_end < today)
    ).one()
    return ended or today


def person_series(session: Session, *, person_id: int, kpis: list[Kpi], locale: str | None = None) -> list[Series]:
    rows = session.exec(
        select(Measurement).where(col(Measurement.kpi_id).in_([k.id for k in kpis])).order_by(col(Measurement.week_start))
    ).all()
    by_kpi: dict[int, list[Measurement]] = defaultdict(list)
    for m in rows:
        by_kpi[m.kpi_id].append(m)
    return [
        _series(local_name(kpi.name, kpi.names, locale), kpi, [(m.week_start, m.value) for m in by_kpi.get(kpi.id or 0, [])])
        for kpi in kpis
    ]


def team_series(session: Session, *, team_id: int, day: date, locale: str | None = None) -> list[Series]:
    """Per KPI name across the team: the team total (sum KPIs) or mean (others) per week."""
    rows = session.exec(
        select(Kpi, Measurement)
        .join(Person, col(Person.id) == Kpi.owner_id)
        .join(Measurement, col(Measurement.kpi_id) == Kpi.id)
        .where(Person.team_id == team_id, Kpi.status == KpiStatus.ACTIVE, Kpi.period_start <= day, Kpi.period_end >= day)
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
        series.append(_series(local_name(name, kpi.names, locale), kpi, points, target_scale=scale))
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


# Okabe-Ito colours, told apart with every kind of colour blindness; each line also
# has its own style and marker, so the chart reads in greyscale too.
ACTUAL_COLOUR, PACE_COLOUR, TARGET_COLOUR = "#0072B2", "#E69F00", "#555555"
CJK_FAMILY = "Noto Sans CJK SC"


@cache
def _fonts() -> list[str]:
    """Latin glyphs from matplotlib's own DejaVu Sans, Chinese from the Noto Sans CJK SC that the
    mplfonts package ships: a dependency, so no chart depends on fonts installed on the machine."""
    from matplotlib import font_manager

    spec = find_spec("mplfonts")  # located, not imported: the package's import pulls in its CLI
    assert spec is not None and spec.origin is not None, "mplfonts (a dependency) is not installed"
    path = Path(spec.origin).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    font_manager.fontManager.addfont(str(path))
    return ["DejaVu Sans", CJK_FAMILY]


def render_png(series: list[Series], title: str, locale: str | None = None) -> bytes:
    """One small panel per KPI: actual (solid), on-track pace (dashed), target (dotted)."""
    # matplotlib is imported here, not with the module: every `kpibot` command (org import, values import...)
    # loads this module through the report builders, and matplotlib costs ~1 s of CPU to import
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    count = max(1, len(series))
    with rc_context({"font.family": _fonts()}):
        figure = Figure(figsize=(7, 2.2 * count), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.subplots(count, 1, squeeze=False)[:, 0]
        empty = Series(i18n.t("chart_no_data", locale), "", 0, [], [], [])
        for ax, s in zip(axes, series or [empty], strict=False):
            if s.weeks:
                ax.plot(s.weeks, s.values, marker="o", color=ACTUAL_COLOUR, label=i18n.t("chart_actual", locale))
                ax.plot(s.weeks, s.pace, linestyle="--", marker="^", color=PACE_COLOUR, label=i18n.t("chart_on_track", locale))
                ax.set_xticks(s.weeks, [format_day(w, locale) for w in s.weeks])
            ax.axhline(s.target, linestyle=":", color=TARGET_COLOUR, label=i18n.t("chart_target", locale))
            unit = unit_label(s.unit, locale)
            ax.set_title(i18n.t("chart_panel", locale, name=s.name, unit=unit) if unit else s.name, fontsize=9, loc="left")
            ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos, unit=s.unit: format_value(y, unit, locale)))
            ax.tick_params(labelsize=7)
            ax.legend(fontsize=7, loc="upper left")
        figure.suptitle(title, fontsize=10)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def unit_label(unit: str, locale: str | None) -> str:
    """CNY stays a code; count, percent, hours... are words in the reader's language."""
    key = f"unit_{unit}"
    return i18n.t(key, locale) if i18n.has(key) else unit


def _pair(s: Series, locale: str | None) -> tuple[str, str]:
    """The last value and on-pace value as every view shows them side by side (``format_pace_pair``)."""
    if not s.pace:
        return format_value(s.values[-1] if s.values else None, s.unit, locale), "-"
    return format_pace_pair(s.values[-1] if s.values else None, s.pace[-1], s.unit, locale)


def alt_text(series: list[Series], title: str, locale: str | None = None) -> str:
    """What the image shows, in words, for screen readers (Slack's alt_txt)."""
    if not series:
        return i18n.t("chart_alt_empty", locale, title=title)
    lines = [
        i18n.t(
            "chart_alt_kpi",
            locale,
            name=s.name,
            value=_pair(s, locale)[0],
            pace=_pair(s, locale)[1],
            target=format_value(s.target, s.unit, locale),
        )
        for s in series
    ]
    return i18n.t("chart_alt", locale, title=title, kpis=" ".join(lines))[:1000]

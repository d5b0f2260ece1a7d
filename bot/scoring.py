"""Scoring: aggregate a KPI over its period, the pace that would be on track, attainment.

Plain functions on plain numbers so they can be checked by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date


def aggregate(values: Sequence[float], how: str) -> float | None:
    """sum, average or latest of the weekly values (in time order); None with no data."""
    if not values:
        return None
    if how == "sum":
        return float(sum(values))
    if how == "average":
        return float(sum(values)) / len(values)
    return float(values[-1])


def elapsed_fraction(start: date, end: date, today: date) -> float:
    """How much of the period has passed by the end of ``today`` (0..1)."""
    total = (end - start).days + 1
    done = (min(max(today, start), end) - start).days + 1 if today >= start else 0
    return max(0.0, min(1.0, done / total))


def expected_to_date(target: float, how: str, start: date, end: date, today: date, baseline: float | None = None) -> float:
    """The value that would be exactly on track today.

    A summed KPI should have reached the elapsed share of its target; an
    averaged or latest-value KPI is expected to move from its baseline (if
    any) to the target in a straight line.
    """
    fraction = elapsed_fraction(start, end, today)
    if how == "sum":
        return target * fraction
    if baseline is None:
        return target
    return baseline + (target - baseline) * fraction


def attainment(actual: float | None, target: float, direction: str, baseline: float | None = None) -> float | None:
    """Share of the target achieved (1.0 = met). Lower-is-better metrics are reverse-scored.

    With a baseline, progress is measured from it: for a complaint rate going
    from baseline 2% to target 1%, an actual of 1.5% is half way (0.5).
    Without one, lower-is-better is target/actual. Never divides by zero.
    """
    if actual is None:
        return None
    if baseline is not None and baseline != target:
        return (actual - baseline) / (target - baseline)
    if direction == "lower":
        if actual <= 0:
            return 1.0 if target >= 0 else 0.0
        return target / actual
    if target == 0:
        return 1.0 if actual >= 0 else 0.0
    return actual / target


def weighted_total(items: Sequence[tuple[float | None, float]], cap: float = 1.2) -> float | None:
    """Weighted score over (attainment, weight) pairs; each attainment capped so one KPI can't carry all."""
    scored = [(max(0.0, min(cap, a)), w) for a, w in items if a is not None]
    weight = sum(w for _, w in scored)
    if not weight:
        return None
    return sum(a * w for a, w in scored) / weight


def forecast(values: Sequence[float], how: str, start: date, end: date, today: date) -> float | None:
    """End-of-period value if the trend so far continues.

    sum: the run rate so far over the whole period; average: the mean so far,
    nudged by the slope of the last weeks; latest: the last value plus the
    recent slope times the weeks left.
    """
    if not values:
        return None
    fraction = elapsed_fraction(start, end, today)
    if how == "sum":
        return sum(values) / fraction if fraction > 0 else None
    weeks_left = max(0.0, (end - today).days / 7)
    slope = (values[-1] - values[-3 if len(values) >= 3 else 0]) / max(1, min(2, len(values) - 1)) if len(values) > 1 else 0.0
    if how == "average":
        return sum(values) / len(values) + slope * min(weeks_left, 4) / 2
    return values[-1] + slope * weeks_left


def status(
    actual: float | None,
    expected: float | None,
    projected: float | None,
    target: float,
    direction: str,
    baseline: float | None = None,
) -> str:
    """on_track / at_risk / off_track / no_data, from the pace so far and the forecast.

    On track: at or ahead of pace and the forecast meets the target. At risk:
    within 10% of either. Off track: further behind. Lower-is-better metrics
    compare the other way round.
    """
    if actual is None:
        return "no_data"
    pace = attainment(
        actual,
        expected if expected is not None else target,
        direction,
        None if baseline is None or expected is None else baseline,
    )
    end = attainment(projected, target, direction, baseline) if projected is not None else pace
    if pace is None or end is None:
        return "no_data"
    if pace >= 1 and end >= 1:
        return "on_track"
    if pace >= 0.9 and end >= 0.9:
        return "at_risk"
    return "off_track"


def rating_attainment(score: float | None, target: float) -> float | None:
    """A 1-5 behaviour-anchored rating against its target level (e.g. 4): 1 -> 0, target -> 1."""
    if score is None:
        return None
    if target <= 1:
        return 1.0
    return max(0.0, (score - 1) / (target - 1))


def split_totals(items: Sequence[tuple[float | None, float, str]]) -> dict[str, float | None]:
    """Weighted totals overall and for result and behaviour KPIs separately."""
    return {
        "total": weighted_total([(a, w) for a, w, _ in items]),
        "result": weighted_total([(a, w) for a, w, kind in items if kind == "result"]),
        "behaviour": weighted_total([(a, w) for a, w, kind in items if kind == "behaviour"]),
    }


def kpi_attainment(actual: float | None, target: float, direction: str, baseline: float | None, unit: str) -> float | None:
    """Attainment for any KPI: a 1-5 behaviour rating on its own scale, everything else by direction."""
    if unit == "rating":
        return rating_attainment(actual, target)
    return attainment(actual, target, direction, baseline)

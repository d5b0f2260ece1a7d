"""Weighted totals: one figure per person from their KPIs' attainments, overall and for results and behaviour.

Each KPI's attainment comes from bot.kpi_state (``KpiState.score``, "of
target", capped), never from a formula here: pace, forecast and status live
in exactly one place.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.kpi_state import CAP  # one KPI can't carry the whole score


def weighted_total(items: Sequence[tuple[float | None, float]], cap: float = CAP) -> float | None:
    """Weighted score over (attainment, weight) pairs; each attainment capped so one KPI can't carry all."""
    scored = [(max(0.0, min(cap, a)), w) for a, w in items if a is not None]
    weight = sum(w for _, w in scored)
    if not weight:
        return None
    return sum(a * w for a, w in scored) / weight


def split_totals(items: Sequence[tuple[float | None, float, str]], cap: float = CAP) -> dict[str, float | None]:
    """Weighted totals overall and for result and behaviour KPIs separately (``weighted_total`` of each).

    One pass, adding in the same order as ``weighted_total`` would, so the
    figures are the same to the last bit: /kpi team runs this for every member.
    """
    weights = {"total": 0.0, "result": 0.0, "behaviour": 0.0}
    sums = dict(weights)
    for attainment, weight, kind in items:
        if attainment is None:
            continue
        part = max(0.0, min(cap, attainment)) * weight
        for key in ("total", kind) if kind in ("result", "behaviour") else ("total",):
            weights[key] += weight
            sums[key] += part
    return {key: (sums[key] / weights[key] if weights[key] else None) for key in weights}

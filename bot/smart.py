"""SMART checks for one KPI and the rules for a person's KPI set.

The method: 3-5 KPIs per role, weights adding up to 100, leading indicators
at least 30% of the weight, results and behaviour both present, and every KPI
specific and measurable (unit, direction, target, period, data source).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.periods import PeriodError, period_bounds

CURRENCY = re.compile(r"^[A-Z]{3}$")
UNITS = {"count", "percent", "hours", "score", "days"}
VAGUE = re.compile(r"^(improve|increase|raise|boost|better|grow|enhance|提升|提高|改善|增加|加强)\b", re.IGNORECASE)


@dataclass
class KpiDraft:
    """A KPI as proposed: plain data, from the organisation file or a modal."""

    name: str
    unit: str
    direction: str
    target: float | None
    period: str
    weight: float
    kind: str = "result"
    horizon: str = "lagging"
    source: str = ""
    baseline: float | None = None
    anchors: list[str] = field(default_factory=list)

    @classmethod
    def from_spec(cls, spec: Any) -> KpiDraft:
        return cls(
            name=spec.name,
            unit=spec.unit,
            direction=spec.direction,
            target=spec.target,
            period=spec.period,
            weight=spec.weight,
            kind=spec.kind,
            horizon=spec.horizon,
            source=spec.source,
            baseline=spec.baseline,
            anchors=list(spec.anchors),
        )


def valid_unit(unit: str) -> bool:
    """count, percent, hours, days, score, or a three-letter currency code such as CNY."""
    return unit in UNITS or bool(CURRENCY.match(unit))


def check_kpi(draft: KpiDraft, *, today: date | None) -> list[str]:
    """Problems that make one KPI not SMART; each says how to fix it."""
    problems: list[str] = []
    if not valid_unit(draft.unit):
        problems.append(f"unit '{draft.unit}' is unknown; use count, percent, hours, days, score or a currency code like CNY")
    if draft.direction not in {"higher", "lower"}:
        problems.append("direction must be 'higher' or 'lower' (lower = reverse-scored, e.g. complaint rate)")
    if draft.target is None:
        problems.append("a target is required")
    elif draft.unit == "percent" and not 0 <= draft.target <= 100:
        problems.append("a percent target must be between 0 and 100")
    if not 0 < draft.weight <= 100:
        problems.append("weight must be more than 0 and at most 100")
    try:
        _, end = period_bounds(draft.period)
        if today is not None and end < today:
            problems.append(f"period {draft.period} has already ended; pick a current or future period")
    except PeriodError as exc:
        problems.append(str(exc))
    if not draft.source.strip():
        problems.append("name the data source (where the number comes from), e.g. 'CRM closed-won deals'")
    if draft.unit == "score" and draft.anchors and len(draft.anchors) != 5:
        problems.append("a 1-5 rating needs an anchor text for each of the 5 levels")
    if draft.unit == "score" and draft.anchors and any(not a.strip() for a in draft.anchors):
        problems.append("every level of a 1-5 rating needs a described behaviour")
    hint = vague_name_hint(draft.name)
    if hint:
        problems.append(hint)
    return problems


def vague_name_hint(name: str) -> str | None:
    """A hint for names like "improve sales" that say a wish, not a measure."""
    if VAGUE.search(name.strip()) and not re.search(r"\d", name):
        return (
            f"'{name}' is a wish, not a measure: name what is counted, e.g. "
            "'New customers signed' or 'Customer satisfaction (CSAT, 1-5)'"
        )
    return None


def check_kpi_set(drafts: list[KpiDraft]) -> list[str]:
    """Rules for one person's set in one period; each message names the fix."""
    problems: list[str] = []
    if not 3 <= len(drafts) <= 5:
        problems.append(f"has {len(drafts)} KPI(s); keep 3-5 core KPIs so each one matters")
    total = sum(d.weight for d in drafts)
    if abs(total - 100) > 0.01:
        problems.append(f"weights add up to {total:g}, not 100; adjust them so they do")
    leading = sum(d.weight for d in drafts if d.horizon == "leading")
    if total and leading / total < 0.3:
        problems.append(f"leading indicators carry {leading / total:.0%} of the weight; give them at least 30%")
    kinds = {d.kind for d in drafts}
    if drafts and kinds != {"result", "behaviour"}:
        missing = ({"result", "behaviour"} - kinds).pop()
        problems.append(f"no {missing} KPI; results and behaviour should both count")
    return problems

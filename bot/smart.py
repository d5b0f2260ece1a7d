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

from bot import i18n
from bot.periods import PeriodError, period_bounds

CURRENCY = re.compile(r"^[A-Z]{3}$")
UNITS = {"count", "percent", "hours", "days", "minutes", "score", "rating"}
RATING = "rating"  # a 1-5 behaviour-anchored scale; "score" is any index (NPS -100..100, CSAT 0-10)
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
    """count, percent, hours, minutes, days, score (any index), rating (1-5), or a currency code such as CNY."""
    return unit in UNITS or bool(CURRENCY.match(unit))


@dataclass(frozen=True)
class Rule:
    """A failed SMART rule: ``key`` names the text (English and Chinese), ``field`` what to fix."""

    key: str
    field: str
    params: tuple[tuple[str, Any], ...] = ()

    def text(self, locale: str | None = "en") -> str:
        """Parameters that are themselves words ("msg:kind_result") are translated too."""
        params = {k: i18n.t(v[4:], locale) if isinstance(v, str) and v.startswith("msg:") else v for k, v in self.params}
        return i18n.t(self.key, locale, **params)

    def __str__(self) -> str:
        return self.text("en")


def check_kpi(draft: KpiDraft, *, today: date | None) -> list[Rule]:
    """Rules that make one KPI not SMART; each says how to fix it."""
    problems: list[Rule] = []
    if not valid_unit(draft.unit):
        problems.append(Rule("smart_unit", "target", (("unit", draft.unit),)))
    if draft.direction not in {"higher", "lower"}:
        problems.append(Rule("smart_direction", "direction"))
    if draft.target is None:
        problems.append(Rule("smart_target", "target"))
    elif draft.unit == "percent" and not 0 <= draft.target <= 100:
        problems.append(Rule("smart_percent", "target"))
    if not 0 < draft.weight <= 100:
        problems.append(Rule("smart_weight", "weight"))
    try:
        _, end = period_bounds(draft.period)
        if today is not None and end < today:
            problems.append(Rule("smart_period_over", "period", (("period", draft.period),)))
    except PeriodError as exc:
        problems.append(Rule("smart_period", "period", (("reason", str(exc)),)))
    if not draft.source.strip():
        problems.append(Rule("smart_source", "source"))
    if draft.unit == RATING and draft.target is not None and not 1 <= draft.target <= 5:
        problems.append(Rule("smart_rating_target", "target"))
    if draft.unit == RATING and draft.direction != "higher":
        problems.append(Rule("smart_rating_direction", "direction"))
    if draft.anchors and draft.unit != RATING:
        problems.append(Rule("smart_anchors_unit", "anchors"))
    if draft.unit == RATING and draft.anchors and len(draft.anchors) != 5:
        problems.append(Rule("smart_anchors", "anchors"))
    if draft.unit == RATING and draft.anchors and any(not a.strip() for a in draft.anchors):
        problems.append(Rule("smart_anchor_empty", "anchors"))
    hint = vague_name_hint(draft.name)
    if hint:
        problems.append(hint)
    return problems


def vague_name_hint(name: str) -> Rule | None:
    """A hint for names like "improve sales" that say a wish, not a measure."""
    if VAGUE.search(name.strip()) and not re.search(r"\d", name):
        return Rule("smart_vague", "name", (("name", name),))
    return None


def check_kpi_set(drafts: list[KpiDraft]) -> list[Rule]:
    """Rules for one person's set in one period; each message names the fix."""
    problems: list[Rule] = []
    if not 3 <= len(drafts) <= 5:
        problems.append(Rule("smart_count", "set", (("n", len(drafts)),)))
    total = sum(d.weight for d in drafts)
    if abs(total - 100) > 0.01:
        problems.append(Rule("smart_weights", "weight", (("total", f"{total:g}"),)))
    leading = sum(d.weight for d in drafts if d.horizon == "leading")
    if total and leading / total < 0.3:
        problems.append(Rule("smart_leading", "type", (("share", f"{leading / total:.0%}"),)))
    kinds = {d.kind for d in drafts}
    if drafts and kinds != {"result", "behaviour"}:
        missing = ({"result", "behaviour"} - kinds).pop()
        problems.append(Rule("smart_mix", "type", (("missing", f"msg:kind_{missing}"),)))
    return problems

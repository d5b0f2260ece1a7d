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
        return i18n.t(self.key, locale, **dict(self.params))

    def __str__(self) -> str:
        return self.text("en")


i18n.register(
    {
        "smart_unit": {
            "en": "unit '{unit}' is unknown; use count, percent, hours, minutes, days, score (any index, e.g. NPS), rating (a 1-5 scale) or a currency code like CNY",
            "zh": "单位“{unit}”无法识别；请用 count、percent、hours、minutes、days、score（任意指数，如 NPS）、rating（1-5 分评分）或货币代码（如 CNY）",
        },
        "smart_direction": {
            "en": "direction must be 'higher' or 'lower' (lower = reverse-scored, e.g. complaint rate)",
            "zh": "方向必须是“越高越好”或“越低越好”（如投诉率是越低越好）",
        },
        "smart_target": {"en": "a target is required", "zh": "需要一个目标值"},
        "smart_percent": {"en": "a percent target must be between 0 and 100", "zh": "百分比目标必须在 0 到 100 之间"},
        "smart_weight": {"en": "weight must be more than 0 and at most 100", "zh": "权重必须大于 0 且不超过 100"},
        "smart_period_over": {
            "en": "period {period} has already ended; pick a current or future period",
            "zh": "周期 {period} 已结束，请选择当前或未来的周期",
        },
        "smart_period": {"en": "{reason}", "zh": "周期无法识别：{reason}"},
        "smart_source": {
            "en": "name the data source (where the number comes from), e.g. 'CRM closed-won deals'",
            "zh": "请写明数据来源（数字从哪里来），例如“CRM 已成交订单”",
        },
        "smart_anchors": {
            "en": "a 1-5 rating needs an anchor text for each of the 5 levels",
            "zh": "1-5 分评分需要为每个等级写明行为描述",
        },
        "smart_rating_target": {
            "en": "a 1-5 rating needs a target between 1 and 5, e.g. 4; for any other index (NPS, CSAT 0-10) use unit score",
            "zh": "1-5 分评分的目标必须在 1 到 5 之间，例如 4；其他指数（NPS、0-10 分满意度）请用单位 score",
        },
        "smart_rating_direction": {
            "en": "a 1-5 rating is higher-is-better: 5 is the best described level",
            "zh": "1-5 分评分越高越好：5 是描述最好的等级",
        },
        "smart_anchors_unit": {
            "en": "level descriptions are for 1-5 ratings: set the unit to rating",
            "zh": "等级描述仅用于 1-5 分评分：请把单位设为 rating",
        },
        "smart_anchor_empty": {
            "en": "every level of a 1-5 rating needs a described behaviour",
            "zh": "1-5 分的每个等级都需要行为描述",
        },
        "smart_vague": {
            "en": "'{name}' is a wish, not a measure: name what is counted, e.g. 'New customers signed' or 'Customer satisfaction (CSAT, 1-5)'",
            "zh": "“{name}”是愿望而不是指标：请写明统计什么，例如“新签客户数”或“客户满意度（CSAT，1-5分）”",
        },
        "smart_count": {
            "en": "has {n} KPI(s); keep 3-5 core KPIs so each one matters",
            "zh": "共有 {n} 个 KPI；请保持 3-5 个核心 KPI",
        },
        "smart_weights": {
            "en": "weights add up to {total}, not 100; adjust them so they do",
            "zh": "权重合计为 {total}，不是 100，请调整",
        },
        "smart_leading": {
            "en": "leading indicators carry {share} of the weight; give them at least 30%",
            "zh": "先行指标只占权重的 {share}；请至少给到 30%",
        },
        "smart_mix": {
            "en": "no {missing} KPI; results and behaviour should both count",
            "zh": "没有{missing}类 KPI；结果和行为都应计入",
        },
    }
)


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
        problems.append(Rule("smart_mix", "type", (("missing", missing),)))
    return problems

"""Blockers in a reply: what is in the way, its root-cause category, and the dates it mentions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.dates import read_date

BLOCKER = re.compile(
    r"\b(?:blocked|blocker|blocking|waiting (?:on|for)|stuck|held up|depend(?:s|ing)? on|no (?:budget|access|time)|"
    r"can'?t|cannot|unable to|hard to|lack(?:ing)?|short of|need(?:s|ing)? (?:more|help|approval))\b|"
    r"卡在|卡住|被.*卡|等待|在等|等着|等(?![于级同])|缺少|缺乏|缺(?!陷)|阻塞|受阻|没有预算|需要支持|无法|没法|难以|很难",
    re.IGNORECASE,
)
CONTINUATION = re.compile(r"^(?:until|till|til|since|by|from|expected|due|等到|直到|预计|要到|到)\s*", re.IGNORECASE)
_SINCE = re.compile(r"\bsince\s+(?P<d>[\w ,./-]{2,30})|(?P<cn>[^,，。]{1,12}?)(?:开始|以来|起)", re.IGNORECASE)
_UNTIL = re.compile(
    r"\b(?:until|till|til|by|before|due)\s+(?P<d>[\w ,./-]{2,30})|(?:到|直到)(?P<cn>[^,，。]{1,12}?)(?:为止|前|之前)?$",
    re.IGNORECASE,
)

CATEGORY_WORDS: list[tuple[str, re.Pattern[str]]] = [
    (
        "resources",
        re.compile(
            r"budget|headcount|people|staff|leads?|tools?|laptop|licen[cs]e|money|hardware|资源|预算|人手|人力|线索|设备|工具|经费",
            re.IGNORECASE,
        ),
    ),
    (
        "capability",
        re.compile(
            r"don'?t know|not sure how|skill|training|experience|learn|expertise|不会|能力|培训|经验|技能|不懂", re.IGNORECASE
        ),
    ),
    (
        "process",
        re.compile(
            r"approv|sign[- ]?off|legal|review|process|waiting|procurement|contract|policy|审批|流程|签字|合同|法务|等",
            re.IGNORECASE,
        ),
    ),
]


@dataclass
class BlockerReading:
    text: str
    category: str
    date: str | None = None
    since: str | None = None
    until: str | None = None


def read_blocker(clause: str, now: datetime, languages: tuple[str, ...]) -> BlockerReading:
    category = "other"
    for name, pattern in CATEGORY_WORDS:
        if pattern.search(clause):
            category = name
            break
    blocker = BlockerReading(text=clause[:1000], category=category)
    since = _first_date(_SINCE, clause, now, "past", languages)
    until = _first_date(_UNTIL, clause, now, "future", languages)
    blocker.since = since.isoformat() if since else None
    blocker.until = until.isoformat() if until else None
    if not since and not until:
        found = any_date(clause, now, languages)
        blocker.date = found.isoformat() if found else None
    blocker.date = blocker.date or blocker.until or blocker.since
    return blocker


def _first_date(pattern: re.Pattern[str], clause: str, now: datetime, prefer: Any, languages: tuple[str, ...]) -> date | None:
    """The first match of ``pattern`` that is really a date ("blocked by legal ... until Friday")."""
    position = 0
    while (match := pattern.search(clause, position)) is not None:
        phrase = match["d"] or match["cn"]
        found = read_date(phrase, now=now, prefer=prefer, languages=languages) if phrase else None
        if found is not None:
            return found
        position = match.start() + 1  # "by the CAB until Thursday": the "until" inside the first match is tried too
    return None


def any_date(clause: str, now: datetime, languages: tuple[str, ...]) -> date | None:
    cn = re.search(
        r"(?:下下|下个?|本|这个?|上个?)?(?:周|星期|礼拜)[一二三四五六日天末]|\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}月(?:\d{1,2}[日号]|底|末)|明天|后天|昨天|\d+天[后前]",
        clause,
    )
    if cn:
        return read_date(cn.group(), now=now, prefer="future", languages=languages)
    en = re.search(
        r"\b(?:(?:last|next|this) )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|yesterday|next week)\b",
        clause,
        re.IGNORECASE,
    )
    if en:
        return read_date(en.group(), now=now, prefer="future", languages=languages)
    return None

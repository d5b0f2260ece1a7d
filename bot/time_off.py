"""Time off in a reply: "下周请假", "off next week", "请假到10月8日", "off 3-7 Nov", "back on Monday", "OOO until the 12th".

Returns the first and last day away, in the person's own calendar (``now``
is their local time). "Next week" starts next Monday: this week is still
asked. The scheduler then skips exactly the weeks the span covers
(``week_is_away``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.dates import read_date

_WEEKDAYS_EN = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WD_EN = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?"
_WD_CN = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_ORD = r"(?:st|nd|rd|th)?"

AWAY = re.compile(
    r"请假|休假|年假|病假|事假|婚假|产假|调休|不在岗|不在公司|出差|放假|休年假"
    r"|\bout of (?:the )?office\b|\booo\b|\bo\.o\.o\b|\bon (?:annual |sick |parental |paternity |maternity )?(?:leave|holiday|vacation|pto)\b"
    r"|\b(?:vacation|vacay|pto|annual leave|sick leave)\b|\b(?:day|days|week|weeks|time) off\b"
    r"|\boff\b(?=\s+(?:next|this|tomorrow|until|till|til|through|thru|from|on|for|the|\d|" + _WD_EN + r"|" + _MONTH + r"))"
    r"|\bback (?:on|in|next|from|after|at work on)\b|\bback\b(?=\s+" + _WD_EN + r")"
    r"|(?:回来|回公司|复工|返岗|销假|上班)(?![^\s,，。]*\d)",
    re.IGNORECASE,
)
_BACK = re.compile(
    r"\bback (?:on |in |at work on )?(?P<en>.+)|(?P<cn>[^,，。]+?)(?:回来|回公司|复工|返岗|销假|上班)", re.IGNORECASE
)
_CN_WD_RANGE = re.compile(
    r"(?P<r1>下下|下个?|本|这个?)?(?:周|星期|礼拜)(?P<d1>[一二三四五六日天])\s*(?:到|至|-|~|—)\s*"
    r"(?:(?P<r2>下下|下个?|本|这个?)?(?:周|星期|礼拜))?(?P<d2>[一二三四五六日天])"
)
_CN_DATE_RANGE = re.compile(
    r"(?P<m1>\d{1,2})\s?月\s?(?P<d1>\d{1,2})\s?[日号]?\s*(?:到|至|-|~|—)\s*(?:(?P<m2>\d{1,2})\s?月\s?)?(?P<d2>\d{1,2})\s?[日号]?"
)
_EN_DATE_RANGE = re.compile(
    rf"(?P<d1>\d{{1,2}}){_ORD}\s*(?:-|–|to|until|till|through|thru)\s*(?P<d2>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<m>{_MONTH})"
    rf"|(?P<mb>{_MONTH})\s+(?P<db1>\d{{1,2}}){_ORD}\s*(?:-|–|to|until|till|through|thru)\s*(?:(?P<mb2>{_MONTH})\s+)?(?P<db2>\d{{1,2}}){_ORD}",
    re.IGNORECASE,
)
_EN_WD_RANGE = re.compile(
    rf"(?:(?P<rel>next|this|coming)\s+)?(?P<d1>{_WD_EN})\s*(?:-|–|to|until|till|through|thru)\s*(?P<d2>{_WD_EN})", re.IGNORECASE
)
_UNTIL = re.compile(r"(?:\b(?:until|till|til|through|thru|to)\s+|到|至|直到)(?P<d>[^,，。;；]+)", re.IGNORECASE)
_NEXT_WEEK = re.compile(r"\bnext week\b|下个?(?:周|星期|礼拜)(?![一二三四五六日天末])", re.IGNORECASE)
_THIS_WEEK = re.compile(r"\bthis week\b|(?:本|这个?)(?:周|星期|礼拜)(?![一二三四五六日天末])", re.IGNORECASE)
_FOR_SPAN = re.compile(
    r"\bfor (?P<n>\d+|a|one|two|three) (?P<u>days?|weeks?)\b|(?P<cn>\d+|一|两|二|三)(?P<cu>天|周|个星期)", re.IGNORECASE
)
_ORDINAL_DAY = re.compile(r"^(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)$|^(?P<cn>\d{1,2})\s?[号日]$", re.IGNORECASE)
_SMALL = {"a": 1, "one": 1, "two": 2, "three": 3, "一": 1, "两": 2, "二": 2, "三": 3}


@dataclass(frozen=True)
class TimeOff:
    start: date
    end: date


def mentions_time_off(text: str) -> bool:
    return AWAY.search(text) is not None


def read_time_off(text: str, *, now: datetime, languages: tuple[str, ...] = ("en", "zh")) -> TimeOff | None:
    """The days off ``text`` announces, or None when it names no dates (then nothing changes)."""
    today = now.date()
    monday = today - timedelta(days=today.weekday())
    m = _CN_WD_RANGE.search(text)
    if m:
        rel1 = _cn_rel(m["r1"])
        rel2 = _cn_rel(m["r2"]) if m["r2"] else rel1
        start = monday + timedelta(days=rel1 + _WD_CN[m["d1"]])
        end = monday + timedelta(days=rel2 + _WD_CN[m["d2"]])
        return _span(start, end, today)
    m = _CN_DATE_RANGE.search(text)
    if m:
        first = _future_date(today, int(m["m1"]), int(m["d1"]))
        end_month = int(m["m2"] or m["m1"])
        return _span(first, _future_date(first, end_month, int(m["d2"])), today)
    m = _EN_DATE_RANGE.search(text)
    if m:
        month = _month(m["m"] or m["mb"])
        d1, d2 = (m["d1"], m["d2"]) if m["d1"] else (m["db1"], m["db2"])
        first = _future_date(today, month, int(d1))
        end_month = _month(m["mb2"]) if m["mb2"] else month
        return _span(first, _future_date(first, end_month, int(d2)), today)
    m = _EN_WD_RANGE.search(text)
    if m:
        offset = 7 if (m["rel"] or "").lower() == "next" else 0
        d1, d2 = _en_weekday(m["d1"]), _en_weekday(m["d2"])
        if not offset and d1 < today.weekday():
            offset = 7
        return _span(monday + timedelta(days=offset + d1), monday + timedelta(days=offset + d2), today)
    back = _BACK.search(text)
    if back and re.search(r"\bback\b|回来|回公司|复工|返岗|销假|上班", text, re.IGNORECASE):
        phrase = (back["en"] or back["cn"] or "").strip()
        phrase = re.sub(r"^(?:我|i'?m|i will be|i'll be|will be)\s*", "", phrase, flags=re.IGNORECASE)
        day = _day(phrase, now, languages)
        if day is not None and day <= today and re.search(_WD_EN + "|周|星期|礼拜", phrase, re.IGNORECASE):
            day += timedelta(days=7)  # "back on Monday", said on a Monday: next Monday
        if day is not None and day > today:
            return TimeOff(today, day - timedelta(days=1))
    until = _UNTIL.search(text)
    if until:
        day = _day(until["d"], now, languages)
        if day is not None and day >= today:
            start = monday + timedelta(days=7) if _NEXT_WEEK.search(text[: until.start()]) else today
            return _span(start, day, today)
    span = _FOR_SPAN.search(text)
    if span:
        n = span["n"] or span["cn"]
        count = int(n) if n.isdigit() else _SMALL.get(n.lower(), 1)
        unit = (span["u"] or span["cu"]).lower()
        days = count * (7 if unit.startswith("week") or unit in {"周", "个星期"} else 1)
        start = monday + timedelta(days=7) if _NEXT_WEEK.search(text) else today
        return TimeOff(start, start + timedelta(days=days - 1))
    if _NEXT_WEEK.search(text):
        return TimeOff(monday + timedelta(days=7), monday + timedelta(days=13))
    if _THIS_WEEK.search(text):
        return TimeOff(today, monday + timedelta(days=6))
    rest = AWAY.sub(" ", text)
    rest = re.sub(
        r"\b(?:i'?m|i am|i'll be|i will be|will be|be|going|taking|take|on|from)\b|我|要|会|将", " ", rest, flags=re.IGNORECASE
    )
    day = _day(rest, now, languages) if rest.strip(" ,.!，。") else None
    if day is not None and day >= today:
        return TimeOff(day, day)
    return None


def week_is_away(start: date | None, end: date | None, *, week_monday: date, prompt_day: date) -> bool:
    """A week is skipped when the person is away on its prompt day or on most (3+) of its working days.

    ``start`` None means "from now on" (the *I'm away* button sets only an end).
    """
    if end is None:
        return False
    first = start or date.min

    def away(day: date) -> bool:
        return first <= day <= end

    if away(prompt_day):
        return True
    workdays = sum(1 for i in range(5) if away(week_monday + timedelta(days=i)))
    return workdays >= 3


def _span(start: date | None, end: date | None, today: date) -> TimeOff | None:
    if start is None or end is None or end < start or end < today:
        return None
    return TimeOff(start, end)


def _cn_rel(rel: str | None) -> int:
    r = (rel or "").rstrip("个")
    return {"下下": 14, "下": 7, "本": 0, "这": 0}.get(r, 0)


def _en_weekday(word: str) -> int:
    w = word.lower()
    for i, day in enumerate(_WEEKDAYS_EN):
        if day.startswith(w[:3]):
            return i
    return 0


def _month(word: str | None) -> int:
    return _MONTHS.index((word or "jan")[:3].lower()) + 1


def _future_date(after: date | None, month: int, day: int) -> date | None:
    """``month``/``day`` on or after ``after`` (the next year when it has passed)."""
    if after is None:
        return None
    for year in (after.year, after.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= after - timedelta(days=31):
            return candidate
    return None


def _day(phrase: str, now: datetime, languages: tuple[str, ...]) -> date | None:
    phrase = phrase.strip().rstrip(".,!?。，！？ ")
    phrase = re.sub(r"\s*(?:请假|休假|年假|回来|左右|为止|之前|前)$", "", phrase)
    ordinal = _ORDINAL_DAY.match(phrase)
    if ordinal:
        day = int(ordinal["d"] or ordinal["cn"])
        today = now.date()
        for month_offset in (0, 1):
            year, month = today.year + (today.month + month_offset - 1) // 12, (today.month + month_offset - 1) % 12 + 1
            try:
                candidate = date(year, month, day)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
        return None
    m = re.search(r"(?P<m>\d{1,2})\s?月\s?(?P<d>\d{1,2})\s?[日号]?", phrase)
    if m:
        return _future_date(now.date(), int(m["m"]), int(m["d"]))
    m = re.fullmatch(
        rf"(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<m>{_MONTH})|(?P<m2>{_MONTH})\s+(?P<d2>\d{{1,2}}){_ORD}",
        phrase,
        re.IGNORECASE,
    )
    if m:  # "12 Dec", "Dec 12th": read here, dateparser takes ~15 ms for these
        return _future_date(now.date(), _month(m["m"] or m["m2"]), int(m["d"] or m["d2"]))
    return read_date(phrase, now=now, prefer="future", languages=languages) if phrase else None

"""Time off in a reply: "下周请假", "off next week", "请假到10月8日", "off 3-7 Nov", "back on Monday", "OOO until the 12th".

Returns the first and last day away, in the person's own calendar (``now``
is their local time). "Next week" starts next Monday: this week is still
asked. The scheduler then skips exactly the weeks the span covers
(``week_is_away``).

English ranges follow one small grammar: an endpoint is "21 Dec", "Dec 21st",
"21/12", "2026-12-21", "Friday", "next Monday", "tomorrow" or a bare day
that borrows the other end's month ("21-24 Dec", "Dec 21-24"); two endpoints
joined by "-", "–", "to", "until", "till" or "through", optionally after
"from", are a range. dateparser resolves each endpoint (PREFER_DATES_FROM
future; the end relative to the start, so "Dec 21 - Jan 4" rolls into the
next year). Where the days cannot be read for sure (day/month order unknown,
a reversed range, one already over, longer than a quarter, or time off with
no readable dates) the answer is ``Unsure``: the bot asks rather than pausing
prompts for weeks nobody meant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateparser.date import DateDataParser

from bot.dates import has_date_words, read_date

_WEEKDAYS_EN = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WD_EN = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?"
_WD_CN = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_ORD = r"(?:st|nd|rd|th)?"

AWAY = re.compile(
    r"请假|休假|年假|病假|事假|婚假|产假|调休|不在岗|不在公司|出差|放假|休年假"
    r"|\bout of (?:the )?office\b|\booo\b|\bo\.o\.o\b|\bon (?:annual |sick |parental |paternity |maternity )?(?:leave|holiday|vacation|pto)\b"
    r"|\b(?:vacation|vacay|pto|annual leave|sick leave|parental leave)\b|\b(?:day|days|week|weeks|time) off\b"
    r"|\b(?:i'?m|i am|i'll be|i will be|be|been|am|off|home|call(?:ing|ed)? in)\s+(?:out\s+|off\s+)?sick\b"
    r"|\b(?:off|away)\b(?=\s+(?:next|this|tomorrow|until|till|til|through|thru|from|on|for|the|\d|starting|"
    + _WD_EN
    + r"|"
    + _MONTH
    + r"))|\b(?:leave|out|holidays?)\b(?=\s+(?:next week|this week|tomorrow|today|until|till|til|through|thru|from|starting))"
    r"|^\s*(?:i'?m\s+|i am\s+|i'll be\s+|i will be\s+)?(?:off|away)\s*$"
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
_DAY_MONTH = rf"(?:the\s+)?\d{{1,2}}{_ORD}\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?"
_MONTH_DAY = rf"{_MONTH}\s+\d{{1,2}}{_ORD}(?![:\d])(?:,?\s+\d{{4}})?"
_NUMERIC = r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?"
_RELATIVE = rf"(?:(?:next|this|coming)\s+)?{_WD_EN}|tomorrow|today"
_BARE_DAY = rf"(?:the\s+)?\d{{1,2}}{_ORD}"
_ENDPOINT = rf"{_DAY_MONTH}|{_MONTH_DAY}|{_NUMERIC}|{_RELATIVE}|{_BARE_DAY}"
_JOIN = r"\s*(?:-|–|—|~)\s*|\s+(?:to|until|till|til|through|thru)\s+"
_EN_RANGE = re.compile(
    rf"(?:\b(?:from|between|starting)\s+)?(?<![\w/.])(?P<a>{_ENDPOINT})(?:{_JOIN})(?P<b>{_ENDPOINT})(?![\w/])", re.IGNORECASE
)
_WEEK_OF = re.compile(rf"\bweek of\s+(?P<d>{_ENDPOINT})", re.IGNORECASE)
_FROM_DAY = re.compile(rf"\b(?P<w>from|starting|on|as of|beginning)\s+(?P<d>{_ENDPOINT})(?![\w/])", re.IGNORECASE)
_HAS_MONTH = re.compile(_MONTH, re.IGNORECASE)
_NUMERIC_DAY = re.compile(r"^(?P<x>\d{1,2})[/.](?P<y>\d{1,2})(?:[/.](?P<z>\d{2,4}))?$")
_MAX_DAYS = 92  # longer than a quarter is not a holiday a reply announces: ask
_UNTIL = re.compile(r"(?:\b(?:until|till|til|through|thru|to)\s+|到|至|直到)(?P<d>[^,，。;；]+)", re.IGNORECASE)
_NEXT_WEEK = re.compile(r"\bnext week\b|下个?(?:周|星期|礼拜)(?![一二三四五六日天末])", re.IGNORECASE)
_THIS_WEEK = re.compile(r"\bthis week\b|(?:本|这个?)(?:周|星期|礼拜)(?![一二三四五六日天末])", re.IGNORECASE)
_FOR_SPAN = re.compile(
    r"\bfor (?:the next )?(?P<n>\d+|a couple of|couple of|a|one|two|three|four|five|six) (?P<u>days?|weeks?)\b|(?P<cn>\d+|一|两|二|三)(?P<cu>天|周|个星期)",
    re.IGNORECASE,
)
_ORDINAL_DAY = re.compile(r"^(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)$|^(?P<cn>\d{1,2})\s?[号日]$", re.IGNORECASE)
_SMALL = {
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "a couple of": 2, "couple of": 2,
    "一": 1, "两": 2, "二": 2, "三": 3,
}  # fmt: skip


@dataclass(frozen=True)
class TimeOff:
    """The first and last day away, both included."""

    start: date
    end: date


@dataclass(frozen=True)
class Unsure:
    """Time off is announced but its days cannot be read for sure: the bot asks instead of guessing.

    ``reason``: no_dates | day_order | reversed | past | too_long | unread.
    """

    reason: str


DateOrder = str  # "DMY" or "MDY", from the person's Slack locale (``date_order_for``)


def date_order_for(locale: str | None) -> DateOrder | None:
    """Day/month order for "21/12"-style dates: en-US writes month first, the rest of English day first.

    None when the locale does not say (then a date like 3/4 is asked, never guessed).
    """
    if not locale:
        return None
    lang, _, region = locale.replace("_", "-").partition("-")
    if lang == "en":
        return "MDY" if region.upper() in {"US", "PH"} else "DMY" if region else None
    if lang == "zh":
        return "MDY"  # 12/21: month first, as in 12月21日
    return "DMY"


def mentions_time_off(text: str) -> bool:
    return AWAY.search(text) is not None


def read_time_off(
    text: str, *, now: datetime, languages: tuple[str, ...] = ("en", "zh"), date_order: DateOrder | None = None
) -> TimeOff | Unsure | None:
    """The days off ``text`` announces; ``Unsure`` when it announces time off whose days cannot be read for sure.

    None when it is not about the person's time off (then nothing changes).
    ``date_order`` ("DMY"/"MDY", from the person's locale) settles "3/4"; without
    it such a date is asked about, since a wrong guess pauses the wrong weeks.
    """
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
    m = _EN_RANGE.search(text)
    if m:
        a = m["a"]
        if re.fullmatch(_WD_EN, a.strip(), re.IGNORECASE) and _NEXT_WEEK.search(text[m.end() :]):
            a = f"next {a}"  # "off mon-wed next week"
        return _en_range(a, m["b"], now=now, languages=languages, order=date_order)
    m = _WEEK_OF.search(text)
    if m:
        of = _endpoint(m["d"], now=now, base=None, languages=languages, order=date_order)
        if isinstance(of, Unsure):
            return of
        week = of - timedelta(days=of.weekday())
        return _checked(week, week + timedelta(days=6), today)
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
        phrase = until["d"].strip()
        found: date | Unsure | None = (
            _endpoint(phrase, now=now, base=None, languages=languages, order=date_order)
            if _NUMERIC_DAY.match(phrase)
            else _day(phrase, now, languages)
        )
        if isinstance(found, Unsure):
            return found
        if found is not None and found >= today:
            start = monday + timedelta(days=7) if _NEXT_WEEK.search(text[: until.start()]) else today
            return _span(start, found, today)
    span = _FOR_SPAN.search(text)
    if span:
        n = span["n"] or span["cn"]
        count = int(n) if n.isdigit() else _SMALL.get(n.lower(), 1)
        unit = (span["u"] or span["cu"]).lower()
        days = count * (7 if unit.startswith("week") or unit in {"周", "个星期"} else 1)
        start = monday + timedelta(days=7) if _NEXT_WEEK.search(text) else today
        said = _FROM_DAY.search(text)
        if said:  # "off from 21 Dec for two weeks"
            begin = _endpoint(said["d"], now=now, base=None, languages=languages, order=date_order)
            if isinstance(begin, Unsure):
                return begin
            start = begin
        return _checked(start, start + timedelta(days=days - 1), today)
    if _NEXT_WEEK.search(text):
        return TimeOff(monday + timedelta(days=7), monday + timedelta(days=13))
    if _THIS_WEEK.search(text):
        return TimeOff(today, monday + timedelta(days=6))
    said = _FROM_DAY.search(text)
    if said and said["w"].lower() != "on":
        return Unsure("no_end")  # "on leave from 21 Dec": the first day, but not the last
    if said and _NUMERIC_DAY.match(said["d"].strip()):  # "off on 21/12": the order decides which day
        day_or_unsure = _endpoint(said["d"], now=now, base=None, languages=languages, order=date_order)
        if isinstance(day_or_unsure, Unsure):
            return day_or_unsure
        return _checked(day_or_unsure, day_or_unsure, today)
    rest = AWAY.sub(" ", text)
    rest = re.sub(
        r"\b(?:i'?m|i am|i'll be|i will be|will be|be|going|taking|take|on|from)\b|我|要|会|将", " ", rest, flags=re.IGNORECASE
    )
    single = _day(rest, now, languages) if rest.strip(" ,.!，。") else None
    if single is not None and single >= today:
        return TimeOff(single, single)
    if single is not None:
        return Unsure("past")
    if has_date_words(rest) or re.search(r"\d", rest):
        return Unsure("unread")  # "off from the 3rd of next month": dates said, none read for sure
    return Unsure("no_dates") if said_of_self(text) else None


def said_of_self(text: str) -> bool:
    """ "I'm on vacation", "on pto next week, posts 2": the person is away; "hiring manager on leave" is
    someone else (nothing to pause, nothing to ask). The reply parser asks the same of a clause."""
    away = AWAY.search(text)
    if away is None:
        return False
    before = re.sub(
        r"\b(?:i'?m|i am|i'll|i will|i|will|be|me|also|and|so|ok|btw|fyi|just|heads up|note)\b|我|要|会|也|[^\w]",
        "",
        text[: away.start()],
        flags=re.IGNORECASE,
    )
    return before == ""


def _en_range(a: str, b: str, *, now: datetime, languages: tuple[str, ...], order: DateOrder | None) -> TimeOff | Unsure:
    """Both ends of "21 Dec - 4 Jan", "Dec 21-24", "21/12 - 4/1", "wed-fri": the end is read after the start."""
    today = now.date()
    a, b = _clean(a), _clean(b)
    a_bare, b_bare = a.isdigit(), b.isdigit()
    if a_bare and b_bare:  # "the 3rd-7th": this month's or next month's days
        first = _day(f"{a}th", now, languages)
        if first is None:
            return Unsure("unread")
        try:
            last = first.replace(day=int(b))
        except ValueError:
            return Unsure("unread")
        return _checked(first, last, today)
    if a_bare or b_bare:
        other = b if a_bare else a
        month = _HAS_MONTH.search(other)
        if month is None or _NUMERIC_DAY.match(other):
            return Unsure("unread")  # "3 - 4/1": which month the 3 is in is not said
        a, b = (f"{a} {month.group()}", b) if a_bare else (a, f"{month.group()} {b}")
    numeric = [p for p in (a, b) if _NUMERIC_DAY.match(p)]
    if numeric:
        order = _numeric_order(numeric, order)
        if order is None:
            return Unsure("day_order")
    start = _endpoint(a, now=now, base=None, languages=languages, order=order)
    if isinstance(start, Unsure):
        return start
    end = _endpoint(b, now=now, base=start, languages=languages, order=order)
    if isinstance(end, Unsure):
        return end
    return _checked(start, end, today)


def _clean(phrase: str) -> str:
    """ "the 21st of Dec" -> "21 Dec": the forms dateparser reads without guessing."""
    phrase = re.sub(r"^the\s+|\bof\s+", "", phrase.strip(), flags=re.IGNORECASE)
    return re.sub(r"(?<=\d)(?:st|nd|rd|th)\b", "", phrase, flags=re.IGNORECASE).strip()


def _numeric_order(parts: list[str], preferred: DateOrder | None) -> DateOrder | None:
    """The day/month order of "21/12"-style dates: a number over 12 settles it, else the person's locale, else None."""
    said: set[str] = set()
    for part in parts:
        m = _NUMERIC_DAY.match(part)
        if m is None:
            continue
        x, y = int(m["x"]), int(m["y"])
        if x > 12 and y > 12:
            return None
        if x > 12:
            said.add("DMY")
        elif y > 12:
            said.add("MDY")
    if len(said) == 1:
        return said.pop()
    return None if said else preferred


def _endpoint(
    phrase: str, *, now: datetime, base: date | None, languages: tuple[str, ...], order: DateOrder | None
) -> date | Unsure:
    """One end of a span. Weekday words count from ``base`` (the range's start) or today; dates are the next one.

    A date with no year is the next such day, allowing a month back ("since
    21 Nov" said on 30 Nov); the end of a range is the next such day after its
    start, which is what rolls "Dec 21 - Jan 4" into next year.
    """
    phrase = _clean(phrase)
    today = now.date()
    if re.fullmatch(_RELATIVE, phrase, re.IGNORECASE):
        weekday = re.fullmatch(_WD_EN, phrase, re.IGNORECASE)
        if base is not None and weekday:
            return base + timedelta(days=(_en_weekday(phrase) - base.weekday()) % 7)
        found = read_date(phrase, now=now, prefer="future", languages=languages)
        return found if found is not None else Unsure("unread")
    if _NUMERIC_DAY.match(phrase):
        order = _numeric_order([phrase], order)
        if order is None:
            return Unsure("day_order")
    after = base if base is not None else today - timedelta(days=31)
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": datetime.combine(after, datetime.min.time()),
        "RETURN_AS_TIMEZONE_AWARE": False,
        "REQUIRE_PARTS": ["day", "month"],
    }
    if order:
        settings["DATE_ORDER"] = order
    data = DateDataParser(languages=["en"], settings=settings).get_date_data(phrase)
    if data is None or data.date_obj is None:
        return Unsure("unread")
    return data.date_obj.date()


def _checked(start: date, end: date, today: date) -> TimeOff | Unsure:
    """A span the bot may store: in order, not over yet, not longer than a quarter; else a question."""
    if end < start:
        return Unsure("reversed")
    if end < today:
        return Unsure("past")
    if (end - start).days + 1 > _MAX_DAYS:
        return Unsure("too_long")
    return TimeOff(start, end)


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

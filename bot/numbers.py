"""Numbers as people type them in chat: 12k, 1,200, 1.2m, 3.5万, 4万2, 一万八, 两个, 95%, ¥4,500, ~40, 约3千.

Each number comes back with its span, the unit it carried (percent,
currency, hours, minutes, days, a counter word, "out of 5") and whether it
is a question rather than a value: a range ("40-45k") or a decimal comma
that could be a thousands separator ("2,5 million") is never a guess.

Chinese numerals, including the colloquial shortenings (一万八 = 18,000,
三千五 = 3,500, 4万2 = 42,000, 1.2亿), go through cn2an's "smart" mode, a
maintained converter, rather than a home-made one; it is cached because it
costs ~0.1 ms a call and the same words come back every week.

The text is expected to be NFKC-normalised already (full-width digits and
signs become ASCII), which ``bot.reply_parser.normalise`` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import cn2an

_SCALE = {
    "k": 1e3,
    "thousand": 1e3,
    "grand": 1e3,
    "千": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mm": 1e6,
    "mio": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "w": 1e4,
    "万": 1e4,
    "百万": 1e6,
    "千万": 1e7,
    "亿": 1e8,
}
_CURRENCY_WORDS = r"元|块钱|块|美元|美金|人民币|欧元|英镑|rmb|cny|usd|eur|gbp|dollars?|bucks|yuan|euros?"
_TIME_WORDS = {
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
    "hour": "hours",
    "hours": "hours",
    "小时": "hours",
    "个小时": "hours",
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "分钟": "minutes",
    "d": "days",
    "day": "days",
    "days": "days",
    "天": "days",
    "wk": "weeks",
    "wks": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "周": "weeks",
}
# Chinese counter words (量词) and English nouns that say "this is a count".
COUNTERS = "个位家件单次人名笔条项台份场篇张套款只支批户例起"

_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_CN_DIGIT = "零〇一二两三四五六七八九"
_CN_ALL = _CN_DIGIT + "十百千万亿"
# An Arabic number, optionally continued by Chinese magnitudes: 3.5万, 4万2, 1万2千5, 1.2亿
_MIXED = rf"(?:{_ARABIC})(?:[万千百亿][\d{_CN_ALL}]*)?"
_SUFFIX = (
    r"(?P<suf>百万|千万|millions?|billion|thousand|grand|mio|mn|mm|bn|[kmbw](?![a-z]))?"
    rf"\s?(?P<unit>%|percent|pct|个百分点|百分点|(?:{_CURRENCY_WORDS})(?![a-z])|"
    r"个小时|小时|分钟|hours?|hrs?|h(?![a-z])|mins?(?![a-z])|minutes?|days?|d(?![a-z])|天|weeks?|wks?|"
    rf"[{COUNTERS}]|/\s?(?:5|10|100)(?!\d))?"
)
NUMBER = re.compile(
    r"(?<![A-Za-z_@#\d])(?P<sign>(?<![\w.])[-−])?"
    r"(?:(?P<cur>[$¥€£]|us\$|rmb|cny|usd|eur)\s?)?"
    rf"(?P<num>{_MIXED})\s?" + _SUFFIX,
    re.IGNORECASE,
)
# 40-45k, 40k-45k, 3 to 5, 3到5个, 40~45: a range is a question
RANGE = re.compile(
    rf"(?P<a>{_ARABIC})\s?(?P<sa>[kmw万千])?\s?(?:-|–|—|~|to|到|至)\s?(?P<b>{_ARABIC})\s?(?P<sb>[kmw万千](?![a-z]))?",
    re.IGNORECASE,
)
# 2,5 / 2,50 million: a decimal comma, or a thousands separator typed short
DECIMAL_COMMA = re.compile(r"(?<![\d,.])(?P<a>\d+),(?P<b>\d{1,2})(?![\d,])")
_CN_NUMBER = re.compile(
    rf"(?<!星期)(?<!礼拜)(?<![周第月初号统唯万之])(?:百分之)?[{_CN_ALL}]+(?:点[{_CN_DIGIT}]+)?[万千亿]?"
    rf"(?=[{COUNTERS}元块%分的\s,.;:!?，。；：！？、()（）~]|个?小时|分钟|天|$|[a-z]|[了吧啊呢哦左多])",
    re.IGNORECASE,
)
_CN_SINGLE_OK = re.compile(rf"^[{_CN_DIGIT}十]$")
_WORD_NUMBERS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "a dozen": 12,
    "a couple of": 2,
    "none": 0,
    "no": 0,
    "nil": 0,
    "nothing": 0,
}
_ZERO_WORDS = frozenset({"none", "no", "nil", "nothing"})
# "two hundred", "three thousand": a number word times its scale word
_WORD_SCALE = re.compile(r"[\s-]*(hundred|thousand)\b", re.IGNORECASE)
# "2h 10m", "1h30", "2小时10分钟": one duration, in minutes
_MINUTES_AFTER = re.compile(
    r"(?:\s?(?:and\s)?(?P<n>\d{1,2})\s?(?:m|mins?|minutes?|分钟|分)|(?P<n2>\d{2}))(?![\d.%a-z])", re.IGNORECASE
)
# "no" is a zero only before a noun: "no new clients", not "no wait", "no idea", "no budget"
WORD_NUMBER = re.compile(
    r"(?<=[:=]\s)("
    + "|".join(k for k in _WORD_NUMBERS if k.isalpha() and k not in _ZERO_WORDS)
    + r")\b(?=\s*(?:[.,;!?]|$))|\b("
    + "|".join(_WORD_NUMBERS)
    + r")\b(?!\s+(?:wait|sorry|idea|problem|worries|budget|access|time|way|change|longer|more|update|news|luck|"
    r"one|i|it|that|this|the|we|you|progress|response|reply)\b)(?=\s+[a-z])",
    re.IGNORECASE,
)


# cheap tests that skip a pattern that cannot match
_RANGE_HINT = re.compile(r"\d\s?[kmw万千]?\s?(?:[-–—~到至]|to\b)", re.IGNORECASE)
_CN_HINT = re.compile(rf"[{_CN_ALL}]")
_WORD_HINT = re.compile(
    r"\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fifteen|twenty|thirty|forty|fifty|a|none|no|nil|"
    r"nothing)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Number:
    """One number in the text. ``problem`` set means: ask, don't store (``candidates`` are the readings)."""

    value: float
    start: int
    end: int
    unit: str | None = None  # percent | currency | hours | minutes | days | weeks | count | outof5 | outof10 | outof100
    scaled: bool = False  # had k / m / 万 ...: an amount, not a small count
    suffix: str = ""  # the scale word as typed ("m" may be minutes for a time KPI)
    problem: str | None = None  # "range" | "decimal comma"
    candidates: tuple[float, ...] = field(default=())


@lru_cache(maxsize=4096)
def chinese_to_number(text: str) -> float | None:
    """两 -> 2, 二十八 -> 28, 三千五 -> 3,500, 一万八 -> 18,000, 4万2 -> 42,000, 1.2亿 -> 120,000,000.

    Digit-by-digit strings (一二三) are not a count anyone types; refused rather than guessed.
    """
    if not text or text in {"万", "亿", "千", "百"}:
        return None
    plain = text.replace("点", "")
    if len(plain) > 1 and all(c in _CN_DIGIT for c in plain) and "点" not in text:
        return None
    try:
        value = cn2an.cn2an(text, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return float(value)


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def _unit_of(raw: str | None, cur: str | None) -> str | None:
    if cur:
        return "currency"
    if not raw:
        return None
    u = raw.lower().replace(" ", "")
    if u in {"%", "percent", "pct", "个百分点", "百分点"}:
        return "percent"
    if u.startswith("/"):
        return "outof" + u[1:].strip()
    if u in _TIME_WORDS:
        return _TIME_WORDS[u]
    if len(u) == 1 and u in COUNTERS:
        return "count"
    return "currency"


def find_numbers(text: str, *, skip: list[tuple[int, int]] | None = None) -> list[Number]:
    """Every number in ``text``, left to right, with its unit hint. ``skip``: spans already read as dates."""
    taken: list[tuple[int, int]] = list(skip or [])
    found: list[Number] = []
    ranges = RANGE.finditer(text) if _RANGE_HINT.search(text) else ()
    for m in ranges:
        if _overlaps(taken, m.start(), m.end()) or re.search(r"(?:\bfrom|从)\s*$", text[: m.start()], re.IGNORECASE):
            continue  # "from 38 to 31": a change, the parser keeps the last
        sb = (m["sb"] or "").lower()
        sa = (m["sa"] or sb).lower()
        try:
            low = float(m["a"].replace(",", "")) * _SCALE.get(sa, 1)
            high = float(m["b"].replace(",", "")) * _SCALE.get(sb, 1)
        except ValueError:
            continue
        found.append(Number(high, m.start(), m.end(), None, bool(sb), sb, "range", (low, high)))
        taken.append((m.start(), m.end()))
    for m in NUMBER.finditer(text):
        if _overlaps(taken, m.start("num"), m.end("num")):
            continue
        number = _arabic(m, text)
        if number is not None:
            found.append(number)
            taken.append((number.start, number.end))
    for m in _CN_NUMBER.finditer(text) if _CN_HINT.search(text) else ():
        if _overlaps(taken, m.start(), m.end()):
            continue
        raw = m.group()
        percent = raw.startswith("百分之")
        body = raw[3:] if percent else raw
        tail = text[m.end() : m.end() + 3]
        if not percent and _CN_SINGLE_OK.match(body) and not re.match(rf"[{COUNTERS}分]|个?小时|天|%", tail):
            continue  # a lone 一 / 三 is part of a word (一直, 三季度) unless a counter follows
        if body in {"万", "亿", "千", "百"}:
            continue
        value = chinese_to_number(body)
        if value is None:
            continue
        end = m.end()
        unit = "percent" if percent else None
        counter = re.match(rf"[{COUNTERS}]|个小时|小时|分钟|天|%|元|块", tail)
        if counter and not unit:
            unit = _unit_of(counter.group(), None)
            end += len(counter.group())
        found.append(Number(value, m.start(), end, unit, value >= 1000, ""))
        taken.append((m.start(), end))
    for m in WORD_NUMBER.finditer(text) if _WORD_HINT.search(text) else ():
        if _overlaps(taken, m.start(), m.end()):
            continue
        word = (m.group(1) or m.group(2)).lower()
        value, end = float(_WORD_NUMBERS[word]), m.end()
        scale = _WORD_SCALE.match(text, end) if word not in _ZERO_WORDS else None
        if scale:
            value, end = value * (100 if scale.group(1).lower() == "hundred" else 1000), scale.end()
        found.append(Number(value, m.start(), end, suffix="no" if word in _ZERO_WORDS else ""))
    return _join_durations(sorted(found, key=lambda n: n.start), text)


def _join_durations(found: list[Number], text: str) -> list[Number]:
    """ "2h 10m", "1h30", "2小时10分钟" are one duration in minutes, not 2 hours and 10 million."""
    if not any(n.unit == "hours" for n in found):
        return found
    joined: list[Number] = []
    skip_until = -1
    for n in found:
        if n.start < skip_until:
            continue
        m = _MINUTES_AFTER.match(text, n.end) if n.unit == "hours" and not n.problem else None
        digits = (m["n"] or m["n2"]) if m else ""
        if m and int(digits) < 60:
            joined.append(Number(n.value * 60 + int(digits), n.start, m.end(), "minutes"))
            skip_until = m.end()
            continue
        joined.append(n)
    return joined


def _arabic(m: re.Match[str], text: str) -> Number | None:
    raw = m["num"]
    suffix = (m["suf"] or "").lower()
    cur = m["cur"]
    unit = _unit_of(m["unit"], cur)
    comma = DECIMAL_COMMA.fullmatch(raw) or (
        re.fullmatch(r"\d+", raw) and DECIMAL_COMMA.match(text, m.start("num"))
    )  # "2,5 million": NUMBER stopped at "2"
    if comma:
        dm = DECIMAL_COMMA.match(text, m.start("num"))
        if dm is not None:
            rest = text[dm.end() :]
            sm = re.match(_SUFFIX, rest.lstrip(), re.IGNORECASE) if rest.strip() else None
            suffix = ((sm["suf"] if sm else "") or "").lower()
            unit = _unit_of(sm["unit"] if sm else None, cur)
            scale = _SCALE.get(suffix, 1)
            decimal = float(f"{dm['a']}.{dm['b']}") * scale
            joined = float(dm["a"] + dm["b"]) * scale
            end = dm.end() + (len(rest) - len(rest.lstrip()) + sm.end() if sm and sm.end() else 0)
            return Number(decimal, m.start(), end, unit, bool(suffix), suffix, "decimal comma", (decimal, joined))
    if re.search(rf"[{_CN_ALL}]", raw):
        value = chinese_to_number(raw.replace(",", ""))
        if value is None:
            return None
        scaled = True
    else:
        try:
            value = float(raw.replace(",", ""))
        except ValueError:
            return None
        scaled = bool(suffix)
    if suffix:
        value *= _SCALE.get(suffix, 1)
    if value != value or value in {float("inf"), float("-inf")}:
        return None
    if m["sign"]:
        value = -value
    return Number(value, m.start(), m.end(), unit, scaled, suffix)

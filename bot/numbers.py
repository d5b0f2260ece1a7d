"""Numbers as people type them: 12k, 1,200, 1.2m, 3.5万, 两个, 95%, ¥4,500.

Returns each number with its span and what kind of unit it carried, so the
reply parser can match it to a KPI by unit as well as by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MULT = {
    "k": 1e3,
    "K": 1e3,
    "千": 1e3,
    "m": 1e6,
    "M": 1e6,
    "mn": 1e6,
    "mio": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "w": 1e4,
    "W": 1e4,
    "万": 1e4,
    "百万": 1e6,
    "千万": 1e7,
    "亿": 1e8,
}
_CURRENCY_PREFIX = r"(?P<cur>[$¥€£]|CNY|RMB|USD|EUR)?\s?"
_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_SUFFIX = r"\s?(?P<suf>百万|千万|million|billion|mio|mn|bn|[kKmMbwW万千亿](?![a-zA-Z])|%)?"
_CURRENCY_SUFFIX = r"\s?(?P<cur2>元|块|CNY|RMB|USD|EUR|dollars?|yuan)?"
NUMBER = re.compile(r"(?P<sign>[-−])?" + _CURRENCY_PREFIX + _NUM + _SUFFIX + _CURRENCY_SUFFIX)

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
# not after 周/星期/礼拜/第/月: 周五 is Friday, not five
CN_NUMBER = re.compile(r"(?<![周期拜第月])[零〇一二两三四五六七八九十百千]+万?(?=[个位家件单次人名笔条项]|\s*$)")
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
    "twelve": 12,
    "none": 0,
    "no": 0,
}
WORD_NUMBER = re.compile(r"\b(" + "|".join(_WORD_NUMBERS) + r")\b(?=\s+[a-zA-Z])", re.IGNORECASE)


@dataclass(frozen=True)
class Number:
    value: float
    start: int
    end: int
    unit: str | None  # "percent", "currency" or None
    scaled: bool  # had k / m / 万 ...


def find_numbers(text: str) -> list[Number]:
    """Every number in ``text``, left to right, with its unit hint."""
    found: list[Number] = []
    taken: list[tuple[int, int]] = []
    for m in NUMBER.finditer(text):
        raw = m["num"].replace(",", "")
        try:
            value = float(raw)
        except ValueError:
            continue
        suffix = m["suf"]
        unit = None
        scaled = False
        if suffix == "%":
            unit = "percent"
        elif suffix:
            value *= _MULT[suffix]
            scaled = True
        if m["cur"] or m["cur2"]:
            unit = "currency"
        if m["sign"]:
            value = -value
        found.append(Number(value, m.start(), m.end(), unit, scaled))
        taken.append((m.start(), m.end()))
    for m in CN_NUMBER.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        cn_value = chinese_to_number(m.group())
        if cn_value is not None:
            found.append(Number(cn_value, m.start(), m.end(), None, False))
    for m in WORD_NUMBER.finditer(text):
        found.append(Number(float(_WORD_NUMBERS[m.group(1).lower()]), m.start(), m.end(), None, False))
    return sorted(found, key=lambda n: n.start)


def chinese_to_number(text: str) -> float | None:
    """两 -> 2, 十二 -> 12, 三百五十 -> 350, 五万 -> 50000."""
    wan = 1
    if text.endswith("万"):
        wan, text = 10_000, text[:-1]
    if not text:
        return None
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None and len(text) > 1 and all(c in _CN_DIGITS for c in text):
                # digit-by-digit like 一二三 is not a count anyone types; refuse rather than guess
                return None
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (digit if digit is not None else 1) * _CN_UNITS[ch]
            digit = None
        else:
            return None
    if digit is not None:
        total += digit
    return float(total * wan)

"""Numbers, money, percents and dates the way the reader writes them, through Babel's CLDR data.

Chinese readers count in 万 (4.5万, ¥45,000, 11月30日); English readers in
thousands (45k, CNY 45,000, Nov 30). Short forms are used only when they are
exact, and only in forms the reply parser reads back, so a person can copy a
number from a prompt into their answer.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_compact_decimal, format_currency, format_decimal, get_currency_symbol, parse_pattern

from bot.i18n import lang
from bot.numbers import find_numbers

_CURRENCY = re.compile(r"[A-Z]{3}")


# Babel parses a locale name and a number pattern on every call; a team view formats
# thousands of numbers, so both are parsed once here, and whole results are memoised
# per (value, language): the same targets and percentages recur on every line.
_LOCALES = {"zh": Locale.parse("zh_Hans_CN"), "en": Locale.parse("en_US")}
_DECIMAL = parse_pattern("#,##0.##")
_WHOLE = parse_pattern("#,##0")
_CACHE = 8192


def _babel_locale(locale: str | None) -> Locale:
    return _LOCALES[lang(locale)]


def babel_locale(language: str) -> Locale:
    """Babel's parsed locale for ``en`` / ``zh`` (parsed once)."""
    return _LOCALES[lang(language)]


def _is_currency(unit: str) -> bool:
    return bool(_CURRENCY.fullmatch(unit or ""))


def _money(number: str, unit: str, locale: str | None) -> str:
    """zh: the symbol before the number (¥45,000, US$45,000); en: the ISO code (CNY 45,000)."""
    if lang(locale) == "zh":
        return f"{get_currency_symbol(unit, _babel_locale(locale))}{number}"
    return f"{unit} {number}"


def format_number(value: float, locale: str | None) -> str:
    """1234.5 -> 1,234.5 (at most two decimals, none when whole)."""
    return _number(value, lang(locale))


@lru_cache(maxsize=_CACHE)
def _number(value: float, language: str) -> str:
    return format_decimal(round(value, 2), format=_DECIMAL, locale=_LOCALES[language])


def format_short(value: float, locale: str | None) -> str:
    """45000 -> 4.5万 / 45K when that short form is exact, else the full number."""
    return _short(value, lang(locale))


@lru_cache(maxsize=_CACHE)
def _short(value: float, language: str) -> str:
    locale = language
    if abs(value) >= 10_000:
        short = format_compact_decimal(value, locale=_babel_locale(locale), fraction_digits=2)
        read = find_numbers(short)
        if len(read) == 1 and abs(read[0].value - abs(value)) < 1e-9:
            return short.replace("K", "k") if lang(locale) == "en" else short
    return format_number(value, locale)


def format_value(value: float | None, unit: str, locale: str | None = None) -> str:
    """A KPI value in the reader's short form: 4.5万 / ¥4.5万 / 95% (zh), 45k / CNY 45k / 95% (en)."""
    if value is None:
        return "-"
    if unit == "percent":
        return f"{format_number(value, locale)}%"
    text = format_short(value, locale)
    return _money(text, unit, locale) if _is_currency(unit) else text


def format_amount(value: float | None, unit: str, locale: str | None = None) -> str:
    """The full amount: ¥45,000 (zh) / CNY 45,000 (en); 1,200; 95%."""
    if value is None:
        return "-"
    if unit == "percent":
        return f"{format_number(value, locale)}%"
    if _is_currency(unit):
        if lang(locale) == "zh":
            return format_currency(value, unit, format="¤#,##0.##", currency_digits=False, locale=_babel_locale(locale))
        return _money(format_number(value, locale), unit, locale)
    return format_number(value, locale)


def format_share(share: float | None, locale: str | None = None) -> str:
    """0.953 -> 95%: a fraction as a whole percent."""
    if share is None:
        return "-"
    return _share(round(share * 100), lang(locale))


@lru_cache(maxsize=_CACHE)
def _share(percent: int, language: str) -> str:
    return f"{format_decimal(percent, format=_WHOLE, locale=_LOCALES[language])}%"


def format_day(day: date, locale: str | None = None, *, with_year: bool = False) -> str:
    """2026-11-30 -> 11月30日 / Nov 30 (2026年11月30日 / Nov 30, 2026 with the year)."""
    return _day(day, lang(locale), with_year)


@lru_cache(maxsize=_CACHE)
def _day(day: date, language: str, with_year: bool) -> str:
    return format_skeleton("yMMMd" if with_year else "MMMd", day, locale=_LOCALES[language])

"""Numbers, money, percents and dates the way the reader writes them, through Babel's CLDR data.

Chinese readers count in 万 (4.5万, ¥45,000, 11月30日); English readers in
thousands (45k, CNY 45,000, Nov 30). Short forms are used only when they are
exact, and only in forms the reply parser reads back, so a person can copy a
number from a prompt into their answer.
"""

from __future__ import annotations

import math
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


# --- figures shown beside a status -------------------------------------------------------------
# The rule (README "How figures are rounded"): a value so far and an on-pace value shown side by
# side never contradict the status between them. Rounded for reading first (``nice``: 31.3k, 17.2);
# when that would show "so far" level with or better than "on pace" while the KPI is behind (or
# worse while it is on track), precision is added until it does not: whole units for thousands,
# then up to two decimals; for small values up to three. Counts are whole numbers: the on-pace
# count is the number one has to reach (18.9 new customers -> 19 when more is better, 3.2
# complaints -> 3 when fewer is), so "9 so far, 10 on pace" is behind and "19, 19" is on track.
# Attainment shares are whole percents, rounded but never up onto a status threshold (99.6% of the
# pace reads 99%, never the 100% that means "on track"; 89.6% reads 89%), from 0% (worse than the
# baseline: what the score counts) to 120%+ (the score's cap).

_EPS = 1e-9
ATTAINMENT_CAP = 1.2  # bot.kpi_state.CAP: the most a KPI can add to a score (formats does not import kpi_state)


def nice(value: float) -> float:
    """Round to what a person would say: 397,826.09 -> 398,000; 17.24 -> 17.2."""
    if abs(value) >= 1000:
        return float(round(value, -3 if abs(value) >= 100_000 else -2))
    return round(value, 1)


def shown_forecast(value: float, unit: str) -> float:
    """A forecast as read: counts whole (18.9 new customers -> 19), everything else ``nice``."""
    return float(round(value)) if unit == "count" else nice(value)


def attainment_percent(share: float) -> int:
    """The whole percent an attainment is shown as: rounded, never up onto a status threshold, 0 at the least.

    99.6% of the pace is at risk: it reads 99%, not the 100% that means on
    track; 89.6% (behind) reads 89%, not 90%. Worse than the baseline reads
    0%, which is what the score counts (``kpi_state.KpiState.score``).
    """
    percent = max(0, round(share * 100))
    for threshold in (1.0, 0.9):  # bot.kpi_state: on track at 100% of the pace, at risk from 90%
        if share < threshold - _EPS and percent >= round(threshold * 100):
            percent = round(threshold * 100) - 1
    return percent


def format_attainment(share: float | None, locale: str | None = None) -> str:
    """0.996 -> 99%, 1.0 -> 100%, -0.27 -> 0%, 1.5 -> 120%+: an attainment beside a status (see the rule above)."""
    if share is None:
        return "-"
    if share > ATTAINMENT_CAP + _EPS:
        return f"{_share(round(ATTAINMENT_CAP * 100), lang(locale))}+"
    return _share(attainment_percent(share), lang(locale))


def _fixed(value: float, unit: str, locale: str | None, decimals: int) -> str:
    """The full amount with up to ``decimals`` decimals: CNY 31,304 / ¥31,304 / 1.425%."""
    number = format_decimal(
        round(value, decimals), format="#,##0" + ("." + "#" * decimals if decimals else ""), locale=_babel_locale(locale)
    )
    if unit == "percent":
        return f"{number}%"
    return _money(number, unit, locale) if _is_currency(unit) else number


def _on_track(so_far: float, on_pace: float, higher: bool) -> bool:
    return so_far >= on_pace - _EPS if higher else so_far <= on_pace + _EPS


def _count_to_reach(on_pace: float, higher: bool) -> float:
    """The whole count that is on pace: at least 18.9 -> 19 when more is better, at most 3.2 -> 3 when fewer is."""
    return float(math.ceil(on_pace - 1e-6) if higher else math.floor(on_pace + 1e-6))


def format_pace_pair(
    so_far: float | None, on_pace: float, unit: str, locale: str | None = None, *, direction: str | None = None
) -> tuple[str, str]:
    """(so far, on pace) as shown side by side, by the rule above; ``format_value`` forms where they agree.

    ``direction`` (higher | lower) says which side is on track; without it
    (a warning, a retro ask: shown only for KPIs behind) the figures are
    taken to be behind, i.e. so far on the wrong side of the pace.
    """
    if so_far is None:  # nothing yet: the figure to reach, as it will read once there is a value
        shown = _count_to_reach(on_pace, direction != "lower") if unit == "count" else nice(on_pace)
        return "-", format_value(shown, unit, locale)
    higher = (so_far < on_pace) if direction is None else direction != "lower" or unit == "rating"
    truth = _on_track(so_far, on_pace, higher)
    if unit == "count" and abs(so_far - round(so_far)) < _EPS:  # a whole count: the count to reach
        return format_value(so_far, unit, locale), format_value(_count_to_reach(on_pace, higher), unit, locale)
    shown = nice(on_pace)
    if _on_track(round(so_far, 2), shown, higher) == truth:
        return format_value(so_far, unit, locale), format_value(shown, unit, locale)
    for decimals in (0, 1, 2) if abs(on_pace) >= 1000 else (2, 3):
        if _on_track(round(so_far, decimals), round(on_pace, decimals), higher) == truth:
            break
    return _fixed(so_far, unit, locale, decimals), _fixed(on_pace, unit, locale, decimals)

"""Public holidays per country or region (the ``holidays`` package): they move or skip check-in prompts.

The rule, documented in docs/settings.md: a prompt whose day is a public
holiday moves to the next working day of the same ISO week (a makeup working
Saturday counts, as in China's 调休); when no working day is left in that
week, the week is skipped and recorded as away, never as missed. Only
holidays move a prompt: a team that checks in on a Sunday keeps its Sunday.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import holidays

from bot.holiday_names import in_chinese
from bot.i18n import join, lang


def split_code(code: str) -> tuple[str, str | None]:
    """``US-NY`` -> (``US``, ``NY``); ``CN`` -> (``CN``, None)."""
    country, _, subdiv = code.strip().upper().partition("-")
    return country, subdiv or None


@lru_cache(maxsize=512)
def problem_with(code: str) -> str | None:
    """Why ``code`` is not a calendar the holidays package knows, or None when it is."""
    country, subdiv = split_code(code)
    supported = holidays.list_supported_countries()
    if country not in supported:
        return f"'{code}' is not a country code the holidays package knows (e.g. CN, US, GB, DE)"
    if subdiv is not None and subdiv not in supported[country]:
        examples = ", ".join(f"{country}-{s}" for s in supported[country][:3]) or f"just {country}"
        return f"'{code}': {country} has no region {subdiv} (e.g. {examples})"
    return None


# The holidays package names holidays in the languages each calendar supports
# (CN: en_US, zh_CN, zh_TW, th; US: en_US, th); a reader's language it lacks falls
# back to the calendar's own default. A Chinese reader of a calendar without zh_CN
# gets the en_US names through our vocabulary (bot.holiday_names), not the default:
# JP's default is Japanese, DE's German, and neither is what a Chinese reader reads.
_LANGUAGES = {"zh": "zh_CN", "en": "en_US"}
_VIA_ENGLISH = "en_US"


@lru_cache(maxsize=512)
def _supports(code: str, language: str) -> bool:
    """Whether the package names ``code``'s holidays in ``language`` itself."""
    country, subdiv = split_code(code)
    return language in getattr(holidays.country_holidays(country, subdiv=subdiv, years=[]), "supported_languages", ())


@lru_cache(maxsize=512)
def _calendar(code: str, year: int, language: str | None = None) -> Any:
    """One calendar per code, year and language, built once. The functions below are cached too:
    the scheduler asks about every active person on every tick, always the same few days."""
    country, subdiv = split_code(code)
    if language is not None and not _supports(code, language):
        language = None
    return holidays.country_holidays(country, subdiv=subdiv, years=[year, year + 1], language=language)


@lru_cache(maxsize=8192)
def holiday_name(code: str | None, day: date, locale: str | None = None) -> str | None:
    """The holiday on ``day`` in calendar ``code``, in the reader's language where the calendar has it; None without one.

    Chinese where the package has none comes from our vocabulary; two holidays on one day read
    as a list ("独立日、圣纪节（预计日期）")."""
    if not code or problem_with(code):
        return None
    language = _LANGUAGES[lang(locale)] if locale else None
    if language == "zh_CN" and not _supports(code, language) and _supports(code, _VIA_ENGLISH):
        names = _calendar(code, day.year, _VIA_ENGLISH).get_list(day)
        return join((in_chinese(name) for name in names), locale) if names else None
    name = _calendar(code, day.year, language).get(day)
    return str(name) if name else None


@lru_cache(maxsize=8192)
def prompt_day(code: str | None, planned: date) -> tuple[date | None, str | None]:
    """The day a prompt planned for ``planned`` goes out, and the holiday that moved it.

    (planned, None) on an ordinary day; (a later day of the same week, name)
    when it moved; (None, name) when the rest of the week is off: skipped.
    """
    name = holiday_name(code, planned)
    if name is None or code is None:
        return planned, None
    calendar = _calendar(code, planned.year)
    sunday = planned + timedelta(days=6 - planned.weekday())
    day = planned + timedelta(days=1)
    while day <= sunday:
        if calendar.is_working_day(day):
            return day, name
        day += timedelta(days=1)
    return None, name

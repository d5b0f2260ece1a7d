"""User-facing text in English and Chinese; the reader's language decides.

Code names a message by its id (``i18n.t("fb_invite", locale, ratee=...)``);
the words live in the gettext catalogs (bot/catalogs.py, ``bot/locale``), with
plural forms through :func:`tn`. The domain returns message ids and parameters,
and the Slack surface turns them into text with these functions. Parameters are
``str.format`` fields (``{ratee}``). An id missing from the catalogs raises
``KeyError``, so a test that reaches the text finds the gap.

Typed placeholders: code passes the value itself, never a preformatted or ISO
text, and the reader's language decides how it reads, so every surface names a
day, a week or a period the same way and nobody reads a database key:

- a ``datetime.date`` (or its ISO text "2026-11-30", as JSON-stored parameters
  keep it) is shown as the reader's day: "Nov 30" / "11月30日"
  (:func:`bot.formats.format_day`). No clock decides whether the year is
  shown: a caller that means another year wraps the day, ``with_year(day)``
  ("Jan 1, 2027" / "2027年1月1日");
- ``{week}`` given an ISO week key ("2026-W48") is the week label
  ("week 48" / "第48周", :func:`week_label`);
- ``{period}``, ``{month}`` or ``{half}`` given a period key ("2026-Q4", "2026-H2",
  "2026-11", "2026") or an agreed range ("2027-01-01..2027-03-31") is the
  period label ("Q4 2026" / "2026年第四季度", "November 2026" / "2026年11月",
  "Jan 1 – Feb 15, 2027", :func:`period_label`);
- a list or tuple of texts is joined for running text (:func:`join`:
  "a, b" / "a、b").

Catalog texts place these labels like words: in Chinese no space between a
label and Chinese text ("{date}截止", "{period}评估"), a space next to ASCII
words and mrkdwn markers.

Mark ids that are built at run time (``f"cat_{cause}"``) with :func:`N_` where
the possible ids are listed, so ``./dev i18n`` extracts them too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from babel.dates import format_interval, format_skeleton

from bot.catalogs import translations
from bot.periods import period_bounds

PLURAL_SUFFIX = "_plural"
_WEEK_KEY = re.compile(r"\d{4}-W(\d{2})")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_PERIOD_KEY = re.compile(r"(?P<year>\d{4})(?:-(?:Q(?P<q>[1-4])|H(?P<h>[12])|(?P<m>0[1-9]|1[0-2])))?")
PERIOD_PARAMS = ("period", "month", "half")  # placeholders whose period key is shown as a period label


class YearDay(date):
    """A day shown with its year ("Jan 1, 2027"); made by :func:`with_year`."""


def with_year(day: date) -> date:
    """``day`` marked to be shown with its year, for a caller that knows the year differs from now's."""
    return YearDay(day.year, day.month, day.day)


@lru_cache(maxsize=256)  # called for every number and text on a view (1,500 times for /kpi team): remember it
def lang(locale: str | None) -> str:
    """``zh`` for any Chinese locale (zh-CN, zh-TW...), else ``en``."""
    return "zh" if (locale or "").lower().startswith("zh") else "en"


def join(items: Iterable[str], locale: str | None) -> str:
    """A list in running text: "a, b, c" in English, "a、b、c" in Chinese (the enumeration comma)."""
    return ("、" if lang(locale) == "zh" else ", ").join(items)


def N_(key: str) -> str:  # noqa: N802  (gettext's name for "mark, don't translate")
    """Marks a message id for extraction where it is listed rather than translated."""
    return key


def has(key: str) -> bool:
    """Whether ``key`` is a message id (for ids built at run time that may have no text)."""
    return key in translations("en").ids or key in _PENDING


def t(key: str, locale: str | None, **params: Any) -> str:
    """The text for ``key`` in the reader's language, filled with ``params``."""
    if key in _PENDING:
        return _PENDING[key][lang(locale)].format(**params)
    catalog = translations(lang(locale))
    if key not in catalog.ids:
        raise KeyError(f"message id {key!r} is not in the catalogs (bot/locale/*/LC_MESSAGES/kpibot.po)")
    return catalog.gettext(key).format(**_typed(params, locale))


def tn(key: str, n: int, locale: str | None, **params: Any) -> str:
    """The plural-aware text for ``key`` and the count ``n`` (also passed to the text as ``{n}``)."""
    catalog = translations(lang(locale))
    if key not in catalog.ids:
        raise KeyError(f"plural message id {key!r} is not in the catalogs (bot/locale/*/LC_MESSAGES/kpibot.po)")
    return catalog.ngettext(key, key + PLURAL_SUFFIX, n).format(n=n, **_typed(params, locale))


def week_label(key: str, locale: str | None) -> str:
    """ "2026-W48" -> "week 48" / "第48周"; anything else is returned as it is."""
    match = _WEEK_KEY.fullmatch(key)
    return translations(lang(locale)).gettext("week_label").format(n=int(match[1])) if match else key


_PERIOD_IDS = (
    N_("period_q1"),
    N_("period_q2"),
    N_("period_q3"),
    N_("period_q4"),
    N_("period_h1"),
    N_("period_h2"),
    N_("period_year"),
)


def period_label(key: str, locale: str | None) -> str:
    """ "2026-Q4" -> "Q4 2026" / "2026年第四季度"; "2026-11" -> "November 2026" / "2026年11月";
    "2027-01-01..2027-02-15" -> "Jan 1 – Feb 15, 2027"; anything else is returned as it is."""
    return _period_label(key.strip(), lang(locale))


@lru_cache(maxsize=1024)
def _period_label(key: str, language: str) -> str:
    from bot.formats import babel_locale  # bot.formats reads lang() from here

    match = _PERIOD_KEY.fullmatch(key)
    catalog = translations(language)
    if match is None:
        first, dots, last = key.partition("..")
        if not dots or not (_ISO_DAY.fullmatch(first.strip()) and _ISO_DAY.fullmatch(last.strip())):
            return key
        start, end = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
        named = _named_period(start, end)
        if named is None:
            shown = format_interval(start, end, "yMMMd", locale=babel_locale(language))
            return shown.replace("\u2009–\u2009", "至") if language == "zh" else shown
        match = _PERIOD_KEY.fullmatch(named)
        if match is None:
            return key
    year = match["year"]
    if match["q"]:
        return catalog.gettext(f"period_q{match['q']}").format(year=year)
    if match["h"]:
        return catalog.gettext(f"period_h{match['h']}").format(year=year)
    if match["m"]:
        return format_skeleton("yMMMM", date(int(year), int(match["m"]), 1), locale=babel_locale(language))
    return catalog.gettext("period_year").format(year=year)


def _named_period(start: date, end: date) -> str | None:
    """The period key of a range that is exactly a month, quarter, half or year, else None."""
    year = start.year
    for key in (f"{year}", f"{year}-H1", f"{year}-H2", *(f"{year}-Q{q}" for q in range(1, 5)), f"{year}-{start.month:02d}"):
        if period_bounds(key) == (start, end):
            return key
    return None


def _typed(params: dict[str, Any], locale: str | None) -> dict[str, Any]:
    """Parameters with dates, weeks, periods and lists shown the reader's way (see the module docstring)."""
    return {name: _shown(name, value, locale) for name, value in params.items()}


def _shown(name: str, value: Any, locale: str | None) -> Any:
    if isinstance(value, str):
        if name == "week":
            return week_label(value, locale)
        if name in PERIOD_PARAMS:
            return period_label(value, locale)
        if len(value) == 10 and _ISO_DAY.fullmatch(value):  # checked for every text parameter: the length test first
            return _day(date.fromisoformat(value), locale)
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return _day(value, locale)
    if isinstance(value, list | tuple):
        return join((str(_shown("", item, locale)) for item in value), locale)
    return value


def _day(day: date, locale: str | None) -> str:
    from bot.formats import format_day  # bot.formats reads lang() from here

    return format_day(date(day.year, day.month, day.day), locale, with_year=isinstance(day, YearDay))


# Transitional: texts still registered in Python dicts by code written before the
# catalogs existed. `./dev i18n convert` moves them into the .po files; a test
# fails while any remain.
_PENDING: dict[str, dict[str, str]] = {}


def register(texts: dict[str, dict[str, str]]) -> None:
    """Deprecated: add texts to the catalogs instead (see README, "Texts and translations")."""
    for key, value in texts.items():
        if key in _PENDING or key in translations("en").ids:
            raise KeyError(f"text key {key!r} defined twice")
        if set(value) != {"en", "zh"}:
            raise KeyError(f"text key {key!r} needs both en and zh")
        _PENDING[key] = value

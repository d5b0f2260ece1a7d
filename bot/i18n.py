"""User-facing text in English and Chinese; the reader's language decides.

Code names a message by its id (``i18n.t("fb_invite", locale, ratee=...)``);
the words live in the gettext catalogs (bot/catalogs.py, ``bot/locale``), with
plural forms through :func:`tn`. The domain returns message ids and parameters,
and the Slack surface turns them into text with these functions. Parameters are
``str.format`` fields (``{ratee}``). An id missing from the catalogs raises
``KeyError``, so a test that reaches the text finds the gap.

One placeholder is typed: a ``{week}`` given an ISO week key ("2026-W48")
is shown as the reader's week label ("week 48", "第48周"), so every
surface names a week the same way and nobody reads a database key.

Mark ids that are built at run time (``f"cat_{cause}"``) with :func:`N_` where
the possible ids are listed, so ``./dev i18n`` extracts them too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from bot.catalogs import translations

PLURAL_SUFFIX = "_plural"
_WEEK_KEY = re.compile(r"\d{4}-W(\d{2})")


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


def _typed(params: dict[str, Any], locale: str | None) -> dict[str, Any]:
    week = params.get("week")
    if isinstance(week, str):
        return {**params, "week": week_label(week, locale)}
    return params


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

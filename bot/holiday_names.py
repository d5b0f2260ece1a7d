"""Chinese names for public holidays the ``holidays`` package names only in other languages.

The package translates a calendar's names only into the languages that calendar
supports: CN, HK, TW have Chinese; US, GB, DE, JP, SG... do not, so a Chinese
reader would see "Thanksgiving Day" inside a Chinese sentence. The vocabulary
lives in a gettext catalog, ``bot/locale/zh/LC_MESSAGES/holidays.po``, keyed by
the name exactly as the package gives it in ``en_US`` (the package's own
catalogs are keyed the same way), so a translator edits a .po file, not code.

The labels the package appends to a name ("%s (observed)", "%s (estimated)")
are catalog entries with a ``%s`` too: translated once and applied to any name
("Christmas Day (observed)" -> "圣诞节（补假）"), never one entry per combination.
A name the catalog lacks stays as the package gave it: a reader sees an English
name rather than nothing.
"""

from __future__ import annotations

from functools import cache, lru_cache

from bot.catalogs import HOLIDAYS_DOMAIN, translations

PLACEHOLDER = "%s"


@cache
def _labels() -> tuple[tuple[str, str, str], ...]:
    """(prefix, suffix, Chinese label) for each catalog id with a ``%s``, the longest affixes first,
    so "%s (observed, estimated)" is tried before anything shorter it might contain."""
    catalog = translations("zh", HOLIDAYS_DOMAIN)
    labels = []
    for key in catalog.ids:
        prefix, found, suffix = key.partition(PLACEHOLDER)
        if found:
            labels.append((prefix, suffix, catalog.gettext(key)))
    return tuple(sorted(labels, key=lambda label: -len(label[0]) - len(label[1])))


@lru_cache(maxsize=1024)
def in_chinese(name: str) -> str:
    """``name`` (as the package gives it in en_US) in Simplified Chinese, or ``name`` itself when
    the catalog has no translation for it or for the name inside its label."""
    translated = _translate(name)
    return translated if translated is not None else name


def _translate(name: str) -> str | None:
    catalog = translations("zh", HOLIDAYS_DOMAIN)
    if name in catalog.ids:
        return catalog.gettext(name)
    for prefix, suffix, label in _labels():
        inner = name[len(prefix) : len(name) - len(suffix)]
        if inner and name.startswith(prefix) and name.endswith(suffix):
            translated = _translate(inner.strip())
            if translated is not None:
                return label.replace(PLACEHOLDER, translated)
    return None

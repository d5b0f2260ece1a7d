"""KPI names and goal titles in the reader's language.

A KPI or goal may carry ``names: {en: Revenue, zh: 营收}`` (organisation file
or setup form); its plain ``name``/``title`` is what it is called otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.i18n import lang


def local_name(name: str, names: Mapping[str, str] | None, locale: str | None) -> str:
    """The name for this reader: their language's, else the plain name."""
    return (names or {}).get(lang(locale)) or name


def every_name(name: str, names: Mapping[str, str] | None) -> list[str]:
    """The plain name and every translation, without repeats: what a reply may call the KPI."""
    found = [name]
    for other in (names or {}).values():
        if other and other.casefold() not in {n.casefold() for n in found}:
            found.append(other)
    return found

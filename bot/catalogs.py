"""The gettext catalogs that hold every user-facing text, English and Simplified Chinese.

The sources are ``bot/locale/<lang>/LC_MESSAGES/kpibot.po`` (edited by people,
reviewed in diffs); ``./dev i18n`` compiles them to ``.mo`` files. Those are
generated, so not committed: a fresh clone or an install without them still
works because a missing or stale ``.mo`` is compiled from its ``.po`` in memory
with Babel when first needed.

Message ids are symbolic keys (``fb_invite``), not English sentences: the
English catalog holds the English wording, so correcting English never breaks
the Chinese translation's link to its message.

A second domain, ``holidays`` (``bot/locale/zh/LC_MESSAGES/holidays.po``), holds
public-holiday names the ``holidays`` package has no Chinese for. There the id
*is* the English name, exactly as the package gives it in ``en_US``, the way the
package's own catalogs are keyed: the name comes from the package, not from our
code, so there is no symbolic id to give it and no English catalog to keep.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path
from typing import BinaryIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "kpibot"
HOLIDAYS_DOMAIN = "holidays"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "zh")
HOLIDAY_LANGUAGES = ("zh",)  # holiday names are translated from English: no English catalog


def po_path(lang: str, locale_dir: Path = LOCALE_DIR, domain: str = DOMAIN) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / f"{domain}.po"


def mo_path(lang: str, locale_dir: Path = LOCALE_DIR, domain: str = DOMAIN) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / f"{domain}.mo"


class Translations(gettext.GNUTranslations):
    """gettext's catalog plus the set of its ids: an English text may equal its id (``score``),
    so "gettext gave the id back" cannot tell a missing text."""

    def __init__(self, fp: BinaryIO) -> None:
        super().__init__(fp)
        raw: dict[str | tuple[str, int], str] = vars(self)["_catalog"]
        self.ids = frozenset(k if isinstance(k, str) else k[0] for k in raw if k)


@cache
def translations(lang: str, domain: str = DOMAIN) -> Translations:
    """The compiled catalog for ``lang``; compiled from the .po in memory when the .mo is missing or older."""
    po, mo = po_path(lang, domain=domain), mo_path(lang, domain=domain)
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as fp:
            return Translations(fp)
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=lang, domain=domain)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)

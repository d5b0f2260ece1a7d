"""Finds Slack mrkdwn markers that Slack would show literally next to Chinese text.

Slack renders ``*bold*``, ``_italic_`` and `` `code` `` only when the outer side
of each marker is a line boundary, whitespace or ASCII punctuation; next to a
CJK character or full-width punctuation (``*阻碍*：``, ``请看*这里*``) the
asterisks stay. A marker whose inner side is full-width punctuation
(``*阻碍：*``) fails too. So: no CJK or full-width character on a marker's
outer side, no full-width punctuation on its inner side.
"""

from __future__ import annotations

import re

CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u2018-\u201f\u2026\u2014"
FULL_WIDTH_PUNCT = "\u3000-\u303f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018-\u201f\u2026\u2014"
_CJK = re.compile(f"[{CJK}]")
_FW = re.compile(f"[{FULL_WIDTH_PUNCT}]")
_CODE = re.compile(r"`[^`\n]+`")
_PAIRS = (re.compile(r"\*[^*\n]+\*"), re.compile(r"(?<![A-Za-z0-9:])_[^_\n]+_(?![A-Za-z0-9])"))


def _bad(text: str, match: re.Match[str]) -> bool:
    before = text[match.start() - 1] if match.start() else ""
    after = text[match.end()] if match.end() < len(text) else ""
    inner = match.group()[1:-1]
    return bool(_CJK.match(before) or _CJK.match(after) or _FW.match(inner[:1]) or _FW.match(inner[-1:]))


def markers_touching_cjk(text: str) -> list[str]:
    """Each marked span in ``text`` that Slack would not render, with a little context."""
    found = [m for m in _CODE.finditer(text) if _bad(text, m)]
    rest = _CODE.sub(lambda m: " " * len(m.group()), text)
    for pattern in _PAIRS:
        found += [m for m in pattern.finditer(rest) if _bad(rest, m)]
    return [text[max(0, m.start() - 3) : m.end() + 3] for m in found]

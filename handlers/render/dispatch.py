"""Choose the renderer for a message object."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from slack_sdk.models.blocks import Block, SectionBlock

from bot.i18n import t
from bot.messages import Notice

Rendered = tuple[str, list[Block]]


@singledispatch
def render(message: Any, locale: str) -> Rendered:
    """Return the fallback text and the blocks for ``message`` in ``locale``."""
    raise TypeError(f"no renderer for {type(message).__name__}")


@render.register
def _notice(message: Notice, locale: str) -> Rendered:
    text = t(message.key, locale, **message.params)
    return text, [SectionBlock(text=text)]

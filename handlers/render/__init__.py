"""Block Kit rendering: pure functions from bot.messages objects to (text, blocks)."""

from handlers.render.dispatch import render

__all__ = ["render"]

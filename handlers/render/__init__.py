"""Block Kit rendering: pure functions from bot.messages objects to (text, blocks)."""

from handlers.render import checkin as _checkin  # noqa: F401  (registers renderers)
from handlers.render import followup as _followup  # noqa: F401
from handlers.render import monthly as _monthly  # noqa: F401
from handlers.render import retro as _retro  # noqa: F401
from handlers.render import warnings as _warnings  # noqa: F401
from handlers.render.dispatch import render

__all__ = ["render"]

"""The things a handler or a job needs, built once by the app factory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from bot.config import Settings
from bot.ports import Gateway
from storage.types import utc_now


@dataclass
class Services:
    settings: Settings
    engine: Engine
    gateway: Gateway
    clock: Callable[[], datetime] = field(default=utc_now)
    metadata_secret: str | None = field(default=None, repr=False)  # set by bot.signing, never logged

    def __deepcopy__(self, memo: dict[int, object]) -> Services:
        """Shared, never copied: Bolt deep-copies the context for lazy listeners, and an engine
        or HTTP client must stay one per process."""
        return self

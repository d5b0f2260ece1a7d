"""The things a handler or a job needs, built once by the app factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.ports import Gateway
from bot.team_views import TeamViews
from storage.engine import session_scope
from storage.types import utc_now


@dataclass
class Services:
    settings: Settings
    engine: Engine
    gateway: Gateway
    clock: Callable[[], datetime] = field(default=utc_now)
    metadata_secret: str | None = field(default=None, repr=False)  # set by bot.signing, never logged
    team_views: TeamViews = field(default_factory=TeamViews, repr=False)  # team summaries while still true

    def __deepcopy__(self, memo: dict[int, object]) -> Services:
        """Shared, never copied: Bolt deep-copies the context for lazy listeners, and an engine
        or HTTP client must stay one per process."""
        return self

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One request's transaction, opened by a use case in bot/ (never by a handler).

        Commits once at the end; any exception (a ``Refusal`` included) rolls
        everything back, so a refused request changes nothing.
        """
        with session_scope(self.engine) as session:
            yield session

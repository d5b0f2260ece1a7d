"""What the domain needs from the outside world, as plain Python.

The Slack implementation lives in ``handlers.gateway``; the domain only sees
this protocol, so scheduler jobs and conversations are testable without Slack
and the arrow handlers -> bot -> storage is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


class UndeliverableError(Exception):
    """The person cannot be reached (deactivated, not found, a bot...). ``reason`` is Slack's error code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Profile:
    """What Slack tells about a person that scheduling and language depend on."""

    slack_id: str
    name: str
    tz: str
    locale: str
    deleted: bool = False
    is_bot: bool = False


class Addressee(Protocol):
    """Anyone kpibot can DM: a stored ``Person`` or a ``Recipient``; ``dm_channel_id`` is the cached DM channel."""

    @property
    def slack_id(self) -> str: ...

    @property
    def dm_channel_id(self) -> str | None: ...


@dataclass(frozen=True)
class Recipient:
    """An ``Addressee`` from plain values, for code that holds a Slack id (and maybe its DM channel) only."""

    slack_id: str
    dm_channel_id: str | None = None


class Gateway(Protocol):
    """Outbound messages. ``message`` objects come from ``bot.messages``; the gateway renders them."""

    def profile(self, slack_id: str) -> Profile | None: ...

    def dm(self, person: Addressee | str, *, remember: bool = True) -> str:
        """The person's DM channel: the stored ``dm_channel_id`` when there is one, else conversations.open
        (and the opened channel is stored with the person unless ``remember`` is False)."""
        ...

    def send(
        self, channel: str, message: Any, *, locale: str, marker: dict[str, Any] | None = None, thread_ts: str | None = None
    ) -> str: ...

    def update(self, channel: str, ts: str, message: Any, *, locale: str) -> None: ...

    def find_sent(self, channel: str, *, since: datetime, marker: dict[str, Any], thread_ts: str | None = None) -> str | None: ...

    def publish_home(self, slack_id: str, view: Any) -> None: ...

"""The Slack implementation of bot.ports.Gateway, on slack_sdk's WebClient.

HTTP 429 is retried by slack_sdk's RateLimitErrorRetryHandler, which honours
Retry-After; Slack errors that mean "this person cannot be reached" become
``UndeliverableError`` so a fan-out skips them and goes on.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.ports import Addressee, Profile, UndeliverableError
from handlers.render import render

log = logging.getLogger(__name__)

UNREACHABLE = {
    "user_not_found",
    "user_disabled",
    "account_inactive",
    "cannot_dm_bot",
    "channel_not_found",
    "is_archived",
    "not_in_channel",
    "user_not_visible",
}
MARKER_EVENT = "kpibot_message"


def make_client(token: str, base_url: str, *, max_rate_limit_retries: int = 5) -> WebClient:
    """A WebClient that waits out 429s and retries dropped connections."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=15,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=max_rate_limit_retries),
        ],
    )


class Pacer:
    """A token bucket shared by every sending thread: at most ``rate`` posts a second.

    Waiting here is cheaper than being answered 429 and sleeping a whole
    Retry-After second; the 429 handler stays as the safety net.
    """

    def __init__(self, rate: float | None, burst: int = 1) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.rate:
            return
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1
            delay = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if delay > 0:
            time.sleep(delay)


class SlackGateway:
    def __init__(
        self, client: WebClient, *, post_rate: float | None = None, remember_dm: Callable[[str, str], None] | None = None
    ) -> None:
        self.client = client
        self.pacer = Pacer(post_rate)
        self.remember_dm = remember_dm  # stores an opened DM channel with the person (bot.people.dm_channel_store)

    def profile(self, slack_id: str) -> Profile | None:
        try:
            user = self.client.users_info(user=slack_id, include_locale=True)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") == "user_not_found":
                return None
            raise
        return Profile(
            slack_id=slack_id,
            name=user.get("real_name") or user.get("name") or slack_id,
            tz=user.get("tz") or "UTC",
            locale=user.get("locale") or "en-US",
            deleted=bool(user.get("deleted")),
            is_bot=bool(user.get("is_bot")),
        )

    def open_dm(self, slack_id: str) -> str:
        try:
            return str(self.client.conversations_open(users=slack_id)["channel"]["id"])
        except SlackApiError as exc:
            raise self._undeliverable(exc) from exc

    def dm(self, person: Addressee | str, *, remember: bool = True) -> str:
        """Reuse the DM channel stored with the person (``Person.dm_channel_id``); open it only when none is stored.

        The one place that decides "open a DM or reuse it", so no caller spends a
        conversations.open on a channel it already knows. An opened channel is
        stored with the person (``remember_dm``) unless the caller stores it
        itself (``remember=False``: the check-in round writes its whole batch at once).
        """
        slack_id, stored = (person, None) if isinstance(person, str) else (person.slack_id, person.dm_channel_id)
        if stored:
            return stored
        channel = self.open_dm(slack_id)
        if remember and self.remember_dm is not None:
            self.remember_dm(slack_id, channel)
        return channel

    def send(
        self, channel: str, message: Any, *, locale: str, marker: dict[str, Any] | None = None, thread_ts: str | None = None
    ) -> str:
        text, blocks = render(message, locale)
        kwargs: dict[str, Any] = {}
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        if marker is not None:
            # Slack message metadata lets a restarted job find what it already sent.
            kwargs["metadata"] = {"event_type": MARKER_EVENT, "event_payload": marker}
        self.pacer.wait()
        try:
            response = self.client.chat_postMessage(channel=channel, text=text, blocks=blocks, **kwargs)
        except SlackApiError as exc:
            raise self._undeliverable(exc) from exc
        return str(response["ts"])

    def update(self, channel: str, ts: str, message: Any, *, locale: str) -> None:
        text, blocks = render(message, locale)
        self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)

    def publish_home(self, slack_id: str, view: Any) -> None:
        self.client.views_publish(user_id=slack_id, view=view)

    def find_sent(self, channel: str, *, since: datetime, marker: dict[str, Any], thread_ts: str | None = None) -> str | None:
        oldest = f"{since.timestamp() - 60:.6f}"
        if thread_ts:  # replies in a thread are not in the channel's history
            response = self.client.conversations_replies(
                channel=channel, ts=thread_ts, oldest=oldest, include_all_metadata=True, limit=200
            )
        else:
            response = self.client.conversations_history(channel=channel, oldest=oldest, include_all_metadata=True, limit=50)
        messages: list[dict[str, Any]] = response.get("messages", [])
        for message in messages:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == MARKER_EVENT and _same(metadata.get("event_payload"), marker):
                return str(message["ts"])
        return None

    @staticmethod
    def _undeliverable(exc: SlackApiError) -> Exception:
        error = str(exc.response.get("error", "unknown"))
        if error in UNREACHABLE:
            return UndeliverableError(error)
        return exc


def _same(payload: Any, marker: dict[str, Any]) -> bool:
    if isinstance(payload, str):
        payload = json.loads(payload)
    return isinstance(payload, dict) and all(str(payload.get(k)) == str(v) for k, v in marker.items())

"""Plays Slack's side of the conversation: what Slack would POST to the app, signed as Slack signs it.

One driver for the tests and for ``kpibot demo``: DMs (``message.im`` events),
slash commands, button and menu clicks (``block_actions``) and modal
submissions (``view_submission``), shaped like the real payloads in
tests/payloads (see SOURCES.md there) and sent over real HTTP.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from kpibot_dev.standin import BOT_USER_ID, TEAM_ID, SlackStandIn

APP_ID = "A0KPIBOT"


class SignedSender:
    """Sends requests to a Bolt app the way Slack does: signed with the signing secret."""

    def __init__(self, url: str, signing_secret: str, *, clock: Callable[[], float] | None = None) -> None:
        self.url = url
        self.secret = signing_secret.encode()
        self.clock = clock or time.time

    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        ts = str(int(self.clock()) if timestamp is None else timestamp)
        digest = hmac.new(self.secret, b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}

    def post(
        self, body: bytes, content_type: str, *, headers: dict[str, str] | None = None, sign: bool = True
    ) -> tuple[int, bytes]:
        all_headers = {"Content-Type": content_type, **(self.sign(body) if sign else {}), **(headers or {})}
        request = urllib.request.Request(self.url, data=body, headers=all_headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def event(self, payload: dict[str, Any], **kw: Any) -> tuple[int, bytes]:
        return self.post(json.dumps(payload).encode(), "application/json", **kw)

    def form(self, fields: dict[str, str], **kw: Any) -> tuple[int, bytes]:
        return self.post(urlencode(fields).encode(), "application/x-www-form-urlencoded", **kw)

    def interaction(self, payload: dict[str, Any], **kw: Any) -> tuple[int, bytes]:
        return self.form({"payload": json.dumps(payload)}, **kw)


def dm_event(user: str, text: str, *, ts: str, event_id: str, channel: str | None = None) -> dict[str, Any]:
    """A message.im event_callback, shaped like Slack's real ones (see tests/payloads)."""
    channel = channel or "D" + user.lstrip("UW")
    return {
        "token": "unused",
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": {
            "client_msg_id": f"msg-{event_id}",
            "type": "message",
            "text": text,
            "user": user,
            "ts": ts,
            "team": TEAM_ID,
            "channel": channel,
            "event_ts": ts,
            "channel_type": "im",
        },
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(float(ts)),
        "authorizations": [
            {"enterprise_id": None, "team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True, "is_enterprise_install": False}
        ],
        "is_ext_shared_channel": False,
    }


def _user(user: str) -> dict[str, str]:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID}


class SlackDriver:
    """What people do in Slack, as signed HTTP requests to the app at ``url``.

    ``slack`` is the Web API stand-in the app talks to: it names DM channels
    and hands out response URLs, as Slack would.
    """

    def __init__(self, url: str, signing_secret: str, slack: SlackStandIn) -> None:
        self.slack = slack
        self.sender = SignedSender(url, signing_secret)  # signed with the real clock, as Slack does
        self._ids = itertools.count(1)

    def trigger_id(self) -> str:
        return f"{next(self._ids)}.trigger"

    def message(
        self, user: str, text: str, *, ts: str, event_id: str | None = None, headers: dict[str, str] | None = None
    ) -> int:
        """``user`` DMs the bot (a message.im event); returns the HTTP status."""
        status, _ = self.sender.event(
            dm_event(user, text, ts=ts, event_id=event_id or f"Ev{next(self._ids):06d}"), headers=headers
        )
        return status

    def command(self, user: str, text: str, channel: str = "C0SALES") -> tuple[int, dict[str, Any]]:
        """``user`` types ``/kpi TEXT`` in ``channel``; returns (status, the JSON answer or {})."""
        status, body = self.sender.form(self.command_fields(user, text, channel))
        return status, _json(status, body)

    def command_fields(self, user: str, text: str, channel: str = "C0SALES") -> dict[str, str]:
        """The form fields of :meth:`command`, for tests that bend them."""
        return {
            "token": "unused",
            "team_id": TEAM_ID,
            "team_domain": "kpibot",
            "channel_id": channel,
            "channel_name": "sales",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/kpi",
            "text": text,
            "api_app_id": APP_ID,
            "response_url": self.slack.response_url(),
            "trigger_id": self.trigger_id(),
        }

    def click(
        self,
        user: str,
        action_id: str,
        value: str,
        *,
        message: dict[str, Any] | None = None,
        selected: str | None = None,
        channel: str | None = None,
    ) -> int:
        """``user`` clicks a button (or picks ``selected`` in a menu) on a message in their DM (or ``channel``)."""
        status, _ = self.sender.interaction(
            self.click_payload(user, action_id, value, message=message, selected=selected, channel=channel)
        )
        return status

    def click_payload(
        self,
        user: str,
        action_id: str,
        value: str,
        *,
        message: dict[str, Any] | None = None,
        selected: str | None = None,
        channel: str | None = None,
    ) -> dict[str, Any]:
        """The block_actions payload of :meth:`click`, for tests that bend it."""
        action: dict[str, Any] = {"action_id": action_id, "block_id": "b", "type": "button", "value": value, "action_ts": "1"}
        if selected is not None:
            action = {
                "action_id": action_id,
                "block_id": "b",
                "type": "overflow",
                "selected_option": {"value": selected},
                "action_ts": "1",
            }
        channel = channel or self.slack.dm_channel(user)
        return {
            "type": "block_actions",
            "user": _user(user),
            "api_app_id": APP_ID,
            "token": "unused",
            "container": {
                "type": "message",
                "message_ts": (message or {}).get("ts", "1.0"),
                "channel_id": channel,
                "is_ephemeral": False,
            },
            "trigger_id": self.trigger_id(),
            "team": {"id": TEAM_ID, "domain": "kpibot"},
            "channel": {"id": channel, "name": "directmessage"},
            "message": message or {"ts": "1.0", "text": ""},
            "response_url": self.slack.response_url("action"),
            "actions": [action],
        }

    def submit(
        self, user: str, callback_id: str, values: dict[str, Any], *, private_metadata: str = ""
    ) -> tuple[int, dict[str, Any]]:
        """``user`` submits the modal ``callback_id`` with ``values`` (view.state.values); returns (status, JSON answer or {})."""
        status, body = self.sender.interaction(
            self.submission_payload(user, callback_id, values, private_metadata=private_metadata)
        )
        return status, _json(status, body)

    def submission_payload(
        self, user: str, callback_id: str, values: dict[str, Any], *, private_metadata: str = ""
    ) -> dict[str, Any]:
        """The view_submission payload of :meth:`submit`, for tests that bend it."""
        return {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "kpibot"},
            "user": _user(user),
            "api_app_id": APP_ID,
            "token": "unused",
            "trigger_id": self.trigger_id(),
            "view": {
                "id": "V0001",
                "team_id": TEAM_ID,
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "state": {"values": values},
                "hash": "1.abc",
                "title": {"type": "plain_text", "text": "x"},
                "blocks": [],
            },
            "response_urls": [],
        }


def _json(status: int, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        answer = json.loads(body)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}

"""Plays Slack's side of the conversation: what Slack would POST to the app, signed as Slack signs it.

One driver for the tests and for ``kpibot demo``. Every request kind is built
from a real Slack payload in ``kpibot_dev/payloads`` (their sources are in
SOURCES.md there) with the fields that matter filled in: DMs (``message.im``),
their edits (``message_changed``), bot messages, ``app_home_opened``,
``app_mention``, ``url_verification``, Slack's retry headers, slash commands,
button and menu clicks (``block_actions``), modal submissions and closes
(``view_submission``, ``view_closed``) and shortcuts. All go over real HTTP.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

from kpibot_dev.standin import BOT_ID, BOT_USER_ID, PAYLOADS, TEAM_ID, SlackStandIn

APP_ID = "A0KPIBOT"
TEAM_DOMAIN = "kpibot"
# A hang still fails; a slow, loaded CI machine does not (the app acks within Slack's 3 s when it is not starved).
HTTP_TIMEOUT = 30

# The real payload each request kind is built from.
SHAPES = {
    "url_verification": "url_verification__boltpy.json",
    "message.im": "event_message_im__real_slackweb.json",
    "message_changed": "event_message_changed__real_slackweb.json",
    "bot_message": "event_bot_message_own_bot_no_subtype__real_slackweb.json",
    "app_home_opened": "event_app_home_opened_home__real_slackweb.json",
    "app_mention": "event_app_mention__boltpy.json",
    "retry_headers": "request_headers_events_retry__boltpy.json",
    "slash_command": "slash_command__boltpy.form.txt",
    "block_actions": "block_actions_button__boltpy.json",
    "view_submission": "view_submission_plain_text_input__boltpy.json",
    "view_closed": "view_closed_with_is_cleared__slackgo.json",
    "shortcut": "shortcut_global__boltpy.json",
    "message_action": "shortcut_message_action__boltpy.json",
}


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
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def event(self, payload: dict[str, Any], **kw: Any) -> tuple[int, bytes]:
        return self.post(json.dumps(payload).encode(), "application/json", **kw)

    def form(self, fields: dict[str, str], **kw: Any) -> tuple[int, bytes]:
        return self.post(urlencode(fields).encode(), "application/x-www-form-urlencoded", **kw)

    def interaction(self, payload: dict[str, Any], **kw: Any) -> tuple[int, bytes]:
        return self.form({"payload": json.dumps(payload)}, **kw)


@cache
def _fixture_text(name: str) -> str:
    return (PAYLOADS / name).read_text(encoding="utf-8")


def fixture(name: str) -> Any:
    """A fresh copy of one real payload: parsed JSON for ``.json`` files, the raw text otherwise."""
    text = _fixture_text(name)
    return json.loads(text) if name.endswith(".json") else text


def _shape(kind: str) -> Any:
    return copy.deepcopy(fixture(SHAPES[kind]))


def _rich_text(blocks: Any, text: str) -> list[dict[str, Any]]:
    """The fixture's rich_text block, holding ``text`` (Slack sends the text twice: ``text`` and ``blocks``)."""
    block = dict(blocks[0]) if isinstance(blocks, list) and blocks else {"type": "rich_text", "block_id": "kpi"}
    block["elements"] = [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}]
    return [block]


def event_callback(kind: str, event: dict[str, Any], *, event_id: str, event_time: int) -> dict[str, Any]:
    """The Events API envelope of ``kind``'s real payload, for our workspace, with ``event`` merged into its event."""
    body = _shape(kind)
    body.pop("enterprise_id", None)  # our workspace is not part of an Enterprise Grid
    body.pop("authed_users", None)  # deprecated; replaced by authorizations
    body.update(team_id=TEAM_ID, api_app_id=APP_ID, event_id=event_id, event_time=event_time, is_ext_shared_channel=False)
    body["authorizations"] = [
        {"enterprise_id": None, "team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True, "is_enterprise_install": False}
    ]
    inner = body["event"]
    inner.update(event)
    if "team" in inner:
        inner["team"] = TEAM_ID
    return body


def dm_event(user: str, text: str, *, ts: str, event_id: str, channel: str | None = None) -> dict[str, Any]:
    """A person's DM to the bot: the real ``message.im`` event_callback with its fields filled in."""
    shape = _shape("message.im")["event"]
    event = {
        "client_msg_id": f"msg-{event_id}",
        "text": text,
        "user": user,
        "ts": ts,
        "blocks": _rich_text(shape.get("blocks"), text),
        "channel": channel or "D" + user.lstrip("UW"),
        "event_ts": ts,
        "channel_type": "im",
    }
    return event_callback("message.im", event, event_id=event_id, event_time=int(float(ts)))


def edit_event(user: str, text: str, previous: str, *, ts: str, edited_at: str, event_id: str, channel: str) -> dict[str, Any]:
    """``user`` edits their DM ``ts`` from ``previous`` to ``text``: the real ``message_changed`` event, filled in."""
    shape = _shape("message_changed")["event"]
    message = {
        k: v for k, v in shape["message"].items() if k not in {"attachments"}
    }  # the fixture's edit only added a link preview
    message.update(
        text=text,
        user=user,
        ts=ts,
        team=TEAM_ID,
        blocks=_rich_text(message.get("blocks"), text),
        edited={"user": user, "ts": edited_at},
    )
    before = dict(shape["previous_message"])
    before.update(text=previous, user=user, ts=ts, team=TEAM_ID, blocks=_rich_text(before.get("blocks"), previous))
    event = {
        "message": message,
        "previous_message": before,
        "channel": channel,
        "ts": edited_at,
        "event_ts": edited_at,
        "channel_type": "im",
    }
    return event_callback("message_changed", event, event_id=event_id, event_time=int(float(edited_at)))


def bot_message_event(text: str, *, ts: str, event_id: str, channel: str, channel_type: str = "im") -> dict[str, Any]:
    """A message posted by this app's own bot (bot_id and user, no subtype), as Slack echoes it back."""
    shape = _shape("bot_message")["event"]
    profile = dict(shape.get("bot_profile") or {})
    profile.update(id=BOT_ID, app_id=APP_ID, team_id=TEAM_ID, name="kpibot")
    event = {
        "bot_id": BOT_ID,
        "text": text,
        "user": BOT_USER_ID,
        "ts": ts,
        "app_id": APP_ID,
        "bot_profile": profile,
        "blocks": _rich_text(shape.get("blocks"), text),
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type,
    }
    body = event_callback("bot_message", event, event_id=event_id, event_time=int(float(ts)))
    for key in ("thread_ts", "parent_user_id"):  # the fixture's message was a thread reply
        body["event"].pop(key, None)
    return body


def home_opened_event(user: str, *, channel: str, ts: str, event_id: str, tab: str = "home") -> dict[str, Any]:
    """``user`` opens the app's Home (or Messages) tab: the real ``app_home_opened`` event, filled in."""
    event = {"user": user, "channel": channel, "tab": tab, "event_ts": ts}
    return event_callback("app_home_opened", event, event_id=event_id, event_time=int(float(ts)))


def mention_event(user: str, text: str, *, channel: str, ts: str, event_id: str) -> dict[str, Any]:
    """``user`` mentions the bot in ``channel``: the real ``app_mention`` event, filled in."""
    event = {"client_msg_id": f"msg-{event_id}", "text": f"<@{BOT_USER_ID}> {text}", "user": user, "ts": ts}
    event.update(channel=channel, event_ts=ts)
    return event_callback("app_mention", event, event_id=event_id, event_time=int(float(ts)))


def url_verification(challenge: str) -> dict[str, Any]:
    """Slack's handshake when the request URL is saved: the real ``url_verification`` body with its challenge."""
    body = _shape("url_verification")
    body["challenge"] = challenge
    return body


def retry_headers(num: int = 1, reason: str = "http_timeout") -> dict[str, str]:
    """The headers Slack adds when it delivers an event again (the real pair, filled in)."""
    shape: dict[str, str] = _shape("retry_headers")
    return {key: str(num) if key.endswith("num") else reason for key in shape}


def _user(user: str) -> dict[str, str]:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID}


def _team() -> dict[str, str]:
    return {"id": TEAM_ID, "domain": TEAM_DOMAIN}


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

    def event_id(self) -> str:
        return f"Ev{next(self._ids):06d}"

    # -- Events API ------------------------------------------------------------------

    def message(
        self, user: str, text: str, *, ts: str, event_id: str | None = None, headers: dict[str, str] | None = None
    ) -> int:
        """``user`` DMs the bot (a message.im event); returns the HTTP status."""
        status, _ = self.sender.event(dm_event(user, text, ts=ts, event_id=event_id or self.event_id()), headers=headers)
        return status

    def edit(self, user: str, text: str, previous: str, *, ts: str, edited_at: str, event_id: str | None = None) -> int:
        """``user`` edits their DM sent at ``ts`` (a message_changed event); returns the HTTP status."""
        body = edit_event(
            user,
            text,
            previous,
            ts=ts,
            edited_at=edited_at,
            event_id=event_id or self.event_id(),
            channel=self.slack.dm_channel(user),
        )
        status, _ = self.sender.event(body)
        return status

    def open_home(self, user: str, *, ts: str | None = None, tab: str = "home", event_id: str | None = None) -> int:
        """``user`` opens the app's Home tab (an app_home_opened event); returns the HTTP status."""
        body = home_opened_event(
            user,
            channel=self.slack.dm_channel(user),
            ts=ts or f"{time.time():.6f}",
            event_id=event_id or self.event_id(),
            tab=tab,
        )
        status, _ = self.sender.event(body)
        return status

    # -- slash commands ----------------------------------------------------------------

    def command(self, user: str, text: str, channel: str = "C0SALES") -> tuple[int, dict[str, Any]]:
        """``user`` types ``/kpi TEXT`` in ``channel``; returns (status, the JSON answer or {})."""
        status, body = self.sender.form(self.command_fields(user, text, channel))
        return status, _json(status, body)

    def command_fields(self, user: str, text: str, channel: str = "C0SALES") -> dict[str, str]:
        """The form fields of :meth:`command` (the real slash command form, filled in), for tests that bend them."""
        fields = dict(parse_qsl(_shape("slash_command"), keep_blank_values=True))
        for key in ("enterprise_id", "enterprise_name"):  # our workspace is not part of an Enterprise Grid
            fields.pop(key, None)
        fields.update(
            token="unused",
            team_id=TEAM_ID,
            team_domain=TEAM_DOMAIN,
            channel_id=channel,
            channel_name="directmessage" if channel.startswith("D") else "sales",
            user_id=user,
            user_name=user.lower(),
            command="/kpi",
            text=text,
            api_app_id=APP_ID,
            response_url=self.slack.response_url(),
            trigger_id=self.trigger_id(),
        )
        return fields

    # -- interactivity -----------------------------------------------------------------

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
        """The block_actions payload of :meth:`click` (the real one, filled in), for tests that bend it."""
        body = _shape("block_actions")
        action = body["actions"][0]
        action.update(action_id=action_id, block_id="b", value=value, action_ts=f"{time.time():.6f}")
        if selected is not None:  # an overflow menu: the picked option instead of a value
            for key in ("value", "text"):
                action.pop(key)
            action.update(type="overflow", selected_option={"text": {"type": "plain_text", "text": selected}, "value": selected})
        channel = channel or self.slack.dm_channel(user)
        message = message or {"ts": "1.0", "text": ""}
        body.update(
            user=_user(user),
            api_app_id=APP_ID,
            token="unused",
            trigger_id=self.trigger_id(),
            team=_team(),
            channel={"id": channel, "name": "directmessage" if channel.startswith("D") else "sales"},
            message=message,
            response_url=self.slack.response_url("action"),
        )
        body["container"].update(message_ts=message.get("ts", "1.0"), channel_id=channel, is_ephemeral=False)
        return body

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
        """The view_submission payload of :meth:`submit` (the real one, filled in), for tests that bend it."""
        body = _shape("view_submission")
        body.update(user=_user(user), api_app_id=APP_ID, token="unused", trigger_id=self.trigger_id(), team=_team())
        self._fill_view(body["view"], callback_id, values, private_metadata)
        body["response_urls"] = []
        return body

    def close_view(self, user: str, callback_id: str, *, private_metadata: str = "") -> tuple[int, dict[str, Any]]:
        """``user`` closes the modal ``callback_id`` with Cancel (a view_closed payload); returns (status, JSON answer or {})."""
        status, body = self.sender.interaction(self.closed_payload(user, callback_id, private_metadata=private_metadata))
        return status, _json(status, body)

    def closed_payload(self, user: str, callback_id: str, *, private_metadata: str = "") -> dict[str, Any]:
        """The view_closed payload of :meth:`close_view` (the real one, filled in)."""
        body = _shape("view_closed")
        body.update(user=_user(user), api_app_id=APP_ID, token="unused", team=_team(), is_cleared=False)
        self._fill_view(body["view"], callback_id, {}, private_metadata)
        return body

    def shortcut_payload(self, user: str, callback_id: str) -> dict[str, Any]:
        """A global shortcut (the real ``shortcut`` payload, filled in)."""
        body = _shape("shortcut")
        body.update(token="unused", team=_team(), user=_user(user), callback_id=callback_id, trigger_id=self.trigger_id())
        body["action_ts"] = f"{time.time():.6f}"
        return body

    def message_action_payload(self, user: str, callback_id: str, message: dict[str, Any], channel: str) -> dict[str, Any]:
        """A message shortcut on ``message`` in ``channel`` (the real ``message_action`` payload, filled in)."""
        body = _shape("message_action")
        body.update(
            token="unused",
            team=_team(),
            user=_user(user),
            channel={"id": channel, "name": "sales"},
            callback_id=callback_id,
            trigger_id=self.trigger_id(),
            message_ts=message.get("ts", "1.0"),
            message=message,
            response_url=self.slack.response_url("shortcut"),
        )
        body["action_ts"] = f"{time.time():.6f}"
        return body

    @staticmethod
    def _fill_view(view: dict[str, Any], callback_id: str, values: dict[str, Any], private_metadata: str) -> None:
        view.update(
            id="V0001",
            team_id=TEAM_ID,
            callback_id=callback_id,
            private_metadata=private_metadata,
            state={"values": values},
            blocks=[],  # the modal's blocks are the app's own; listeners read state.values
            root_view_id="V0001",
            app_id=APP_ID,
            app_installed_team_id=TEAM_ID,
            bot_id=BOT_ID,
        )


def _json(status: int, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        answer = json.loads(body)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}

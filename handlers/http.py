"""The HTTP edge in front of Bolt: size limit, signature, then parsing; bad requests get a 4xx.

Bolt parses a body before it checks the signature, and a body that does not
parse (JSON in ``payload=`` or an event body) ends in HTTP 500 with a traceback:
anyone could fill the log. Here a body is refused, in this order and without a
traceback, when it is too large (413), unsigned or signed wrongly (401), or
not a JSON object where Slack sends one (400); only then does Bolt see it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request import BoltRequest

log = logging.getLogger("kpibot.http")

MAX_BODY = 1024 * 1024  # Slack's largest payloads (a view with its state) are a few hundred KB


def slack_wsgi(app: App) -> GuardedRequestHandler:
    """The WSGI application serving ``app`` at /slack/events, guarded as above."""
    # Bolt keeps the signing secret it was built with privately; reading it here keeps one source of truth.
    return GuardedRequestHandler(app, str(getattr(app, "_signing_secret", "") or ""))


class GuardedRequestHandler(SlackRequestHandler):
    """Bolt's WSGI handler with the checks above in front of ``/slack/events``."""

    def __init__(self, app: App, signing_secret: str, *, path: str = "/slack/events", max_body: int = MAX_BODY) -> None:
        super().__init__(app, path)
        self.secret = signing_secret.encode()
        self.max_body = max_body

    def _get_http_response(self, request: WsgiHttpRequest) -> WsgiHttpResponse:
        if request.method == "POST" and request.path == self.path:
            return self._guarded(request)
        return super()._get_http_response(request)

    def _guarded(self, request: WsgiHttpRequest) -> WsgiHttpResponse:
        try:
            length = int(request.environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _refuse(400, "bad content length")
        if length < 0 or length > self.max_body:
            return _refuse(413, "body too large")
        raw: bytes = request.environ["wsgi.input"].read(length) if length else b""
        headers = request.get_headers()
        if self.secret and not raw.startswith(b"ssl_check=1") and not self._signed(raw, headers):
            return _refuse(401, "invalid signature", body='{"error": "invalid request"}')
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _refuse(400, "body is not UTF-8")
        if not _parses(body, str(headers.get("content-type") or "")):
            return _refuse(400, "body does not parse")
        bolt_response = self.app.dispatch(BoltRequest(body=body, query=request.query_string, headers=headers))
        return WsgiHttpResponse(status=bolt_response.status, headers=bolt_response.headers, body=bolt_response.body)

    def _signed(self, raw: bytes, headers: dict[str, Any]) -> bool:
        """Slack's v0 signature over the raw bytes, from the last five minutes."""
        timestamp = str(headers.get("x-slack-request-timestamp") or "")
        signature = str(headers.get("x-slack-signature") or "")
        if not (timestamp.isascii() and timestamp.isdigit()) or abs(time.time() - int(timestamp)) > 300:
            return False
        expected = "v0=" + hmac.new(self.secret, b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)


def _parses(body: str, content_type: str) -> bool:
    """True when ``body`` is what Slack sends: a JSON object, or a form whose ``payload`` is one."""
    if not body:
        return True
    if content_type.startswith("application/json") or body.startswith("{"):
        return _json_object(body)
    fields = parse_qsl(body, keep_blank_values=True)
    payloads = [value for name, value in fields if name == "payload"]
    return all(_json_object(value) for value in payloads)


_IDS = ("user", "channel", "team", "enterprise", "container", "message", "item")  # an id string or an object
_OBJECTS = ("view", "state")


def _json_object(text: str) -> bool:
    """A JSON object whose parts Bolt reaches into before any listener runs have Slack's types."""
    try:
        found = json.loads(text)
    except ValueError:
        return False
    if not isinstance(found, dict):
        return False
    event = found.get("event")
    if found.get("type") == "event_callback" and not isinstance(event, dict):
        return False
    actions = found.get("actions", [{}])
    if not isinstance(actions, list) or not actions or not all(isinstance(a, dict) for a in actions):
        return False
    return all(_shaped(part) for part in (found, event if isinstance(event, dict) else {}))


def _shaped(part: dict[str, Any]) -> bool:
    return all(part.get(key) is None or isinstance(part[key], str | dict) for key in _IDS) and all(
        part.get(key) is None or isinstance(part[key], dict) for key in _OBJECTS
    )


def _refuse(status: int, reason: str, *, body: str = "") -> WsgiHttpResponse:
    log.info("refused a request with HTTP %d: %s", status, reason)
    headers: dict[str, Any] = {"content-type": ["text/plain;charset=utf-8"]}
    return WsgiHttpResponse(status=status, headers=headers, body=body or reason)

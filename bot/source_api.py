"""``POST /sources/NAME/values``: a plain WSGI app served beside ``/slack/events`` by ``kpibot serve``.

Every answer is JSON with a message a person can act on. Nothing is stored
unless the secret matches and every row is good; the whole batch is one
transaction.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from bot.sources import as_json, authenticate, receive_push, take_request
from bot.values import ValuesRejectedError
from storage.engine import session_scope
from storage.types import utc_now

log = logging.getLogger(__name__)

MAX_BODY = 5 * 1024 * 1024  # 10,000 rows of JSON fit in about 1 MB
PATH = re.compile(r"^/sources/([^/]+)/values/?$")
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class SourceApi:
    """The WSGI app for source pushes."""

    def __init__(
        self,
        engine: Engine,
        *,
        per_minute: float = 60.0,
        max_body: int = MAX_BODY,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = engine
        self.per_minute = per_minute  # per source, counted in the database: shared by every serve process
        self.max_body = max_body
        self.clock = clock

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        status, body, headers = self.handle(environ)
        payload = json.dumps(body, ensure_ascii=False).encode()
        start_response(
            status, [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(payload))), *headers]
        )
        return [payload]

    def handle(self, environ: dict[str, Any]) -> tuple[str, dict[str, Any], list[tuple[str, str]]]:
        match = PATH.match(environ.get("PATH_INFO", ""))
        if match is None:
            return "404 Not Found", {"error": "not found; sources post to /sources/NAME/values"}, []
        if environ.get("REQUEST_METHOD") != "POST":
            return "405 Method Not Allowed", {"error": "use POST"}, [("Allow", "POST")]
        name = match.group(1)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length > self.max_body:
            return (
                "413 Content Too Large",
                {"error": f"the body is {length:,} bytes; send at most {self.max_body:,} per request"},
                [],
            )
        if length < 0:
            return "411 Length Required", {"error": "send a Content-Length header"}, []
        with session_scope(self.engine) as session:
            source = authenticate(session, name=name, authorization=environ.get("HTTP_AUTHORIZATION"))
            if source is None:
                return (
                    "401 Unauthorized",
                    {"error": "unknown source or wrong secret"},
                    [("WWW-Authenticate", 'Bearer realm="kpibot"')],
                )
            assert source.id is not None
            wait = take_request(session, source_id=source.id, now=self.clock(), per_minute=self.per_minute)
        if wait:
            return (
                "429 Too Many Requests",
                {"error": f"too many requests from {name}; retry in {wait:.0f} s"},
                [("Retry-After", str(max(1, round(wait))))],
            )
        content_type = environ.get("CONTENT_TYPE", "")
        if content_type and "json" not in content_type:
            return "415 Unsupported Media Type", {"error": "send Content-Type: application/json"}, []
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            with session_scope(self.engine) as session:
                source = authenticate(session, name=name, authorization=environ.get("HTTP_AUTHORIZATION"))
                if source is None:  # rotated between the two reads
                    return "401 Unauthorized", {"error": "unknown source or wrong secret"}, []
                result = receive_push(session, source=source, body=raw, now=self.clock())
        except ValuesRejectedError as exc:
            first = exc.problems[0]
            message = f"nothing stored: {first.where}: {first.reason}"
            return "422 Unprocessable Content", {"error": message, **as_json(exc.problems, exc.more)}, []
        report = result.report
        log.info("source %s: %d rows, %d new, %d replaced", name, result.rows, report.created, report.replaced)
        return (
            "200 OK",
            {
                "rows": result.rows,
                "created": report.created,
                "replaced": report.replaced,
                "unchanged": report.unchanged,
                "repeated_request": result.repeated,
            },
            [],
        )


class Router:
    """Sends ``/sources/...`` to the source API and everything else to Slack's handler."""

    def __init__(self, slack: WsgiApp, sources: WsgiApp) -> None:
        self.slack, self.sources = slack, sources

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith("/sources/"):
            return self.sources(environ, start_response)
        return self.slack(environ, start_response)

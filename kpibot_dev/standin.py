"""A local stand-in for Slack's Web API: a real HTTP server on 127.0.0.1.

It answers the methods kpibot calls with realistic responses, records every
call so tests (and ``kpibot demo``) can see exactly what the bot sent, and can
be told to fail a method with a Slack error or with HTTP 429 + Retry-After, or
to enforce Slack-like rate limits. It imports nothing from kpibot's domain and
nothing from Slack's SDK: it speaks plain HTTP, as Slack does.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

PAYLOADS = Path(__file__).with_name("payloads")  # real Slack payloads and answers, see SOURCES.md there
TEAM_ID = "T0KPIBOT"
BOT_USER_ID = "U0KPIBOT"
BOT_ID = "B0KPIBOT"


@dataclass
class Call:
    """One recorded Web API call."""

    method: str
    args: dict[str, Any]
    at: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Failure:
    method: str
    error: str | None
    status: int
    retry_after: int
    times: int
    match: dict[str, Any]
    body: dict[str, Any] | None = None  # a whole recorded answer (answer_with), else {"ok": false, "error": error}
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Hold:
    """A call the stand-in keeps waiting (``SlackStandIn.hold``): Slack being slow to accept one message.

    ``reached`` is set when the call arrives; the call is answered once ``release()`` is called.
    """

    method: str
    match: dict[str, Any]
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    taken: bool = False

    def release(self) -> None:
        self.released.set()


@dataclass
class User:
    id: str
    name: str
    tz: str = "UTC"
    tz_offset: int = 0
    locale: str = "en-US"
    deleted: bool = False
    is_bot: bool = False


class SlackStandIn:
    """Start with ``with SlackStandIn() as slack:``; point the bot at ``slack.api_url``."""

    def __init__(
        self,
        *,
        token: str = "xoxb-standin-0000000000",
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] | None = None,
        auto_users: bool = False,
    ) -> None:
        self.token = token
        self.auto_users = auto_users  # any U... id is a real person (for benchmarks with 10,000 people)
        self.calls: list[Call] = []
        self.users: dict[str, User] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._failures: list[_Failure] = []
        self._holds: list[Hold] = []
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._ts = itertools.count(1)
        self.clock: Callable[[], float] = clock or time.time
        self._last_ts = 0.0
        self._per_channel: float | None = None
        self._workspace_per_sec: float | None = None
        self._channel_last: dict[str, float] = {}
        self._workspace_window: deque[float] = deque()
        self.uploads: dict[str, bytes] = {}
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """What to set SLACK_API_URL to (slack_sdk wants the trailing slash)."""
        return f"{self.base_url}/api/"

    def response_url(self, name: str = "cmd") -> str:
        """A response_url for slash commands and actions that lands here."""
        return f"{self.base_url}/response/{name}"

    def start(self) -> SlackStandIn:
        self._thread = threading.Thread(target=self._server.serve_forever, name="slack-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- set-up ------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        tz: str = "UTC",
        tz_offset: int = 0,
        locale: str = "en-US",
        deleted: bool = False,
        is_bot: bool = False,
    ) -> None:
        with self._lock:
            self.users[user_id] = User(user_id, name, tz, tz_offset, locale, deleted, is_bot)

    def fail(self, method: str, error: str = "internal_error", *, times: int = 1, **match: Any) -> None:
        """Answer the next ``times`` calls of ``method`` (whose args contain ``match``) with ``ok: false``."""
        with self._lock:
            self._failures.append(_Failure(method, error, 200, 0, times, match))

    def rate_limit(self, method: str, *, retry_after: int = 1, times: int = 1, **match: Any) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 429 and Retry-After."""
        with self._lock:
            self._failures.append(_Failure(method, "ratelimited", 429, retry_after, times, match))

    def hold(self, method: str, **match: Any) -> Hold:
        """Keep the next call of ``method`` (whose args contain ``match``) waiting until ``release()``.

        Lets a test put something in between deterministically (another message
        processed while the bot's answer is still on its way), without sleeps.
        """
        held = Hold(method, match)
        with self._lock:
            self._holds.append(held)
        return held

    def answer_with(self, method: str, name: str, *, times: int = 1, **match: Any) -> dict[str, Any]:
        """Answer the next ``times`` calls of ``method`` with a real recorded Slack answer from ``payloads/``.

        ``name`` is a ``.json`` body (answered with HTTP 200, as Slack answers its
        errors) or a ``.http`` response (status line, headers, body), such as the
        429 with Retry-After. Returns the body that will be sent.
        """
        status, headers, body = recorded_answer(name)
        with self._lock:
            self._failures.append(_Failure(method, body.get("error"), status, 0, times, match, body=body, headers=headers))
        return body

    def enforce_limits(self, *, per_channel_per_sec: float | None = 1.0, workspace_per_sec: float | None = None) -> None:
        """Rate-limit chat.postMessage like Slack: about one message per second per channel, plus a workspace cap."""
        with self._lock:
            self._per_channel = per_channel_per_sec
            self._workspace_per_sec = workspace_per_sec

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._failures.clear()

    # -- reading what happened ---------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and c.status == 200 and c.response.get("ok")]

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Successful chat.postMessage/chat.postEphemeral/response_url args, optionally for one channel."""
        methods = {"chat.postMessage", "chat.postEphemeral", "response_url"}
        with self._lock:
            return [
                c.args
                for c in self.calls
                if c.method in methods and c.response.get("ok") and (channel is None or c.args.get("channel") == channel)
            ]

    def dm_channel(self, user_id: str) -> str:
        """The IM channel id conversations.open gives for ``user_id``."""
        return "D" + user_id.lstrip("UW")

    # -- the HTTP side -----------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  - silence stderr
                return

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def do_PUT(self) -> None:
                self._handle()

            def _handle(self) -> None:
                parsed = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if parsed.path.startswith("/upload/"):
                    standin.uploads[parsed.path.rsplit("/", 1)[-1]] = raw
                    self._send(200, {"ok": True})
                    return
                args = _decode_args(parsed.query, raw, self.headers.get("Content-Type", ""))
                if parsed.path.startswith("/response/"):
                    status, body, headers = standin._respond_url(args)
                else:
                    method = parsed.path.removeprefix("/api/")
                    status, body, headers = standin._dispatch(method, args, self.headers.get("Authorization", ""))
                self._send(status, body, headers)

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def _record(self, method: str, args: dict[str, Any], status: int, response: dict[str, Any]) -> None:
        self.calls.append(Call(method, args, self.clock(), status, response))
        self._changed.notify_all()

    def wait_for(self, predicate: Any, timeout: float = 15.0) -> bool:
        """Block until ``predicate(self.calls)`` is true (woken by each recorded call), or time out."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self.calls):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    def _respond_url(self, args: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            self._record("response_url", args, 200, {"ok": True})
        return 200, {"ok": True}, {}

    def _dispatch(self, method: str, args: dict[str, Any], auth: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        held = self._take_hold(method, args)
        if held is not None:
            held.reached.set()
            held.released.wait(timeout=60)  # never forever: a test that forgets to release still ends
        with self._lock:
            token = auth.removeprefix("Bearer ").strip() or str(args.get("token", ""))
            if token != self.token:
                response: dict[str, Any] = {"ok": False, "error": "not_authed" if not token else "invalid_auth"}
                self._record(method, args, 200, response)
                return 200, response, {}
            failure = self._take_failure(method, args)
            if failure is not None:
                response = failure.body if failure.body is not None else {"ok": False, "error": failure.error}
                self._record(method, args, failure.status, response)
                headers = {"Retry-After": str(failure.retry_after)} if failure.status == 429 else {}
                return failure.status, response, failure.headers or headers
            wait = self._limit_wait(method, args)
            if wait > 0:
                response = {"ok": False, "error": "ratelimited"}
                self._record(method, args, 429, response)
                return 429, response, {"Retry-After": str(max(1, math.ceil(wait)))}
            handler = getattr(self, "_m_" + method.replace(".", "_"), None)
            response = handler(args) if handler else {"ok": False, "error": "unknown_method"}
            self._record(method, args, 200, response)
            return 200, response, {}

    def _take_hold(self, method: str, args: dict[str, Any]) -> Hold | None:
        with self._lock:
            for held in self._holds:
                if not held.taken and held.method == method and all(str(args.get(k)) == str(v) for k, v in held.match.items()):
                    held.taken = True
                    return held
        return None

    def _take_failure(self, method: str, args: dict[str, Any]) -> _Failure | None:
        for failure in self._failures:
            if (
                failure.method == method
                and failure.times > 0
                and all(str(args.get(k)) == str(v) for k, v in failure.match.items())
            ):
                failure.times -= 1
                return failure
        return None

    def _limit_wait(self, method: str, args: dict[str, Any]) -> float:
        if method != "chat.postMessage" or (self._per_channel is None and self._workspace_per_sec is None):
            return 0.0
        now = time.monotonic()
        channel = str(args.get("channel"))
        wait = 0.0
        if self._per_channel:
            last = self._channel_last.get(channel)
            if last is not None:
                wait = max(wait, last + 1.0 / self._per_channel - now)
        if self._workspace_per_sec:
            window = self._workspace_window
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= self._workspace_per_sec:
                wait = max(wait, window[0] + 1.0 - now)
        if wait <= 0:
            self._channel_last[channel] = now
            if self._workspace_per_sec:
                self._workspace_window.append(now)
        return wait

    def _next_ts(self) -> str:
        """Message ts from the stand-in's clock, strictly increasing like Slack's."""
        value = max(self.clock(), self._last_ts + 1e-6)
        self._last_ts = value
        return f"{value:.6f}"

    # -- the methods ---------------------------------------------------------
    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://kpibot-standin.slack.com/",
            "team": "kpibot stand-in",
            "user": "kpibot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _user(self, user_id: str) -> User | None:
        if user_id not in self.users and self.auto_users and user_id.startswith(("U", "W")):
            self.users[user_id] = User(user_id, user_id)
        return self.users.get(user_id)

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._user(str(args.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        profile = {"real_name": user.name, "display_name": user.name}
        body: dict[str, Any] = {
            "id": user.id,
            "team_id": TEAM_ID,
            "name": user.name.lower().replace(" ", "."),
            "deleted": user.deleted,
            "real_name": user.name,
            "tz": user.tz,
            "tz_label": user.tz,
            "tz_offset": user.tz_offset,
            "is_bot": user.is_bot,
            "profile": profile,
        }
        if str(args.get("include_locale")).lower() in {"true", "1"}:
            body["locale"] = user.locale
        return {"ok": True, "user": body}

    def _m_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = str(args.get("users", "")).split(",")
        user = self._user(users[0])
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        if user.deleted:
            return {"ok": False, "error": "user_disabled"}
        if user.is_bot:
            return {"ok": False, "error": "cannot_dm_bot"}
        return {"ok": True, "channel": {"id": self.dm_channel(user.id)}}

    def _post(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if channel.startswith("D"):
            user = self.users.get("U" + channel[1:])
            if user is not None and user.deleted:
                return {"ok": False, "error": "account_inactive"}
        ts = self._next_ts()
        message = {"type": "message", "text": args.get("text", ""), "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts}
        if args.get("blocks"):
            message["blocks"] = args["blocks"]
        if args.get("thread_ts"):
            message["thread_ts"] = str(args["thread_ts"])
        if args.get("metadata"):
            metadata = args["metadata"]
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._post(args)

    def _m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        result = self._post(args)
        return {"ok": True, "message_ts": result["ts"]} if result["ok"] else result

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("ts")))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        self.messages[key].update({k: v for k, v in args.items() if k in {"text", "blocks"}})
        return {"ok": True, "channel": key[0], "ts": key[1], "text": args.get("text", ""), "message": self.messages[key]}

    def _m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel"))
        oldest = float(args.get("oldest") or 0)
        found = [m for (c, ts), m in self.messages.items() if c == channel and float(ts) >= oldest]
        if str(args.get("include_all_metadata")).lower() not in {"true", "1"}:
            found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
        return {"ok": True, "messages": sorted(found, key=lambda m: m["ts"], reverse=True), "has_more": False}

    def _m_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        """A thread: its parent and the replies posted with that thread_ts."""
        channel, parent = str(args.get("channel")), str(args.get("ts"))
        found = [m for (c, ts), m in self.messages.items() if c == channel and (ts == parent or m.get("thread_ts") == parent)]
        return {"ok": True, "messages": sorted(found, key=lambda m: m["ts"]), "has_more": False}

    def _view(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if not isinstance(view, dict) or "type" not in view:
            return {"ok": False, "error": "invalid_arguments"}
        blocks = view.get("blocks", [])
        if len(blocks) > 100:
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": ["[ERROR] must be less than 101 items [json-pointer:/view/blocks]"]},
            }
        return {"ok": True, "view": {"id": f"V{next(self._ts):08d}", "hash": f"h{next(self._ts)}", **view}}

    def _m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_arguments"}
        return self._view(args)

    def _m_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._view(args)

    def _m_views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._view(args)

    def _m_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        if str(args.get("user_id")) not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return self._view(args)

    def _m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        file_id = f"F{next(self._ts):08d}"
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        files = args.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files or []]}


def recorded_answer(name: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    """(HTTP status, headers, JSON body) of a recorded Web API answer in ``payloads/``: ``.json`` or ``.http``."""
    text = (PAYLOADS / name).read_text(encoding="utf-8")
    if not name.endswith(".http"):
        return 200, {}, json.loads(text)
    head, _, body = text.partition("\n\n")
    status_line, *header_lines = head.splitlines()
    headers = {}
    for line in header_lines:
        key, _, value = line.partition(":")
        if key.lower() not in {"connection", "content-length", "content-type"}:  # the stand-in sets these itself
            headers[key.strip()] = value.strip()
    return int(status_line.split()[1]), headers, json.loads(body)


def _decode_args(query: str, raw: bytes, content_type: str) -> dict[str, Any]:
    args: dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()}
    if not raw:
        return args
    if "json" in content_type:
        args.update(json.loads(raw))
    else:
        args.update({k: v[0] for k, v in parse_qs(raw.decode()).items()})
    for key in ("blocks", "attachments"):
        if isinstance(args.get(key), str):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


def main() -> None:
    """``python -m kpibot_dev.standin``: run the stand-in on its own, e.g. in another process for benchmarks."""
    import argparse

    parser = argparse.ArgumentParser(description="A local stand-in for Slack's Web API.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="xoxb-standin-0000000000")
    parser.add_argument("--auto-users", action="store_true", help="treat any U... id as an existing person")
    parser.add_argument("--per-channel", type=float, default=None, help="messages per second per channel")
    parser.add_argument("--workspace", type=float, default=None, help="messages per second for the workspace")
    args = parser.parse_args()
    standin = SlackStandIn(token=args.token, port=args.port, auto_users=args.auto_users)
    if args.per_channel or args.workspace:
        standin.enforce_limits(per_channel_per_sec=args.per_channel, workspace_per_sec=args.workspace)
    print(standin.api_url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        standin._server.serve_forever()


if __name__ == "__main__":
    main()

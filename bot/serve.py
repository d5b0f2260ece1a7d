"""``kpibot serve``: HTTP mode behind waitress, or Socket Mode when SLACK_APP_TOKEN is set.

In HTTP mode the same server answers source systems at ``/sources/NAME/values``.

waitress is a production WSGI server (pure Python, no fork model), so the
in-process scheduler runs exactly once per process.
"""

from __future__ import annotations

import logging
import sys
import threading
from concurrent.futures import Executor
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.app import create_app, create_services
from bot.config import Settings
from bot.scheduler import start_scheduler
from handlers.http import slack_wsgi
from storage.migrate import upgrade

log = logging.getLogger("kpibot")


def serve(settings: Settings) -> int:
    settings.require_slack()
    upgrade(settings.database_url)
    services = create_services(settings)
    try:
        identity = services.gateway.client.auth_test()  # type: ignore[attr-defined]
    except SlackApiError as exc:
        print(f"Slack refused the bot token ({exc.response.get('error')}): check SLACK_BOT_TOKEN.", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"cannot reach Slack at {settings.slack_api_url}: {exc}", file=sys.stderr)
        return 2
    log.info("connected to Slack as %s in %s", identity.get("user"), identity.get("team"))
    app = create_app(settings, services)
    scheduler = start_scheduler(services)
    try:
        if settings.slack_app_token is not None:
            from slack_bolt.adapter.socket_mode import SocketModeHandler
            from waitress import serve as waitress_serve

            from bot.source_api import SourceApi

            # Slack comes over the socket; source systems still push over HTTP, on $PORT.
            sources = SourceApi(services.engine, per_minute=settings.kpibot_source_rate)
            kwargs = {"host": "0.0.0.0", "port": settings.port, "threads": 4, "ident": "kpibot"}
            threading.Thread(target=waitress_serve, args=(sources,), kwargs=kwargs, name="kpibot-sources", daemon=True).start()
            log.info("source systems: http://0.0.0.0:%d/sources/NAME/values", settings.port)
            SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
        else:
            from waitress import serve as waitress_serve

            from bot.source_api import Router, SourceApi

            log.info("listening on http://0.0.0.0:%d/slack/events and /sources/NAME/values", settings.port)
            wsgi = Router(slack_wsgi(app), SourceApi(services.engine, per_minute=settings.kpibot_source_rate))
            waitress_serve(wsgi, host="0.0.0.0", port=settings.port, threads=8, ident="kpibot")
    finally:
        scheduler.shutdown(wait=False)
    return 0


class LocalServer:
    """An app behind waitress on a loopback port, in a thread: for the demo, tests and benchmarks.

    Give it the app's lazy-listener executor and leaving the block waits for
    work in flight, so nothing runs against a stand-in that has gone.
    """

    def __init__(self, app: App, *, threads: int = 8, executor: Executor | None = None, sources: Any = None) -> None:
        from waitress.server import create_server

        from bot.source_api import Router

        wsgi: Any = slack_wsgi(app) if sources is None else Router(slack_wsgi(app), sources)
        self.server: Any = create_server(wsgi, host="127.0.0.1", port=0, threads=threads, ident="kpibot")
        self.executor = executor
        self.thread = threading.Thread(target=self.server.run, name="kpibot-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.effective_port}/slack/events"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.effective_port}"

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True)
        self.server._map.clear()  # ends waitress's loop at its next wake-up...
        self.server.trigger.pull_trigger()  # ...which this causes now
        self.thread.join(timeout=5)
        self.server.close()

"""`/kpi team` from a signed request to the full response, beside a Bolt /kpi handler that does nothing.

Two years of weekly history (eight quarters of three KPIs per person). The
client runs in its own process; the manager asks for their 50-person team.
"""

from __future__ import annotations

import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from slack_bolt import App

from benchmarks.dm_latency import SECRET, percentile
from benchmarks.setup import build_org
from bot.app import create_app
from bot.config import Settings
from bot.serve import LocalServer
from bot.services import Services
from handlers.gateway import SlackGateway, make_client
from kpibot_dev.driver import SignedSender
from kpibot_dev.standin import SlackStandIn
from storage.engine import make_engine
from storage.migrate import upgrade


def _client(url: str, user: str, count: int, out: Any) -> None:
    sender = SignedSender(url, SECRET)
    fields = {
        "command": "/kpi",
        "text": "team",
        "user_id": user,
        "channel_id": "C0TEAM",
        "team_id": "T0KPIBOT",
        "response_url": "http://127.0.0.1:9/",
        "trigger_id": "1.1",
    }
    timings = []
    for _ in range(count):
        start = time.perf_counter()
        status, body = sender.form(fields)
        timings.append((time.perf_counter() - start) * 1000)
        assert status == 200 and body
    out.put(timings)


def _measure(app: App, user: str, count: int) -> list[float]:
    with LocalServer(app) as server:
        context = multiprocessing.get_context("spawn")
        queue: Any = context.Queue()
        process = context.Process(target=_client, args=(server.url, user, count, queue))
        process.start()
        timings = queue.get(timeout=600)
        process.join()
    return timings[20:]


def run(people: int = 50, requests: int = 220, database_url: str | None = None) -> dict[str, float]:
    url = database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    built = time.perf_counter()
    build_org(engine, None, people=people, team_size=50, history=True)
    built = time.perf_counter() - built
    with SlackStandIn() as slack:
        settings = Settings(
            slack_bot_token=slack.token, slack_signing_secret=SECRET, slack_api_url=slack.api_url, database_url=url
        )
        services = Services(settings=settings, engine=engine, gateway=SlackGateway(make_client(slack.token, slack.api_url)))
        from datetime import UTC, datetime

        services.clock = lambda: datetime(2026, 11, 30, 12, tzinfo=UTC)
        team = _measure(create_app(settings, services), "U000000", requests)
        noop = App(
            client=make_client(slack.token, slack.api_url),
            signing_secret=SECRET,
            process_before_response=True,
            token_verification_enabled=False,
        )
        noop.command("/kpi")(lambda ack: ack("ok"))
        base = _measure(noop, "U000000", requests)
    engine.dispose()
    return {
        "people": people,
        "build_seconds": built,
        "team_p50_ms": statistics.median(team),
        "team_p95_ms": percentile(team, 95),
        "noop_p50_ms": statistics.median(base),
        "noop_p95_ms": percentile(base, 95),
    }


if __name__ == "__main__":
    print(run(50))

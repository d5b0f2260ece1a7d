"""A DM reply: signed request -> HTTP 200 (p50/p95), and -> the confirmation reaching Slack.

Slack is another machine, so the client runs in its own process (no shared
GIL with the server). It sends one DM every ``gap`` seconds from a different
person each time; the stand-in's record of the confirmation gives the second
figure. A Bolt app whose listener does nothing is measured the same way.
"""

from __future__ import annotations

import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from slack_bolt import App

from benchmarks.setup import build_org
from bot.app import create_app
from bot.config import Settings
from bot.serve import LocalServer
from bot.services import Services
from handlers.gateway import SlackGateway, make_client
from kpibot_dev.driver import SignedSender, dm_event
from kpibot_dev.standin import SlackStandIn
from storage.engine import make_engine
from storage.migrate import upgrade

SECRET = "benchmark0signing0secret00000000"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _client(url: str, users: list[str], gap: float, out: Any) -> None:
    sender = SignedSender(url, SECRET)
    results = []
    for i, user in enumerate(users):
        text = f"revenue {i + 1}k, {i % 7} new clients, complaints 0.{i % 9 + 1}%"
        event = dm_event(user, text, ts=f"{time.time():.6f}", event_id=f"EvB{i}")
        sent = time.time()
        start = time.perf_counter()
        status, _ = sender.event(event)
        results.append((user, sent, (time.perf_counter() - start) * 1000, status))
        time.sleep(gap)
    out.put(results)


def _measure(app: App, slack: SlackStandIn, users: list[str], gap: float) -> list[tuple[str, float, float, int]]:
    with LocalServer(app) as server:
        queue: Any = multiprocessing.get_context("spawn").Queue()
        process = multiprocessing.get_context("spawn").Process(target=_client, args=(server.url, users, gap, queue))
        process.start()
        results = queue.get(timeout=300)
        process.join()
        slack.wait_for(lambda calls: sum(1 for c in calls if c.method == "chat.postMessage") >= len(users), timeout=30)
    return results


def run(requests: int = 400, gap: float = 0.02, database_url: str | None = None) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp())
    url = database_url or f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    with SlackStandIn() as slack:
        engine = make_engine(url)
        ids = build_org(engine, slack, people=requests)
        settings = Settings(
            slack_bot_token=slack.token, slack_signing_secret=SECRET, slack_api_url=slack.api_url, database_url=url
        )
        services = Services(settings=settings, engine=engine, gateway=SlackGateway(make_client(slack.token, slack.api_url)))
        results = _measure(create_app(settings, services), slack, ids, gap)
        posted = {c.args["channel"]: c.at for c in slack.calls if c.method == "chat.postMessage"}
        engine.dispose()
    with SlackStandIn() as slack:
        noop = App(
            client=make_client(slack.token, slack.api_url),
            signing_secret=SECRET,
            process_before_response=True,
            token_verification_enabled=False,
        )
        noop.event("message")(ack=lambda ack: ack(), lazy=[lambda event: None])
        baseline = _measure(noop, slack, [f"U{i:06d}" for i in range(requests)], gap)
    warm = slice(20, None)
    ack = [r[2] for r in results][warm]
    confirm = [(posted["D" + user[1:]] - sent) * 1000 for user, sent, _, _ in results][warm]
    base = [r[2] for r in baseline][warm]
    assert all(r[3] == 200 for r in results + baseline)
    return {
        "requests": len(ack),
        "ack_p50_ms": statistics.median(ack),
        "ack_p95_ms": percentile(ack, 95),
        "noop_ack_p50_ms": statistics.median(base),
        "noop_ack_p95_ms": percentile(base, 95),
        "confirmation_p50_ms": statistics.median(confirm),
        "confirmation_p95_ms": percentile(confirm, 95),
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")

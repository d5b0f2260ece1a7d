"""One check-in round through the Slack stand-in: 10,000 members unthrottled, and under Slack-like limits.

The stand-in runs in its own process, as Slack is another machine: the bot's
threads do not share a GIL with the server answering them.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.setup import build_org
from bot.config import Settings
from bot.rounds import tick
from bot.services import Services
from handlers.gateway import SlackGateway, make_client
from storage.engine import make_engine
from storage.migrate import upgrade

MONDAY_NINE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TOKEN = "xoxb-standin-0000000000"


def run_round(
    people: int, *, workspace_per_sec: float | None = None, database_url: str | None = None, workers: int = 8
) -> dict[str, float]:
    url = database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    upgrade(url)
    args = [sys.executable, "-m", "kpibot_dev.standin", "--auto-users"]
    if workspace_per_sec:
        args += ["--per-channel", "1", "--workspace", str(workspace_per_sec)]
    standin = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        api_url = standin.stdout.readline().strip()  # type: ignore[union-attr]
        engine = make_engine(url)
        build_org(engine, None, people=people)
        settings = Settings(slack_bot_token=TOKEN, slack_signing_secret="x" * 32, slack_api_url=api_url, database_url=url)
        client = make_client(TOKEN, api_url, max_rate_limit_retries=100)
        # pace a little under the limit, as a deployment would set KPIBOT_POST_RATE: pacing exactly at
        # it lets network jitter push a request over and cost a whole Retry-After second
        gateway = SlackGateway(client, post_rate=workspace_per_sec * 0.98 if workspace_per_sec else None)
        services = Services(settings=settings, engine=engine, gateway=gateway, clock=lambda: MONDAY_NINE)
        start = time.perf_counter()
        report = tick(services, workers=workers)
        elapsed = time.perf_counter() - start
        engine.dispose()
    finally:
        standin.terminate()
        standin.wait()
    assert len(report.prompted) == people, (len(report.prompted), report.skipped)
    result: dict[str, float] = {"members": people, "seconds": elapsed, "prompts_per_second": people / elapsed}
    if workspace_per_sec:
        floor = (people - 1) / workspace_per_sec
        result["limit_allows_seconds"] = floor
        result["over_the_limit_floor"] = elapsed / floor - 1
    return result


if __name__ == "__main__":
    print(run_round(10_000))
    print(run_round(1_000, workspace_per_sec=50))

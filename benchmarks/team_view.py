"""`/kpi team` for a 50-person team with two years of history: the use case, the whole request, and the floors.

Two years of weekly history: eight quarters of three KPIs per person (the
current quarter's 150 KPIs are what the view shows). The manager asks for
their own 50-person team; the organisation has ``people`` people in all.

Measured in one run, in interleaved rounds so that every variant sees the
same load (the development machine is shared), each as wall time AND CPU
time of the thread doing the work (``time.thread_time``; on a loaded machine
the wall time mostly measures waiting for a core):

- ``use case``: ``bot.use_cases.team.team_overview`` (resolve the team, the
  summary with every KPI's state) right after a write, so the summary is
  worked out afresh -- what the domain costs;
- ``render``: ``handlers.render.team.team_blocks`` of that summary;
- ``request``: a signed ``/kpi team`` through the real Bolt app
  (``app.dispatch``: signature check, middleware, the person, the use case,
  the blocks, the ack's JSON), in process, nothing written since the last
  view: the kept summary and its kept blocks (``bot.team_views``);
- ``fresh``: the same request right after a write to a measurement (not
  timed), as a manager sees it just after a check-in: everything afresh;
- ``help``: the same for ``/kpi help`` on the real app: everything but the
  use case (the real app's floor);
- ``noop``: the same signed request through a Bolt app whose /kpi listener
  only acks (Bolt's own floor);
- ``http``: ``/kpi team`` over loopback HTTP (waitress) from a client in
  its own process, with the server process's CPU time per request; and
  ``http noop`` beside it.

``KPIBOT_BENCH_DIR=<folder>`` keeps the built databases there and reuses them
(building 10,000 people x two years is 3.1 million rows).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest
from sqlalchemy import func, select, update
from sqlmodel import col

from benchmarks.dm_latency import SECRET, percentile
from benchmarks.setup import build_org
from bot.app import create_app
from bot.config import Settings
from bot.serve import LocalServer
from bot.services import Services
from bot.use_cases.team import team_overview
from handlers.gateway import SlackGateway, make_client
from handlers.render.team import team_blocks
from kpibot_dev.driver import SignedSender
from kpibot_dev.standin import SlackStandIn
from storage.engine import make_engine, session_scope
from storage.migrate import upgrade
from storage.queries import person_by_slack_id
from storage.tables import Measurement

MANAGER = "U000000"  # manages Team 0, the first 50 people
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
FIELDS = {
    "command": "/kpi",
    "user_id": MANAGER,
    "channel_id": "C0TEAM",
    "team_id": "T0KPIBOT",
    "response_url": "http://127.0.0.1:9/",
    "trigger_id": "1.1",
}


def _database(people: int) -> str:
    """A SQLite database with ``people`` people and two years of history: built, or reused from KPIBOT_BENCH_DIR."""
    keep = os.environ.get("KPIBOT_BENCH_DIR")
    folder = Path(keep) if keep else Path(tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"team-{people}.db"
    url = f"sqlite:///{path}"
    if path.exists():
        upgrade(url)  # a kept database gets the newest migrations (indexes) too
        return url
    upgrade(url)
    engine = make_engine(url)
    build_org(engine, None, people=people, team_size=50, history=True)
    engine.dispose()
    return url


def _figures(walls: list[float], cpus: list[float]) -> dict[str, float]:
    return {
        "wall_p50": statistics.median(walls),
        "wall_p95": percentile(walls, 95),
        "cpu_p50": statistics.median(cpus),
        "cpu_p95": percentile(cpus, 95),
    }


def _timed(
    work: Callable[[], object], count: int, walls: list[float], cpus: list[float], before: Callable[[], object] | None = None
) -> None:
    for _ in range(count):
        if before is not None:
            before()  # not timed: what makes the next request find nothing kept
        wall, cpu = time.perf_counter(), time.thread_time()
        work()
        cpus.append((time.thread_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)


def _signed(sender: SignedSender, text: str) -> BoltRequest:
    body = urlencode({**FIELDS, "text": text})
    return BoltRequest(body=body, headers={"content-type": "application/x-www-form-urlencoded", **sender.sign(body.encode())})


def _dispatch(app: App, sender: SignedSender, text: str) -> Callable[[], object]:
    def send() -> object:
        response = app.dispatch(_signed(sender, text))  # signed anew each time, as Slack does
        assert response.status == 200 and response.body, response.body
        return response

    return send


def _client(url: str, text: str, count: int, out: Any) -> None:
    sender = SignedSender(url, SECRET)
    timings = []
    for _ in range(count):
        start = time.perf_counter()
        status, body = sender.form({**FIELDS, "text": text})
        timings.append((time.perf_counter() - start) * 1000)
        assert status == 200 and body
    out.put(timings)


def _over_http(app: App, text: str, count: int) -> dict[str, float]:
    """Wall time seen by a client in its own process; CPU time of this (server) process per request."""
    with LocalServer(app) as server:
        context = multiprocessing.get_context("spawn")
        queue: Any = context.Queue()
        process = context.Process(target=_client, args=(server.url, text, count, queue))
        cpu = time.process_time()
        process.start()
        timings = queue.get(timeout=600)[count // 10 :]  # the first tenth warms up
        cpu = (time.process_time() - cpu) * 1000 / count
        process.join()
    return {"wall_p50": statistics.median(timings), "wall_p95": percentile(timings, 95), "cpu_mean": cpu}


def _a_write(engine: Any) -> Callable[[], object]:
    """One committed write to a table the team view reads (a value stored again as it was), as a check-in makes."""

    with engine.connect() as connection:
        first = connection.execute(select(func.min(Measurement.id))).scalar_one()
    statement = update(Measurement).where(col(Measurement.id) == first).values(value=Measurement.value)

    def write() -> None:
        with engine.begin() as connection:
            connection.execute(statement)

    return write


def run_postgresql(people: int = 50, **kw: Any) -> dict[str, Any] | None:
    """The same on a throwaway PostgreSQL (tests/pgserver.py); None when its binaries are not installed."""
    try:
        from tests.pgserver import PostgresServer

        server = PostgresServer().start()
    except Exception as exc:  # a machine without PostgreSQL: say so, go on
        print(f"  (PostgreSQL skipped: {exc})")
        return None
    try:
        url = server.create_database("team_bench")
        upgrade(url)
        engine = make_engine(url)
        build_org(engine, None, people=people, team_size=50, history=True)
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")  # fresh tables: give the planner its statistics, as autovacuum would
        engine.dispose()
        return run(people, database_url=url, backend="PostgreSQL", **kw)
    finally:
        server.stop()


def run(
    people: int = 50, rounds: int = 20, per_round: int = 20, database_url: str | None = None, backend: str = "SQLite"
) -> dict[str, Any]:
    url = database_url or _database(people)
    engine = make_engine(url)
    results: dict[str, Any] = {"people": people, "backend": backend}
    with SlackStandIn() as slack:
        settings = Settings(
            slack_bot_token=slack.token, slack_signing_secret=SECRET, slack_api_url=slack.api_url, database_url=url
        )
        services = Services(settings=settings, engine=engine, gateway=SlackGateway(make_client(slack.token, slack.api_url)))
        services.clock = lambda: NOW
        app = create_app(settings, services)
        noop = App(
            client=make_client(slack.token, slack.api_url),
            signing_secret=SECRET,
            process_before_response=True,
            token_verification_enabled=False,
        )
        noop.command("/kpi")(lambda ack: ack("ok"))
        with session_scope(engine) as session:
            manager = person_by_slack_id(session, slack_id=MANAGER)
        assert manager is not None
        _, summary = team_overview(services, asker=manager, name=None, now=NOW)
        assert len(summary.members) == 50 and sum(len(m.kpis) for m in summary.members) == 150
        sender = SignedSender("http://unused", SECRET)
        write = _a_write(engine)
        variants: dict[str, tuple[Callable[[], object], Callable[[], object] | None]] = {
            "use_case": (lambda: team_overview(services, asker=manager, name=None, now=NOW), write),
            "render": (lambda: team_blocks(summary, manager.locale), None),
            "request": (_dispatch(app, sender, "team"), None),
            "fresh": (_dispatch(app, sender, "team"), write),
            "help": (_dispatch(app, sender, "help"), None),
            "noop": (_dispatch(noop, sender, "team"), None),
        }
        timings: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in variants}
        for work, before in variants.values():
            _timed(work, 5, [], [], before)  # warm up: caches, compiled statements, the connection pool
        views = services.team_views
        views.hits = views.misses = 0
        for _ in range(rounds):  # interleaved, so that each variant meets the same load
            for name, (work, before) in variants.items():
                _timed(work, per_round, *timings[name], before)
        for name, (walls, cpus) in timings.items():
            results[name] = _figures(walls, cpus)
        results["kept"] = (views.hits, views.misses)
        results["http"] = _over_http(app, "team", 200)
        results["http_noop"] = _over_http(noop, "team", 200)
    engine.dispose()
    results["load"] = os.getloadavg()[0]
    return results


def lines(result: dict[str, Any]) -> list[str]:
    """The figures as the README reports them (ms): wall p50/p95, then CPU p50/p95."""

    def both(key: str) -> str:
        f = result[key]
        return f"wall p50 {f['wall_p50']:.2f} / p95 {f['wall_p95']:.2f}, CPU p50 {f['cpu_p50']:.2f} / p95 {f['cpu_p95']:.2f}"

    http, http_noop = result["http"], result["http_noop"]
    return [
        f"/kpi team, 50-person team, {result['people']:,} people x two years, {result['backend']} "
        f"(load average {result['load']:.1f}; ms):",
        f"  signed request through the app      {both('request')}",
        f"  the same right after a write        {both('fresh')}",
        f"    of which the use case, afresh     {both('use_case')}",
        f"    and rendering (team_blocks)       {both('render')}",
        f"  /kpi help through the same app      {both('help')}",
        f"  do-nothing Bolt /kpi                {both('noop')}",
        f"  over HTTP, client in own process    wall p50 {http['wall_p50']:.2f} / p95 {http['wall_p95']:.2f}, "
        f"server CPU {http['cpu_mean']:.2f} per request",
        f"  do-nothing Bolt over HTTP           wall p50 {http_noop['wall_p50']:.2f} / p95 {http_noop['wall_p95']:.2f}, "
        f"server CPU {http_noop['cpu_mean']:.2f} per request",
        f"  kept summaries used / worked out    {result['kept'][0]} / {result['kept'][1]}",
    ]


if __name__ == "__main__":
    import sys

    for count in [int(a) for a in sys.argv[1:]] or [50]:
        print("\n".join(lines(run(count))))

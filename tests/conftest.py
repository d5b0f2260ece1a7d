"""Shared fixtures: a real database (SQLite and PostgreSQL), the Slack stand-in, the running app.

Every test that touches the database runs twice, once per backend. The
PostgreSQL server is started once per test run (tests/pgserver.py); each test
gets its own database cloned from a migrated template, so tests never share state.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.app import create_app
from bot.config import Settings
from bot.orgfile import import_org
from bot.people import dm_channel_store
from bot.serve import LocalServer
from bot.services import Services
from handlers.gateway import SlackGateway, make_client
from kpibot_dev.driver import SlackDriver, fixture
from kpibot_dev.standin import SlackStandIn
from storage.engine import make_engine, session_scope
from storage.migrate import upgrade
from storage.tables import Checkin, Kpi, Measurement, Person
from tests.pgserver import PostgresServer

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    template = server.create_database("kpibot_template")
    upgrade(template)
    make_engine(template).dispose()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kpibot.db'}"
        upgrade(url)
        return url
    server: PostgresServer = request.getfixturevalue("pg")
    import psycopg

    name = f"t{os.getpid()}_{next(_counter)}"
    with psycopg.connect(f"host=127.0.0.1 port={server.port} user=kpibot dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE kpibot_template')
    return server.url(name)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


class Clock:
    """A settable clock shared by the bot, the stand-in and the tests."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def epoch(self) -> float:
        return self.now.timestamp()

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


MONDAY = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # 2026-W49

ORG = """
admins: [U0ADMIN]
teams:
  - name: Sales East
    manager: U0MGR
    channel: C0SALES
    checkin: {weekday: monday, time: "09:00"}
    members: [U001, U002, U003]
people:
  - {slack_id: U0ADMIN, name: Ada Admin}
  - {slack_id: U0MGR, name: Mia Manager, level: manager}
  - {slack_id: U001, name: Li Wei}
  - {slack_id: U002, name: Emma Brown}
  - {slack_id: U003, name: Sam Gone}
goals:
  - {id: share, title: Grow market share by 3%, level: company}
kpis:
  - {owner: U001, name: Revenue, aliases: [sales, 销售额], unit: CNY, target: 600000, period: 2026-Q4, weight: 50, horizon: lagging, goal: share, source: CRM}
  - {owner: U001, name: New customers, aliases: [clients, new clients, 新客户], unit: count, target: 26, period: 2026-Q4, weight: 30, horizon: leading, goal: share, source: CRM}
  - {owner: U001, name: Complaint rate, aliases: [complaints, 投诉率], unit: percent, direction: lower, target: 1, baseline: 2, period: 2026-Q4, aggregate: average, weight: 20, kind: behaviour, horizon: leading, goal: share, source: Support}
  - {owner: U002, name: Revenue, unit: USD, target: 90000, period: 2026-Q4, weight: 60, goal: share, source: CRM}
  - {owner: U002, name: New customers, aliases: [clients], unit: count, target: 26, period: 2026-Q4, weight: 40, horizon: leading, goal: share, source: CRM}
  - {owner: U003, name: Revenue, unit: USD, target: 90000, period: 2026-Q4, weight: 100, goal: share, source: CRM}
"""

USERS = {
    "U0ADMIN": ("Ada Admin", "UTC", "en-US"),
    "U0MGR": ("Mia Manager", "Europe/London", "en-GB"),
    "U001": ("Li Wei", "Asia/Shanghai", "zh-CN"),
    "U002": ("Emma Brown", "America/New_York", "en-US"),
    "U003": ("Sam Gone", "UTC", "en-US"),
}


class Harness(SlackDriver):
    """The real Bolt app behind waitress, talking to the Slack stand-in, on a real database."""

    def __init__(self, engine: Engine, slack: SlackStandIn, clock: Clock, url: str, db_url: str) -> None:
        super().__init__(url, SIGNING_SECRET, slack)
        self.engine, self.clock, self.db_url = engine, clock, db_url

    def dm(
        self, user: str, text: str, *, wait: bool = True, event_id: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """``user`` DMs the bot; waits for the bot's answer in that DM. Returns (status, ts)."""
        channel = self.slack.dm_channel(user)
        before = len(self.slack.posted(channel))
        self.clock.advance(seconds=1)
        ts = f"{self.clock.epoch():.6f}"
        status = self.message(user, text, ts=ts, event_id=event_id, headers=headers)
        if wait:
            assert self.slack.wait_for(lambda _: len(self.slack.posted(channel)) > before, timeout=30), "the bot did not answer"
        return status, ts

    def stored(self, slack_id: str, week: str) -> dict[str, float]:
        """The person's stored values for a week (ISO key), by KPI name; asserts nothing was stored twice."""
        with session_scope(self.engine) as session:
            rows = session.exec(
                select(Kpi.name, Measurement.value)
                .join(Measurement, Measurement.kpi_id == Kpi.id)
                .join(Person, Person.id == Kpi.owner_id)
                .where(Person.slack_id == slack_id, Measurement.period_key == week)
            ).all()
        assert len(rows) == len({name for name, _ in rows})  # one row per KPI and week: nothing stored twice
        return {name: value for name, value in rows}

    def checkin_state(self, slack_id: str, week: str) -> tuple[str, list[Any]]:
        """(status, the questions still open) of the person's check-in for a week."""
        with session_scope(self.engine) as session:
            checkin = session.exec(
                select(Checkin)
                .join(Person, Person.id == Checkin.person_id)
                .where(Person.slack_id == slack_id, Checkin.period_key == week)
            ).one()
            return str(checkin.status), list((checkin.state or {}).get("pending", []))

    def last_to(self, user_or_channel: str) -> dict[str, Any]:
        channel = user_or_channel if user_or_channel[0] in "CD" else self.slack.dm_channel(user_or_channel)
        posted = self.slack.posted(channel)
        assert posted, f"nothing was posted to {channel}"
        return posted[-1]

    def submit_plan(self, user: str, step: str, due: str, *, private_metadata: str) -> dict[str, Any]:
        """Submit the next-step modal of an early warning or a retro question."""
        values = {
            "step": {"text": {"type": "plain_text_input", "value": step}},
            "due": {"text": {"type": "plain_text_input", "value": due}},
        }
        return self.submit(user, "warning_plan", values, private_metadata=private_metadata)[1]


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
def slack(clock: Clock) -> Iterator[SlackStandIn]:
    with SlackStandIn(clock=clock.epoch) as standin:
        for user_id, (name, tz, locale) in USERS.items():
            standin.add_user(user_id, name, tz=tz, locale=locale)
        yield standin


@pytest.fixture
def services(engine: Engine, slack: SlackStandIn, clock: Clock, db_url: str) -> Services:
    settings = Settings(
        slack_bot_token=slack.token, slack_signing_secret=SIGNING_SECRET, slack_api_url=slack.api_url, database_url=db_url
    )
    gateway = SlackGateway(make_client(slack.token, slack.api_url), remember_dm=dm_channel_store(engine))
    return Services(settings=settings, engine=engine, gateway=gateway, clock=clock)


@pytest.fixture
def org(services: Services) -> None:
    with session_scope(services.engine) as session:
        import_org(session, ORG)


@pytest.fixture
def bot(services: Services, slack: SlackStandIn, clock: Clock, org: None, db_url: str) -> Iterator[Harness]:
    executor = ThreadPoolExecutor(max_workers=8)
    app = create_app(services.settings, services, executor=executor)
    with LocalServer(app, executor=executor) as server:
        yield Harness(services.engine, slack, clock, server.url, db_url)


def payload(name: str) -> Any:
    """A fresh copy of a real Slack payload from kpibot_dev/payloads (see SOURCES.md there)."""
    return fixture(name)

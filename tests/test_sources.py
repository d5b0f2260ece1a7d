"""Source systems: `kpibot source add|rotate`, and `POST /sources/NAME/values` on the running server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, func, text
from sqlmodel import select

from bot.app import create_app
from bot.cli import main
from bot.serve import LocalServer
from bot.services import Services
from bot.source_api import SourceApi
from bot.sources import hash_secret
from storage.engine import session_scope
from storage.tables import Kpi, Measurement, SourceSystem
from tests.conftest import Clock


def add_source(name: str, capsys: pytest.CaptureFixture[str], verb: str = "add") -> str:
    assert main(["source", verb, name]) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


@pytest.fixture
def api(services: Services, org: None, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The Bolt app and the source API behind one waitress server, as `kpibot serve` runs them."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    executor = ThreadPoolExecutor(max_workers=2)
    app = create_app(services.settings, services, executor=executor)
    sources = SourceApi(services.engine, per_minute=5, clock=services.clock)
    with LocalServer(app, executor=executor, sources=sources) as server:
        yield server.base_url


def post(url: str, body: bytes | dict[str, Any], secret: str | None, content_type: str = "application/json") -> tuple[int, dict]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": content_type}
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT COUNT(*) FROM measurement")).scalar_one(),
            conn.execute(text("SELECT COUNT(*) FROM value_audit")).scalar_one(),
        )


ROWS = [
    {"person": "U001", "kpi": "Revenue", "date": "2026-12-01", "value": 48200},
    {"person": "U002", "kpi": "New customers", "date": "2026-12-02", "value": 4},
]


def test_secret_is_printed_last_stored_hashed_and_rotation_replaces_it(
    services: Services, org: None, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    first = add_source("CRM", capsys)
    assert len(first) >= 40 and " " not in first
    assert main(["source", "add", "CRM"]) == 1 and "already exists" in capsys.readouterr().err
    assert main(["source", "add", "bad name/x"]) == 1 and "cannot be a source name" in capsys.readouterr().err
    assert main(["source", "rotate", "ERP"]) == 1 and "no source 'ERP'" in capsys.readouterr().err
    second = add_source("CRM", capsys, "rotate")
    assert second != first
    with session_scope(services.engine) as session:
        source = session.exec(select(SourceSystem)).one()
        assert source.secret_hash == hash_secret(second) and first not in source.secret_hash and second not in source.secret_hash


def test_push_stores_values_idempotently_and_marks_kpis_fed(
    api: str, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = add_source("CRM", capsys)
    url = f"{api}/sources/CRM/values"
    status, body = post(url, {"values": ROWS, "request_id": "r1"}, secret)
    assert status == 200 and body["created"] == 2
    assert counts(services.engine) == (2, 2)
    status, body = post(url, {"values": ROWS, "request_id": "r1"}, secret)
    assert status == 200 and body["repeated_request"] is True
    status, body = post(url, {"values": ROWS}, secret)  # no request id: keyed by KPI and week
    assert status == 200 and (body["created"], body["replaced"], body["unchanged"]) == (0, 0, 2)
    assert counts(services.engine) == (2, 2)
    with session_scope(services.engine) as session:
        fed = session.exec(select(Kpi.name).where(Kpi.fed_by == "CRM").order_by(Kpi.name)).all()
        assert fed == ["New customers", "Revenue"]
        assert session.exec(select(SourceSystem)).one().last_delivery_at is not None


def test_wrong_secret_bad_rows_and_bad_bodies_store_nothing(
    api: str, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = add_source("CRM", capsys)
    url = f"{api}/sources/CRM/values"
    assert post(url, {"values": ROWS}, "not-the-secret")[0] == 401
    assert post(url, {"values": ROWS}, None)[0] == 401
    assert post(f"{api}/sources/ERP/values", {"values": ROWS}, secret)[0] == 401
    bad = [*ROWS, {"person": "U001", "kpi": "Revenue", "date": "2026-12-08", "value": "lots"}]
    status, body = post(url, {"values": bad}, secret)
    assert status == 422 and body["error"] == "nothing stored: values[2]: value 'lots' is not a number"
    status, body = post(url, b"person,kpi\nU001,Revenue", secret)
    assert status == 422 and "not JSON" in body["error"]
    status, body = post(url, {"rows": ROWS}, secret)
    assert status == 422 and '{"values": [' in body["error"]
    assert counts(services.engine) == (0, 0)


def test_too_large_and_rate_limited(api: str, services: Services, capsys: pytest.CaptureFixture[str]) -> None:
    secret = add_source("CRM", capsys)
    url = f"{api}/sources/CRM/values"
    status, body = post(url, b"{" + b" " * (6 * 1024 * 1024) + b"}", secret)
    assert status == 413 and "at most" in body["error"]
    statuses = [post(url, {"values": ROWS}, secret)[0] for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    with session_scope(services.engine) as session:
        assert session.exec(select(func.count()).select_from(Measurement)).one() == 2


def test_two_serve_processes_share_one_rate_limit(
    api: str, services: Services, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second `kpibot serve` (its own SourceApi, nothing shared but the database) draws on the same budget."""
    secret = add_source("CRM", capsys)
    executor = ThreadPoolExecutor(max_workers=1)
    other = SourceApi(services.engine, per_minute=5, clock=services.clock)
    with LocalServer(create_app(services.settings, services, executor=executor), executor=executor, sources=other) as second:
        first_url, second_url = f"{api}/sources/CRM/values", f"{second.base_url}/sources/CRM/values"
        statuses = [post(url, {"values": ROWS}, secret)[0] for url in [first_url, second_url] * 3]
        assert statuses == [200] * 5 + [429]
        status, body = post(first_url, {"values": ROWS}, secret)
        assert status == 429 and "retry in" in body["error"]
        clock.advance(minutes=1)  # the next minute: a new budget, on both
        assert post(second_url, {"values": ROWS}, secret)[0] == 200
    with session_scope(services.engine) as session:
        row = session.exec(select(SourceSystem).where(SourceSystem.name == "CRM")).one()
        assert row.rate_count == 1

"""Source systems: their secrets, and a push of values from one of them.

A secret is 256 random bits shown once; only its SHA-256 is stored (a slow
hash adds nothing for a random secret of that size), and a presented secret is
compared with ``hmac.compare_digest`` so the time taken says nothing about it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, update
from sqlmodel import Session, select

from bot.values import Problem, StoreReport, ValueRow, ValuesRejectedError, store, validate
from storage.queries import insert_if_absent
from storage.tables import SourceRequest, SourceSystem

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
MAX_ROWS = 10_000
_DUMMY_HASH = hashlib.sha256(b"no such source").hexdigest()


class SourceError(ValueError):
    """A source command or request that cannot be done; the message says why."""


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def add_source(session: Session, *, name: str, now: datetime) -> str:
    """Register ``name`` and return its new secret (shown once, stored hashed)."""
    if not NAME.fullmatch(name):
        raise SourceError(f"'{name}' cannot be a source name: use letters, digits, '-', '_' or '.' (it goes in a URL)")
    if session.exec(select(SourceSystem).where(SourceSystem.name == name)).first() is not None:
        raise SourceError(f"source '{name}' already exists; use `kpibot source rotate {name}` for a new secret")
    secret = secrets.token_urlsafe(32)
    session.add(SourceSystem(name=name, secret_hash=hash_secret(secret), created_at=now))
    session.flush()
    return secret


def rotate_source(session: Session, *, name: str, now: datetime) -> str:
    """A new secret for ``name``; the old one stops working when this commits."""
    source = session.exec(select(SourceSystem).where(SourceSystem.name == name)).first()
    if source is None:
        raise SourceError(f"there is no source '{name}'; add it with `kpibot source add {name}`")
    secret = secrets.token_urlsafe(32)
    source.secret_hash, source.rotated_at = hash_secret(secret), now
    session.add(source)
    return secret


def authenticate(session: Session, *, name: str, authorization: str | None) -> SourceSystem | None:
    """The source when ``Authorization: Bearer SECRET`` matches its stored hash, else None.

    An unknown name is compared against a dummy hash, so a wrong name and a
    wrong secret take the same time.
    """
    source = session.exec(select(SourceSystem).where(SourceSystem.name == name)).first() if NAME.fullmatch(name) else None
    scheme, _, given = (authorization or "").partition(" ")
    presented = hash_secret(given.strip()) if scheme.lower() == "bearer" and given.strip() else ""
    expected = source.secret_hash if source is not None else _DUMMY_HASH
    ok = hmac.compare_digest(presented.encode(), expected.encode())
    return source if ok and source is not None else None


def take_request(session: Session, *, source_id: int, now: datetime, per_minute: float) -> float:
    """Count one request of the source against ``per_minute`` a minute: 0 when allowed, else seconds to wait.

    The count lives in the source's row and is changed by one UPDATE ... RETURNING,
    so two or more `kpibot serve` processes share the budget (each process
    counting alone would let N processes take N times the limit), and
    concurrent requests cannot both take the last one: the database serialises
    the UPDATE. The window is the calendar minute (UTC): a source may send at
    most ``per_minute`` requests in any minute, up to twice that across a
    minute's edge. The caller commits (a refused request counts too).
    """
    if per_minute <= 0:
        return 0.0
    minute = int(now.timestamp() // 60)
    table = SourceSystem.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.id == source_id)
        .values(
            rate_count=case((table.c.rate_minute == minute, table.c.rate_count + 1), else_=1),
            rate_minute=minute,
        )
        .returning(table.c.rate_count)
    )
    taken = session.execute(statement).scalar_one()
    if taken <= max(1, int(per_minute)):
        return 0.0
    return (minute + 1) * 60 - now.timestamp()


@dataclass
class PushResult:
    report: StoreReport
    rows: int
    repeated: bool = False  # the request id was seen before: nothing done


def read_push(body: bytes) -> tuple[list[ValueRow], str | None]:
    """The rows and request id of a push body; ValuesRejectedError names the row (``values[3]``) or the body."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValuesRejectedError([Problem("body", f"not JSON ({exc})")]) from exc
    if not isinstance(data, dict) or not isinstance(data.get("values"), list):
        raise ValuesRejectedError(
            [Problem("body", 'expected {"values": [{"person": ..., "kpi": ..., "date": ..., "value": ...}]}')]
        )
    request_id = data.get("request_id")
    if request_id is not None and (not isinstance(request_id, str) or not 0 < len(request_id) <= 200):
        raise ValuesRejectedError([Problem("request_id", "must be a string of 1-200 characters")])
    unknown = set(data) - {"values", "request_id"}
    if unknown:
        raise ValuesRejectedError([Problem("body", f"unknown key(s): {', '.join(sorted(unknown))}")])
    items = data["values"]
    if not items:
        raise ValuesRejectedError([Problem("values", "is empty")])
    if len(items) > MAX_ROWS:
        raise ValuesRejectedError([Problem("values", f"{len(items):,} rows; send at most {MAX_ROWS:,} per request")])
    rows: list[ValueRow] = []
    problems: list[Problem] = []
    for i, item in enumerate(items):
        where = f"values[{i}]"
        if not isinstance(item, dict):
            problems.append(Problem(where, "must be an object with person, kpi, date and value"))
            continue
        missing = [k for k in ("person", "kpi", "date", "value") if k not in item]
        extra = set(item) - {"person", "kpi", "date", "value"}
        if missing or extra:
            parts = [f"missing {', '.join(missing)}"] if missing else []
            parts += [f"unknown key(s) {', '.join(sorted(extra))}"] if extra else []
            problems.append(Problem(where, "; ".join(parts)))
            continue
        rows.append(ValueRow(where, str(item["person"]), str(item["kpi"]), str(item["date"]), item["value"]))
    if problems:
        raise ValuesRejectedError(problems[:50], max(0, len(problems) - 50))
    return rows, request_id


def receive_push(session: Session, *, source: SourceSystem, body: bytes, now: datetime) -> PushResult:
    """Validate a whole push, then store it as values from ``source``; idempotent by (KPI, week) and request id."""
    rows, request_id = read_push(body)
    assert source.id is not None
    if request_id is not None:
        claimed = insert_if_absent(
            session, SourceRequest, {"source_id": source.id, "request_id": request_id, "rows": len(rows), "received_at": now}
        )
        if claimed is None:
            return PushResult(StoreReport(unchanged=len(rows)), len(rows), repeated=True)
    resolved = validate(session, [_with_source(r, source.name) for r in rows])
    report = store(session, resolved, origin="source", now=now)
    source.last_delivery_at = now
    session.add(source)
    return PushResult(report, len(rows))


def _with_source(row: ValueRow, name: str) -> ValueRow:
    return ValueRow(row.where, row.person, row.kpi, row.date, row.value, name)


def as_json(problems: list[Problem], more: int = 0) -> dict[str, Any]:
    return {"problems": [{"row": p.where, "reason": p.reason} for p in problems], "more": more}

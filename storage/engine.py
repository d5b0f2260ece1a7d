"""Engines and sessions for SQLite (embedded default) and PostgreSQL (real deployments)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from storage.revision import track_writes

DEFAULT_DATABASE_URL = "sqlite:///kpibot.db"  # the DATABASE_URL default (bot.config uses it too)


def make_engine(url: str, *, echo: bool = False, track: bool = True) -> Engine:
    """An engine tuned for the backend behind ``url``.

    SQLite gets WAL (readers never block the writer), foreign keys (off by
    default in SQLite!) and a busy timeout, so the scheduler thread and request
    threads can share one file without "database is locked" errors.

    ``track`` counts committed writes per table (``storage.revision``), what read
    caches are keyed on; migrations run without it (the counters table may not
    exist yet).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)
    if track:
        track_writes(engine)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commits once at the end, rolls back on any error.

    Query functions never commit; the caller (a handler or a job) owns the
    transaction so a multi-step change lands whole or not at all.
    """
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

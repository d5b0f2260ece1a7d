"""Per-table write counters: how a cached view knows, in one cheap read, that nothing it read has changed.

Why: ``/kpi team`` is read far more often than a team's figures change, and
working it out costs a hundred times what looking it up does. A cache is only
worth having if it can never show a stale number, so the invalidation lives
here, below every writer, instead of in each use case that writes:

- ``track_writes`` (installed by ``storage.engine.make_engine``) watches every
  statement SQLAlchemy sends: ORM flushes, Core DML, ``exec_driver_sql``.
  The tables a transaction wrote are collected on its connection, and at its
  commit one more statement, inside the same transaction, adds one to each
  table's row of ``table_revision``. Either the data and the counters change
  together or neither does: no other process can see new data with an old count.
- A write SQLAlchemy does not see (``COPY`` on a raw driver connection) is
  named with ``note_write``; DML it cannot attribute to a table (text SQL)
  counts against ``ANY``, which every reader includes.
- ``current`` is what a reader keys its cache on: the sum of the counters of
  the tables it reads (they only grow, so the sum changes whenever one does),
  or None while its own transaction has uncommitted writes (what it would
  cache might yet be rolled back).

The counters are bumped as the transaction's last statement, in name order,
so two committing transactions never wait on each other in a cycle.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, TextClause, bindparam, event, func, select
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.engine.interfaces import DBAPICursor

from storage.tables import TableRevision

ANY = "*"  # a write that could not be attributed to one table: every reader counts it
_PENDING = "kpibot_written_tables"  # key in the DBAPI connection's info: tables written since the transaction began
_READ_ONLY = ("SELECT", "PRAGMA", "SHOW", "SET", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "EXPLAIN", "VALUES")
_TABLE = TableRevision.__tablename__


def track_writes(engine: Engine) -> None:
    """Count every committed write of this engine per table (see the module docstring)."""
    event.listen(engine, "begin", _forget)
    event.listen(engine, "after_cursor_execute", _seen)
    event.listen(engine, "commit", _bump)
    event.listen(engine, "rollback", _forget)


def note_write(connection: Connection, table: str) -> None:
    """A write to ``table`` that did not go through SQLAlchemy's execute (a raw ``COPY``)."""
    connection.info.setdefault(_PENDING, set()).add(table)


def current(connection: Connection, tables: Iterable[str]) -> int | None:
    """The sum of the write counters of ``tables`` (plus ``ANY``): equal only while none of them changed.

    None when this transaction has written and not yet committed: what it reads
    is not yet everyone's truth, so it must not be cached.
    """
    if pending(connection):
        return None
    names = sorted({*tables, ANY})
    return int(connection.execute(_SUM, {"names": names}).scalar_one())


def pending(connection: Connection) -> bool:
    """Whether this connection's transaction has written something not yet committed."""
    return bool(connection.info.get(_PENDING))


_SUM = select(func.coalesce(func.sum(TableRevision.value), 0)).where(
    TableRevision.name.in_(bindparam("names", expanding=True))  # type: ignore[attr-defined]
)


def _forget(connection: Connection, *_: Any) -> None:
    connection.info.pop(_PENDING, None)


def _seen(
    connection: Connection,
    _cursor: DBAPICursor,
    statement: str,
    _parameters: Any,
    context: DefaultExecutionContext | None,
    _executemany: bool,
) -> None:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):  # Core and ORM DML
        table = getattr(getattr(context.compiled, "statement", None), "table", None)
        name = getattr(table, "name", None)
        connection.info.setdefault(_PENDING, set()).add(name if isinstance(name, str) and name != _TABLE else ANY)
        return
    compiled = getattr(context, "compiled", None)
    if compiled is not None and not isinstance(compiled.statement, TextClause):
        return  # a SELECT (or DDL) built with SQLAlchemy
    if not statement.lstrip()[:9].upper().startswith(_READ_ONLY):  # text SQL: anything but a read counts, everywhere
        connection.info.setdefault(_PENDING, set()).add(ANY)


def _bump(connection: Connection) -> None:
    """Add one to the counter of each table written, in this transaction, just before it commits."""
    written = connection.info.pop(_PENDING, None)
    if not written:
        return
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    statement = (
        f"INSERT INTO {_TABLE} (name, value) VALUES ({mark}, 1) ON CONFLICT (name) DO UPDATE SET value = {_TABLE}.value + 1"
    )
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for name in sorted(written):  # one order for everyone: no two commits wait on each other in a cycle
            cursor.execute(statement, (name,))
    finally:
        cursor.close()

"""Bulk writes: one statement stream per table, values the same for every row converted once.

An import of 100,000 rows spent more time in per-row, per-column Python work
(the ORM's bulk path, the UTC timestamp type on every row, the driver's
executemany bookkeeping) than in the database. ``insert_many`` writes rows in
the caller's transaction with:

* PostgreSQL: ``COPY ... FROM STDIN`` through the session's own psycopg
  connection (psycopg formats the rows in C; one round trip stream);
* other backends (SQLite): one Core ``executemany``; columns whose value is the
  same for every row (``recorded_at=now``) are bound once, already converted by
  the column's own type, so no converter runs per row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Table, bindparam, insert
from sqlalchemy.types import UserDefinedType
from sqlmodel import Session

from storage.revision import note_write


class _AsConverted(UserDefinedType[Any]):
    """A bound value already in the driver's form: no converter runs (NullType would take the column's type)."""

    cache_ok = True

    def get_col_spec(self, **_: Any) -> str:  # never used in DDL; UserDefinedType wants it
        return "NULL"


def insert_many(session: Session, table: Table, rows: Sequence[Mapping[str, Any]], **same: Any) -> None:
    """INSERT every row (all with the same keys) plus the ``same`` columns, in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    note_write(connection, table.name)  # COPY goes past SQLAlchemy's execute: name the table for the write counters
    dialect = connection.dialect
    fixed = {}
    for name, value in same.items():
        process = _converter(table.c[name].type, dialect)
        fixed[name] = process(value) if process else value
    if dialect.name == "postgresql":
        _copy(connection.connection.driver_connection, table, dialect, rows, fixed)
        return
    if dialect.name == "sqlite":
        _executemany_sqlite(connection, table, dialect, rows, fixed)
        return
    statement = insert(table)
    if fixed:
        # converted above, once, by the column's own type: the driver gets what it would get row by row
        statement = statement.values(
            {name: bindparam(f"same_{name}", value=v, type_=_AsConverted()) for name, v in fixed.items()}
        )
    connection.execute(statement, list(rows))


def _executemany_sqlite(
    connection: Any, table: Table, dialect: Any, rows: Sequence[Mapping[str, Any]], fixed: dict[str, Any]
) -> None:
    """One executemany of plain tuples, each column converted by its own type only where it has a converter
    (dates, JSON): SQLAlchemy's per-row parameter building was the largest cost left on SQLite."""
    names = list(rows[0])
    fixed = {**_defaults(table, dialect, given={*names, *fixed}), **fixed}
    processors = [_converter(table.c[name].type, dialect) for name in names]
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(n) for n in [*names, *fixed])
    marks = ", ".join("?" for _ in range(len(names) + len(fixed)))
    tail = tuple(fixed.values())
    values = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    if any(processors):
        converting = [(i, p) for i, p in enumerate(processors) if p]
        params = []
        for row in rows:
            record = list(values(row))
            for i, process in converting:
                record[i] = process(record[i])
            params.append((*record, *tail))
    else:
        params = [(*values(row), *tail) for row in rows]
    connection.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})", params)


def _copy(raw: Any, table: Table, dialect: Any, rows: Sequence[Mapping[str, Any]], fixed: dict[str, Any]) -> None:
    """COPY the rows in; a column whose type converts values (JSON, UTC timestamps) is converted here first."""
    from psycopg import sql

    names = list(rows[0])
    fixed = {**_defaults(table, dialect, given={*names, *fixed}), **fixed}
    processors = [_converter(table.c[name].type, dialect) for name in names]
    tail = tuple(fixed.values())
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(n) for n in [*names, *fixed])
    )
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        if any(processors):
            for row in rows:
                copy.write_row((*(p(row[n]) if p else row[n] for n, p in zip(names, processors, strict=True)), *tail))
        else:
            values = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
            for row in rows:
                copy.write_row((*values(row), *tail))


def _defaults(table: Table, dialect: Any, *, given: set[str]) -> dict[str, Any]:
    """The column defaults an INSERT would fill in (COPY does not run them): computed once, converted once."""
    found: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.name in given or default is None or not (default.is_scalar or default.is_callable):
            continue
        value = default.arg if default.is_scalar else default.arg(None)  # type: ignore[attr-defined]
        process = _converter(column.type, dialect)
        found[column.name] = process(value) if process else value
    return found


def _converter(kind: Any, dialect: Any) -> Any:
    """The column type's own bind converter; JSON as its text (psycopg's driver-side JSON wrapping is not used here)."""
    if isinstance(kind, JSON):
        none_as_null = kind.none_as_null
        return lambda value: None if value is None and none_as_null else json.dumps(value)
    return kind.bind_processor(dialect)

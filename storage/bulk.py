"""Bulk writes: one executemany per table, values the same for every row converted once.

An import of 100,000 rows spent more time in SQLAlchemy's per-row, per-column
work (the ORM's bulk path, the UTC timestamp type on every row) than in the
database. Core ``insert(table)`` with ``executemany`` skips the ORM; columns whose
value is the same for every row (``recorded_at=now``) are bound once, already in
the driver's form, so no converter runs per row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.types import UserDefinedType
from sqlmodel import Session


class _AsConverted(UserDefinedType[Any]):
    """A bound value already in the driver's form: no converter runs (NullType would take the column's type)."""

    cache_ok = True

    def get_col_spec(self, **_: Any) -> str:  # never used in DDL; UserDefinedType wants it
        return "NULL"


def insert_many(session: Session, table: Table, rows: Sequence[Mapping[str, Any]], **same: Any) -> None:
    """INSERT every row (all with the same keys) plus the ``same`` columns, in the session's transaction."""
    if not rows:
        return
    statement = insert(table)
    if same:
        dialect = session.get_bind().dialect
        fixed = {}
        for name, value in same.items():
            process = table.c[name].type.bind_processor(dialect)
            # converted here, once, by the column's own type: the driver gets the same value as row by row
            fixed[name] = bindparam(f"same_{name}", value=process(value) if process else value, type_=_AsConverted())
        statement = statement.values(fixed)
    session.connection().execute(statement, list(rows))

"""Write counters per table (``storage.revision``): what read caches are keyed on."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel


class TableRevision(SQLModel, table=True):
    """How many committed transactions have written to ``name`` (``*``: writes not attributed to one table).

    Rows appear on a table's first write; the values only grow.
    """

    __tablename__ = "table_revision"

    name: str = Field(primary_key=True, max_length=64)
    value: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))

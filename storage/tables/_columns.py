"""Small helpers so every table declares timestamps and JSON the same way."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field

from storage.types import UTCDateTime, utc_now


def utc_timestamp() -> Any:
    """A non-null UTC creation timestamp."""
    return Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)


def nullable_timestamp() -> Any:
    """A nullable UTC timestamp."""
    return Field(default=None, sa_type=UTCDateTime, nullable=True)


def json_list() -> Any:
    """A JSON list column (aliases, anchors, ratings): portable across SQLite and PostgreSQL."""
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


def json_dict() -> Any:
    """A JSON object column."""
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


__all__ = ["json_dict", "json_list", "nullable_timestamp", "utc_timestamp"]

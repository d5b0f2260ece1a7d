"""What a report is, independent of its format, and the registry of report kinds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session


class ReportError(ValueError):
    """The report cannot be made (unknown team, bad period...); the message says why."""


@dataclass(frozen=True)
class ReportRequest:
    kind: str
    name: str | None
    period: str
    start: date
    end: date
    as_of: date  # the last day with data: the period's end, or today while it runs
    now: datetime


@dataclass
class Table:
    """Rows under named columns. ``key`` names it in JSON; ``title`` heads it in HTML."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass
class Chart:
    title: str
    png: bytes


@dataclass
class Report:
    """Tables and charts; ``csv_table`` is the one CSV gets (one flat table, what a spreadsheet wants)."""

    kind: str
    title: str
    period: str
    generated_at: datetime
    summary: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    csv_table: str | None = None

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


Builder = Callable[[Session, ReportRequest], Report]


@dataclass(frozen=True)
class Registered:
    build: Builder
    needs_name: bool
    description: str


BUILDERS: dict[str, Registered] = {}


def register(kind: str, *, needs_name: bool, description: str) -> Callable[[Builder], Builder]:
    """Make ``kpibot report KIND`` call the decorated builder."""

    def decorate(build: Builder) -> Builder:
        BUILDERS[kind] = Registered(build, needs_name, description)
        return build

    return decorate

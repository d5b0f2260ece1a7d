"""Values that come from source systems (CRM, ticketing...): the systems, their requests, the audit trail, disputes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables._columns import nullable_timestamp, utc_timestamp


class SourceSystem(SQLModel, table=True):
    """A system allowed to push values. Only a hash of its secret is kept, so a database leak reveals no secret."""

    __tablename__ = "source_system"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    secret_hash: str = Field(max_length=128, description="sha256 hex of the bearer secret")
    created_at: datetime = utc_timestamp()
    rotated_at: datetime | None = nullable_timestamp()
    last_delivery_at: datetime | None = nullable_timestamp()
    # The rate limit's count, in the database so every `kpibot serve` process shares one budget per source.
    rate_minute: int = Field(default=0, description="the minute being counted, in minutes since 1970 (UTC)")
    rate_count: int = Field(default=0, description="requests taken in rate_minute")


class SourceRequest(SQLModel, table=True):
    """A request id a source sent; a retry with the same id changes nothing."""

    __tablename__ = "source_request"
    __table_args__ = (UniqueConstraint("source_id", "request_id", name="uq_source_request"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source_system.id", index=True)
    request_id: str = Field(max_length=200)
    rows: int = 0
    received_at: datetime = utc_timestamp()


class ValueAudit(SQLModel, table=True):
    """Every value stored for a KPI and week, in order: a replaced value stays here."""

    __tablename__ = "value_audit"

    id: int | None = Field(default=None, primary_key=True)
    kpi_id: int = Field(foreign_key="kpi.id", index=True)
    period_key: str = Field(max_length=10)
    value: float
    previous: float | None = None
    previous_origin: str | None = Field(default=None, max_length=10, description="e.g. checkin: the hand-typed value replaced")
    origin: str = Field(max_length=10, description="checkin | import | source | edit")
    source: str | None = Field(default=None, max_length=100)
    changed_by_id: int | None = Field(default=None, foreign_key="person.id", description="who edited it by hand, if someone did")
    note: str = Field(default="", max_length=500)
    recorded_at: datetime = utc_timestamp()


class DisputeStatus(StrEnum):
    """Where a dispute stands: the manager has not answered, took the owner's value, or kept the source's."""

    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ValueDispute(SQLModel, table=True):
    """An owner's objection to a fed value, with the value they say is right; their manager accepts or rejects it."""

    __tablename__ = "value_dispute"

    id: int | None = Field(default=None, primary_key=True)
    kpi_id: int = Field(foreign_key="kpi.id", index=True)
    period_key: str = Field(max_length=10)
    person_id: int = Field(foreign_key="person.id", index=True)
    value: float = Field(description="the value as the source delivered it")
    corrected: float | None = Field(default=None, description="the owner's value (none on disputes before 0020)")
    reason: str = Field(max_length=1000)
    status: str = Field(default=DisputeStatus.OPEN, max_length=10, description="open | accepted | rejected")
    resolved_by_id: int | None = Field(default=None, foreign_key="person.id")
    resolved_at: datetime | None = nullable_timestamp()
    answer: str = Field(default="", max_length=1000, description="the manager's reason for a rejection")
    created_at: datetime = utc_timestamp()

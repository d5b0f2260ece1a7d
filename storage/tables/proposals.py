"""KPI sets as proposed and counter-proposed: every round is kept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from storage.tables._columns import json_list, nullable_timestamp, utc_timestamp


class KpiProposal(SQLModel, table=True):
    """One round of agreeing a person's KPI set: proposed by them or countered by their manager."""

    __tablename__ = "kpi_proposal"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="person.id", index=True)
    proposed_by_id: int = Field(foreign_key="person.id")
    round: int = Field(default=1)
    status: str = Field(default="open", max_length=12, description="open | countered | answered | agreed")
    period: str = Field(max_length=32)
    kpis: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    forbidden: list[str] = json_list()
    comments: list[str] = json_list()
    created_at: datetime = utc_timestamp()
    decided_at: datetime | None = nullable_timestamp()

"""360 feedback: cycles, per-rater requests and their (replaceable) responses.

Rater identity lives only in ``feedback_request``; nothing that renders results
reads that column, so anonymity is a property of the queries, not of discipline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables._columns import json_dict, nullable_timestamp, utc_timestamp


class FeedbackCycle(SQLModel, table=True):
    """A 360 round about one person, started by their manager or an admin."""

    __tablename__ = "feedback_cycle"

    id: int | None = Field(default=None, primary_key=True)
    ratee_id: int = Field(foreign_key="person.id", index=True)
    started_by_id: int = Field(foreign_key="person.id")
    closes_at: datetime = utc_timestamp()
    status: str = Field(default="open", max_length=10, description="open | closed (closed = released)")
    nomination_asked_at: datetime | None = nullable_timestamp()
    created_at: datetime = utc_timestamp()
    closed_by_id: int | None = Field(default=None, foreign_key="person.id", description="None: closed on its date")
    released_at: datetime | None = nullable_timestamp()
    announced_at: datetime | None = nullable_timestamp()  # the ratee was told (claimed before sending)
    # The result as released, frozen: later answers never change it (they join the next round).
    result: dict[str, Any] = json_dict()


class FeedbackRequest(SQLModel, table=True):
    """An invitation for one rater; unsolicited feedback has no cycle."""

    __tablename__ = "feedback_request"
    __table_args__ = (UniqueConstraint("cycle_id", "rater_id", name="uq_feedback_cycle_rater"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int | None = Field(default=None, foreign_key="feedback_cycle.id", index=True)
    ratee_id: int = Field(foreign_key="person.id", index=True)
    rater_id: int = Field(foreign_key="person.id", index=True)
    relationship: str = Field(default="peer", max_length=12, description="peer | manager | report | other")
    nominated: bool = Field(default=False, description="proposed by the ratee; invited once the manager confirms")
    confirmed_at: datetime | None = nullable_timestamp()
    invited_at: datetime | None = nullable_timestamp()
    reminded_at: datetime | None = nullable_timestamp()
    created_at: datetime = utc_timestamp()
    counted_in_id: int | None = Field(
        default=None, foreign_key="feedback_cycle.id", index=True, description="the released round that counted this answer"
    )


class FeedbackResponse(SQLModel, table=True):
    """The answer to a request; a second submission replaces the first (unique request_id)."""

    __tablename__ = "feedback_response"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="feedback_request.id", unique=True)
    ratings: dict[str, Any] = json_dict()
    comment: str = Field(default="", max_length=3000)
    submitted_at: datetime = utc_timestamp()
    updated_at: datetime = utc_timestamp()

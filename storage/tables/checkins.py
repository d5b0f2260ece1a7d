"""The weekly loop: rounds, check-ins, measurements, blockers and action items."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables._columns import json_dict, nullable_timestamp, utc_timestamp


class CheckinRound(SQLModel, table=True):
    """One team's check-in week; closing it records who missed."""

    __tablename__ = "checkin_round"
    __table_args__ = (UniqueConstraint("team_id", "period_key", name="uq_round_team_period"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    period_key: str = Field(max_length=10, description="ISO week, e.g. 2026-W48")
    week_start: date
    closed_at: datetime | None = nullable_timestamp()
    created_at: datetime = utc_timestamp()


class Checkin(SQLModel, table=True):
    """One person's check-in for one week. The unique key makes a second prompt impossible."""

    __table_args__ = (UniqueConstraint("person_id", "period_key", name="uq_checkin_person_period"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    round_id: int | None = Field(default=None, foreign_key="checkin_round.id", index=True)
    period_key: str = Field(max_length=10)
    status: str = Field(
        default="claimed",
        max_length=12,
        description="claimed | prompted | answering | stored | confirmed | skipped | snoozed | away | missed | failed",
    )
    due_at: datetime | None = nullable_timestamp()
    claimed_at: datetime = utc_timestamp()
    channel_id: str | None = Field(default=None, max_length=32)
    prompt_ts: str | None = Field(default=None, max_length=32)
    confirm_ts: str | None = Field(default=None, max_length=32)
    prompted_at: datetime | None = nullable_timestamp()
    reminded_at: datetime | None = nullable_timestamp()
    answered_at: datetime | None = nullable_timestamp()
    confirmed_at: datetime | None = nullable_timestamp()
    snoozed_until: datetime | None = nullable_timestamp()
    failure: str | None = Field(default=None, max_length=200)
    state: dict[str, Any] = json_dict()
    turn: int = Field(default=0, description="answers the conversation has made so far (bot.checkin.next_turn)")
    answered_turn: int = Field(default=0, description="the newest turn whose answer was let out (compare-and-set)")
    created_at: datetime = utc_timestamp()


class Measurement(SQLModel, table=True):
    """The value of one KPI for one week; re-reporting replaces it, never duplicates it."""

    __table_args__ = (
        UniqueConstraint("kpi_id", "period_key", name="uq_measurement_kpi_period"),
        # /kpi team adds up each KPI's weeks and reads its latest ones from this index alone (migration 0019)
        Index("ix_measurement_kpi_week_value", "kpi_id", "week_start", "value"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kpi_id: int = Field(foreign_key="kpi.id", index=True)
    period_key: str = Field(max_length=10)
    week_start: date = Field(index=True)
    value: float
    checkin_id: int | None = Field(default=None, foreign_key="checkin.id", index=True)
    source_ts: str | None = Field(default=None, max_length=32, description="Slack ts of the message it came from")
    source_text: str = Field(default="", max_length=500)
    origin: str = Field(default="checkin", max_length=10, description="checkin | import | source: who typed it")
    source: str | None = Field(default=None, max_length=100, description="the source system's name, for fed values")
    recorded_at: datetime = utc_timestamp()
    updated_at: datetime = utc_timestamp()


class Blocker(SQLModel, table=True):
    """Something in the way, categorised by root cause (resources, process, capability, other)."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    checkin_id: int | None = Field(default=None, foreign_key="checkin.id", index=True)
    text: str = Field(max_length=1000)
    category: str = Field(default="other", max_length=12)
    category_confirmed: bool = False
    since: date | None = None
    until: date | None = None
    source_ts: str | None = Field(default=None, max_length=32)
    reported_at: datetime = utc_timestamp()
    resolved_at: datetime | None = nullable_timestamp()
    resolved_by_id: int | None = Field(default=None, foreign_key="person.id", description="owner, their manager or an admin")
    date_asked_at: datetime | None = nullable_timestamp()  # the stated date passed: asked once whether it is over
    escalated_at: datetime | None = nullable_timestamp()  # open over two weeks: told the manager once
    comment: str = Field(default="", max_length=1000, description="the manager's latest comment")


class ActionItem(SQLModel, table=True):
    """A next step from an early warning, a retro or a blocker; shown in prompts until done or dropped.

    Open means neither ``done_at`` nor ``dropped_at`` is set; both dates are kept, so a retro can
    count what got done and when.
    """

    __tablename__ = "action_item"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kpi_id: int | None = Field(default=None, foreign_key="kpi.id", index=True)
    origin: str = Field(default="warning", max_length=10, description="warning | retro | blocker")
    root_cause: str = Field(default="other", max_length=12)
    next_step: str = Field(max_length=1000)
    due: date | None = None
    created_at: datetime = utc_timestamp()
    done_at: datetime | None = nullable_timestamp()
    dropped_at: datetime | None = nullable_timestamp()
    drop_reason: str = Field(default="", max_length=500)
    reminded_at: datetime | None = nullable_timestamp()  # the due date passed: one reminder
    retro_id: int | None = Field(default=None, foreign_key="retro.id", index=True)
    raised_by_id: int | None = Field(default=None, foreign_key="person.id", description="who wrote it, when not the owner")

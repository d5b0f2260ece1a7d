"""The slower loops: monthly retros, early-warning streaks, quarterly evaluations, recognition."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables._columns import json_dict, json_list, nullable_timestamp, utc_timestamp


class Retro(SQLModel, table=True):
    """One team's monthly retro post; unique per team and month so it is posted once."""

    __table_args__ = (UniqueConstraint("team_id", "month", name="uq_retro_team_month"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    month: str = Field(max_length=7, description="YYYY-MM")
    channel_id: str | None = Field(default=None, max_length=32)
    ts: str | None = Field(default=None, max_length=32)
    summary: dict[str, Any] = json_dict()
    posted_at: datetime | None = nullable_timestamp()
    created_at: datetime = utc_timestamp()


class RetroAsk(SQLModel, table=True):
    """One person's retro follow-up: all their missed or at-risk KPIs in one DM, answered in one modal."""

    __tablename__ = "retro_ask"
    __table_args__ = (UniqueConstraint("retro_id", "person_id", name="uq_retro_ask_person"),)

    id: int | None = Field(default=None, primary_key=True)
    retro_id: int = Field(foreign_key="retro.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kpis: list[Any] = json_list()  # [{"kpi_id", "name", "status"}] as asked
    answered_at: datetime | None = nullable_timestamp()
    created_at: datetime = utc_timestamp()


class KpiWarning(SQLModel, table=True):
    """An early warning, raised once per streak of weeks behind pace."""

    __tablename__ = "kpi_warning"
    __table_args__ = (UniqueConstraint("kpi_id", "streak_start", name="uq_warning_kpi_streak"),)

    id: int | None = Field(default=None, primary_key=True)
    kpi_id: int = Field(foreign_key="kpi.id", index=True)
    streak_start: str = Field(max_length=10, description="period key of the first week behind")
    notified_at: datetime | None = nullable_timestamp()
    created_at: datetime = utc_timestamp()


class Evaluation(SQLModel, table=True):
    """A person's weighted evaluation for one period (quarter)."""

    __table_args__ = (UniqueConstraint("person_id", "period", name="uq_evaluation_person_period"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    period: str = Field(max_length=16)
    result_score: float | None = None
    behaviour_score: float | None = None
    feedback_score: float | None = None
    total_score: float | None = None
    details: dict[str, Any] = json_dict()
    computed_at: datetime = utc_timestamp()
    status: str = Field(default="draft", max_length=10, description="draft | released: only released ones reach the person")
    adjusted_score: float | None = Field(default=None, description="the manager's score (0-1.2); total_score stays as computed")
    adjust_reason: str = Field(default="", max_length=1000)
    adjusted_by_id: int | None = Field(default=None, foreign_key="person.id")
    adjusted_at: datetime | None = nullable_timestamp()
    released_by_id: int | None = Field(default=None, foreign_key="person.id")
    released_at: datetime | None = nullable_timestamp()

    @property
    def score(self) -> float | None:
        """The score that counts: the manager's adjustment when there is one, else the computed total."""
        return self.adjusted_score if self.adjusted_score is not None else self.total_score


class Recognition(SQLModel, table=True):
    """Star of the quarter: proposed per team by the bot, confirmed (or changed) by the manager, then announced."""

    __table_args__ = (UniqueConstraint("team_id", "period", "kind", name="uq_recognition_team_period_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    period: str = Field(max_length=16)
    kind: str = Field(default="star", max_length=16)
    # why it was proposed: a message id (bot.recognition.STAR_REASON) worded in each reader's language with
    # reason_params; "" when the manager picked someone else (older rows may hold a sentence, shown as typed)
    reason: str = Field(default="", max_length=1000)
    reason_params: dict[str, Any] = json_dict()
    status: str = Field(default="proposed", max_length=10, description="proposed | confirmed")
    proposed_id: int | None = Field(default=None, foreign_key="person.id", description="whom the bot proposed")
    confirmed_by_id: int | None = Field(default=None, foreign_key="person.id")
    confirmed_at: datetime | None = nullable_timestamp()
    created_at: datetime = utc_timestamp()


class Kudos(SQLModel, table=True):
    """Thanks from one person to another (`/kpi kudos @person for ...`); counted, shareable by the giver."""

    id: int | None = Field(default=None, primary_key=True)
    giver_id: int = Field(foreign_key="person.id", index=True)
    receiver_id: int = Field(foreign_key="person.id", index=True)
    text: str = Field(max_length=1000)
    shared_channel: str | None = Field(default=None, max_length=32)
    shared_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = utc_timestamp()


class KpiReview(SQLModel, table=True):
    """A half-year effectiveness review of one team's KPIs: asked once per team and half."""

    __tablename__ = "kpi_review"
    __table_args__ = (UniqueConstraint("team_id", "half", name="uq_review_team_half"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    half: str = Field(max_length=7, description="the half reviewed, e.g. 2026-H2")
    decisions: dict[str, Any] = json_dict()
    asked_at: datetime | None = nullable_timestamp()
    created_at: datetime = utc_timestamp()

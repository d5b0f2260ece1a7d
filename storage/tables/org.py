"""The organisation: teams (a tree), people, goals (a pyramid) and KPIs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables._columns import json_dict, json_list, nullable_timestamp, utc_timestamp


class Team(SQLModel, table=True):
    """A team with its manager, channel and check-in schedule; ``parent_id`` forms the tree."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    parent_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    # team -> person -> team is a cycle; use_alter lets PostgreSQL add this key after both exist.
    manager_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("person.id", use_alter=True, name="fk_team_manager_id_person", ondelete="SET NULL"),
            index=True,
        ),
    )
    channel_id: str | None = Field(default=None, max_length=32)
    checkin_weekday: int = Field(default=0, description="0 = Monday ... 6 = Sunday")
    checkin_time: str = Field(default="09:00", max_length=5, description="HH:MM, member's local time")
    reminder_after_hours: int = Field(default=24)
    retro_day: int = Field(default=1)
    locale: str | None = Field(default=None, max_length=16, description="language of channel posts; None = en-US")
    holidays: str | None = Field(default=None, max_length=16, description="public holiday calendar, e.g. CN or US-NY")
    # Team defaults a manager sets in /kpi settings; None = the organisation file's value above.
    # Kept apart so a re-import of the file never undoes a choice made in Slack.
    default_weekday: int | None = Field(default=None, description="0 = Monday ... 6 = Sunday")
    default_time: str | None = Field(default=None, max_length=5, description="HH:MM, member's local time")
    default_reminder_hours: int | None = None
    created_at: datetime = utc_timestamp()
    updated_at: datetime = utc_timestamp()


class Person(SQLModel, table=True):
    """Someone the bot talks to. ``tz``/``locale`` come from Slack's users.info and are kept fresh."""

    id: int | None = Field(default=None, primary_key=True)
    slack_id: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320, index=True, description="lets a values file name people by email")
    tz: str = Field(default="UTC", max_length=64)
    tz_checked_at: datetime | None = nullable_timestamp()
    locale: str = Field(default="en-US", max_length=16)
    job_family: str = Field(default="business", max_length=16)
    level: str = Field(default="staff", max_length=16)
    dm_channel_id: str | None = Field(default=None, max_length=32, description="cached conversations.open result")
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    is_admin: bool = Field(default=False)
    active: bool = Field(default=True)
    away_from: date | None = Field(default=None, description="first day of announced time off; None = from now")
    away_until: date | None = Field(default=None, description="no prompts up to and including this date")
    holidays: str | None = Field(default=None, max_length=16, description="public holiday calendar; None = the team's")
    # The person's own choices from /kpi settings; None = the team default, then the organisation file.
    checkin_weekday: int | None = Field(default=None, description="0 = Monday ... 6 = Sunday")
    checkin_time: str | None = Field(default=None, max_length=5, description="HH:MM, own local time")
    reminder_after_hours: int | None = None
    language: str | None = Field(default=None, max_length=16, description="chosen language; None = Slack's locale")
    created_at: datetime = utc_timestamp()


class Goal(SQLModel, table=True):
    """A goal in the pyramid: company -> department -> team -> person."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=100, description="the id used in the organisation file")
    title: str = Field(max_length=500)
    level: str = Field(max_length=16)
    parent_id: int | None = Field(default=None, foreign_key="goal.id", index=True)
    names: dict[str, str] = json_dict()  # the title per language, {"en": ..., "zh": ...}; title is the fallback
    created_at: datetime = utc_timestamp()


class Kpi(SQLModel, table=True):
    """One KPI of one person for one period, SMART by construction (see bot.smart)."""

    __table_args__ = (
        UniqueConstraint("owner_id", "name", "period", name="uq_kpi_owner_name_period"),
        # a team's current KPIs without reading each owner's past periods (/kpi team, goals, retro; migration 0019)
        Index("ix_kpi_owner_status_period", "owner_id", "status", "period_end", "period_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="person.id", index=True)
    name: str = Field(max_length=200)
    aliases: list[str] = json_list()
    unit: str = Field(
        max_length=16, description="count | percent | currency code | hours | minutes | days | score (any index) | rating (1-5)"
    )
    direction: str = Field(default="higher", max_length=8, description="higher | lower")
    target: float
    baseline: float | None = None
    period: str = Field(max_length=32, description="2026-Q4, 2026-H2, 2026, or an agreed range 2027-01-01..2027-03-31")
    period_start: date
    period_end: date
    aggregate: str = Field(default="sum", max_length=8, description="sum | average | latest")
    weight: float
    kind: str = Field(default="result", max_length=10, description="result | behaviour")
    horizon: str = Field(default="lagging", max_length=8, description="leading | lagging")
    goal_id: int | None = Field(default=None, foreign_key="goal.id", index=True)
    source: str = Field(default="", max_length=500)
    fed_by: str | None = Field(default=None, max_length=100, description="the source system delivering its values; not asked")
    definition: str = Field(default="", max_length=1000)
    status: str = Field(default="active", max_length=10, description="active | proposed | retired")
    anchors: list[str] = json_list()
    forbidden: list[str] = json_list()  # the negative list: shortcuts that must not be taken to hit it
    watch_with: list[str] = json_list()  # the gaming watch: the owner's behaviour KPIs that must not worsen as this improves
    names: dict[str, str] = json_dict()  # the name per language, {"en": ..., "zh": ...}; name is the fallback
    created_at: datetime = utc_timestamp()
    updated_at: datetime = utc_timestamp()

    @property
    def is_rating(self) -> bool:
        """A behaviour-anchored 1-5 scale rather than a measured number."""
        return self.unit == "rating"

    def as_plain(self) -> dict[str, Any]:
        """The fields the domain needs, detached from the session."""
        return self.model_dump()

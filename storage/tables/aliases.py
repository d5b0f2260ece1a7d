"""Words a person uses for their own KPIs, learned when they tell the bot which KPI a number was for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables._columns import utc_timestamp


class LearnedAlias(SQLModel, table=True):
    """ "closed deals" means Revenue, for this person: the parser reads it so from then on."""

    __tablename__ = "learned_alias"
    __table_args__ = (UniqueConstraint("person_id", "phrase", name="uq_learned_alias_person_phrase"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kpi_id: int = Field(foreign_key="kpi.id", index=True)
    phrase: str = Field(max_length=100, description="the person's words next to the number, lower case")
    created_at: datetime = utc_timestamp()

"""Learned aliases (a person's own words for a KPI) and the first day of announced time off.

Revision ID: 0008
Revises: 0009
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "learned_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("phrase", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kpi_id"], ["kpi.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "phrase", name="uq_learned_alias_person_phrase"),
    )
    op.create_index(op.f("ix_learned_alias_person_id"), "learned_alias", ["person_id"], unique=False)
    op.create_index(op.f("ix_learned_alias_kpi_id"), "learned_alias", ["kpi_id"], unique=False)
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("away_from", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_column("away_from")
    op.drop_index(op.f("ix_learned_alias_kpi_id"), table_name="learned_alias")
    op.drop_index(op.f("ix_learned_alias_person_id"), table_name="learned_alias")
    op.drop_table("learned_alias")

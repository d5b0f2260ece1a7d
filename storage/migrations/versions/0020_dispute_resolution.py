"""A dispute gets the owner's corrected value and the manager's answer (accepted or rejected, by whom, when, why);
a source system's push rate is counted in the database, shared by every `kpibot serve` process.

Disputes raised before this stay open, with no corrected value: the manager can
still reject them; accepting needs the owner's value, so they dispute again.

Revision ID: 0020
Revises: 0018
Create Date: 2026-11-30 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0020"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source_system", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rate_minute", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("rate_count", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("value_dispute", schema=None) as batch_op:
        batch_op.add_column(sa.Column("corrected", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False, server_default="open")
        )
        batch_op.add_column(sa.Column("resolved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resolved_at", storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False, server_default="")
        )
        batch_op.create_foreign_key("fk_value_dispute_resolved_by_id_person", "person", ["resolved_by_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("value_dispute", schema=None) as batch_op:
        batch_op.drop_constraint("fk_value_dispute_resolved_by_id_person", type_="foreignkey")
        batch_op.drop_column("answer")
        batch_op.drop_column("resolved_at")
        batch_op.drop_column("resolved_by_id")
        batch_op.drop_column("status")
        batch_op.drop_column("corrected")
    with op.batch_alter_table("source_system", schema=None) as batch_op:
        batch_op.drop_column("rate_count")
        batch_op.drop_column("rate_minute")

"""KPI names and goal titles per language ({"en": ..., "zh": ...}), from the organisation file or the setup form.

Revision ID: 0012
Revises: 0014
Create Date: 2026-11-30 15:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # existing KPIs and goals have one name, shown in every language
    with op.batch_alter_table("kpi", schema=None) as batch_op:
        batch_op.add_column(sa.Column("names", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("names", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.drop_column("names")
    with op.batch_alter_table("kpi", schema=None) as batch_op:
        batch_op.drop_column("names")

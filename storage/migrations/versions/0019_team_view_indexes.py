"""Indexes for /kpi team: a team's current KPIs, and each KPI's weeks read from the index alone.

``kpi (owner_id, status, period_end, period_start)`` finds the active KPIs of
a period around a day without reading every past period's row of each owner;
``measurement (kpi_id, week_start, value)`` lets the database add up a KPI's
counted weeks and read its latest values without touching the table.

Revision ID: 0019
Revises: 0015
Create Date: 2026-11-30 18:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_kpi_owner_status_period", "kpi", ["owner_id", "status", "period_end", "period_start"])
    op.create_index("ix_measurement_kpi_week_value", "measurement", ["kpi_id", "week_start", "value"])


def downgrade() -> None:
    op.drop_index("ix_measurement_kpi_week_value", table_name="measurement")
    op.drop_index("ix_kpi_owner_status_period", table_name="kpi")

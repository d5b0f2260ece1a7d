"""Self-service settings (person and team defaults) and public holiday calendars.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 14:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holidays', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column('checkin_weekday', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('checkin_time', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True))
        batch_op.add_column(sa.Column('reminder_after_hours', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holidays', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column('default_weekday', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('default_time', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True))
        batch_op.add_column(sa.Column('default_reminder_hours', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('team', schema=None) as batch_op:
        for name in ('default_reminder_hours', 'default_time', 'default_weekday', 'holidays'):
            batch_op.drop_column(name)
    with op.batch_alter_table('person', schema=None) as batch_op:
        for name in ('language', 'reminder_after_hours', 'checkin_time', 'checkin_weekday', 'holidays'):
            batch_op.drop_column(name)

"""Close the loop: blockers resolved and escalated, action items done or dropped, retro follow-ups,
the team's language for channel posts, and outbound claims that a restart can finish.

Revision ID: 0010
Revises: 0011
Create Date: 2026-11-30 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
import storage.types


revision: str = '0010'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('retro_ask',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('retro_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kpis', sa.JSON(), nullable=False),
    sa.Column('answered_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['retro_id'], ['retro.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('retro_id', 'person_id', name='uq_retro_ask_person')
    )
    with op.batch_alter_table('retro_ask', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retro_ask_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_retro_ask_retro_id'), ['retro_id'], unique=False)

    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dropped_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('drop_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('reminded_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('retro_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('raised_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_action_item_retro_id'), ['retro_id'], unique=False)
        batch_op.create_foreign_key('fk_action_item_retro_id_retro', 'retro', ['retro_id'], ['id'])
        batch_op.create_foreign_key('fk_action_item_raised_by_id_person', 'person', ['raised_by_id'], ['id'])

    with op.batch_alter_table('blocker', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('date_asked_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False, server_default=''))
        batch_op.create_foreign_key('fk_blocker_resolved_by_id_person', 'person', ['resolved_by_id'], ['id'])

    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slack_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('thread_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default='en-US'))
        batch_op.add_column(sa.Column('payload', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('claimed_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failure', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))

    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_column('locale')

    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        for name in ('failure', 'claimed_at', 'payload', 'locale', 'thread_ts', 'slack_id'):
            batch_op.drop_column(name)

    with op.batch_alter_table('blocker', schema=None) as batch_op:
        batch_op.drop_constraint('fk_blocker_resolved_by_id_person', type_='foreignkey')
        for name in ('comment', 'escalated_at', 'date_asked_at', 'resolved_by_id'):
            batch_op.drop_column(name)

    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.drop_constraint('fk_action_item_raised_by_id_person', type_='foreignkey')
        batch_op.drop_constraint('fk_action_item_retro_id_retro', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_action_item_retro_id'))
        for name in ('raised_by_id', 'retro_id', 'reminded_at', 'drop_reason', 'dropped_at'):
            batch_op.drop_column(name)

    with op.batch_alter_table('retro_ask', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retro_ask_retro_id'))
        batch_op.drop_index(batch_op.f('ix_retro_ask_person_id'))

    op.drop_table('retro_ask')

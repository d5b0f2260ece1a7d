"""Conversation turns on a check-in: ``turn`` counts the answers its conversation has made (a question, "Here is
what I stored", skipped...), ``answered_turn`` is the newest turn whose answer was let out. An answer is sent only
while its turn is still the newest (a compare-and-set at delivery time), so a question answered by a later reply,
or a confirmation superseded by a newer one, is not sent.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 21:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.add_column(sa.Column("turn", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("answered_turn", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_column("answered_turn")
        batch_op.drop_column("turn")

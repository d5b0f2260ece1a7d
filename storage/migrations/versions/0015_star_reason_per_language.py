"""The star of the quarter's reason as a message id and its figures, worded in each reader's language.

Rows written before this kept an English sentence in ``recognition.reason``
("120% weighted score, 3 kudos"); they are turned into the id ``star_reason``
with ``{"score": 1.2, "kudos": 3}``. A reason that does not read like that is
left as it was (shown as typed).

Revision ID: 0015
Revises: 0010
Create Date: 2026-11-30 17:45:00.000000
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGACY = re.compile(r"^(-|\d+)%? weighted score, (\d+) kudos$")
STAR_REASON = "star_reason"


def upgrade() -> None:
    with op.batch_alter_table("recognition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_params", sa.JSON(), nullable=False, server_default="{}"))
    recognition = sa.table(
        "recognition", sa.column("id", sa.Integer), sa.column("reason", sa.String), sa.column("reason_params", sa.JSON)
    )
    bind = op.get_bind()
    for row_id, reason in bind.execute(sa.select(recognition.c.id, recognition.c.reason)).all():
        found = LEGACY.match(reason or "")
        if found is None:
            continue
        score = None if found.group(1) == "-" else int(found.group(1)) / 100
        bind.execute(
            recognition.update()
            .where(recognition.c.id == row_id)
            .values(reason=STAR_REASON, reason_params={"score": score, "kudos": int(found.group(2))})
        )


def downgrade() -> None:
    recognition = sa.table(
        "recognition", sa.column("id", sa.Integer), sa.column("reason", sa.String), sa.column("reason_params", sa.JSON)
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(recognition.c.id, recognition.c.reason_params).where(recognition.c.reason == STAR_REASON)
    ).all()
    for row_id, params in rows:
        score = (params or {}).get("score")
        text = f"{'-' if score is None else f'{score:.0%}'} weighted score, {(params or {}).get('kudos', 0)} kudos"
        bind.execute(recognition.update().where(recognition.c.id == row_id).values(reason=text))
    with op.batch_alter_table("recognition", schema=None) as batch_op:
        batch_op.drop_column("reason_params")

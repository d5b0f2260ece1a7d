"""KPI unit `rating` (1-5, behaviour-anchored) split from `score` (any index, e.g. NPS -100..100).

Until now `score` meant both. Existing KPIs that are clearly 1-5 ratings
(with level descriptions, or a target of at most 5) become `rating`; the rest
stay `score`. Open or past KPI proposals (their KPI lists are JSON) get the
same treatment, so an approved proposal creates the right unit. Rows are read and written one by one through SQLAlchemy so the
JSON anchors column reads the same on SQLite and PostgreSQL. No schema change.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

kpi = sa.table(
    "kpi",
    sa.column("id", sa.Integer),
    sa.column("unit", sa.String),
    sa.column("target", sa.Float),
    sa.column("anchors", sa.JSON),
)

proposal = sa.table("kpi_proposal", sa.column("id", sa.Integer), sa.column("kpis", sa.JSON))


def _is_rating(unit: object, target: object, anchors: object) -> bool:
    return unit == "score" and (bool(anchors) or (isinstance(target, int | float) and target <= 5))


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(kpi.c.id, kpi.c.target, kpi.c.anchors).where(kpi.c.unit == "score")).all()
    ratings = [row.id for row in rows if _is_rating("score", row.target, row.anchors)]
    if ratings:
        bind.execute(sa.update(kpi).where(kpi.c.id.in_(ratings)).values(unit="rating"))
    for row in bind.execute(sa.select(proposal.c.id, proposal.c.kpis)).all():
        items = [dict(item) for item in row.kpis or []]
        changed = False
        for item in items:
            if _is_rating(item.get("unit"), item.get("target"), item.get("anchors")):
                item["unit"], changed = "rating", True
        if changed:
            bind.execute(sa.update(proposal).where(proposal.c.id == row.id).values(kpis=items))


def downgrade() -> None:
    op.get_bind().execute(sa.update(kpi).where(kpi.c.unit == "rating").values(unit="score"))

"""The KPI status "off_track" is called "behind" everywhere now (bot.kpi_state.Status.BEHIND).

Until now the code said BEHIND but stored and rendered "off_track". Stored copies live in JSON:
the KPIs a retro asked about (``retro_ask.kpis``) and messages waiting in the outbox
(``outbound_message.payload``: a KPI line's ``status``, a retro post's ``status_counts``).
Both are rewritten; ``downgrade`` writes the old name back. No column changes.

Revision ID: 0018
Revises: 0019
Create Date: 2026-11-30 18:30:00.000000
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD, NEW = "off_track", "behind"
JSON_COLUMNS = (("retro_ask", "id", "kpis"), ("outbound_message", "key", "payload"))


def upgrade() -> None:
    _rewrite(lambda value: NEW if value == OLD else value)


def downgrade() -> None:
    _rewrite(lambda value: OLD if value == NEW else value)


def _rewrite(rename: Callable[[Any], Any]) -> None:
    bind = op.get_bind()
    for table_name, key_name, column_name in JSON_COLUMNS:
        table = sa.table(table_name, sa.column(key_name), sa.column(column_name, sa.JSON))
        for key, value in bind.execute(sa.select(table.c[key_name], table.c[column_name])).all():
            changed = _walk(value, rename)
            if changed != value:
                bind.execute(table.update().where(table.c[key_name] == key).values({column_name: changed}))


def _walk(value: Any, rename: Callable[[Any], Any]) -> Any:
    """A copy with every ``"status"`` value and every ``status_counts`` key renamed."""
    if isinstance(value, list):
        return [_walk(item, rename) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "status":
            out[key] = rename(item)
        elif key == "status_counts" and isinstance(item, dict):
            out[key] = {rename(k): n for k, n in item.items()}
        else:
            out[key] = _walk(item, rename)
    return out

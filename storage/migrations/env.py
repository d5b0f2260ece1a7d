"""Alembic environment: the URL comes from the caller (``storage.migrate``, which ``kpibot db upgrade``
and the tests use, passes the settings' URL); run by hand, from DATABASE_URL as kpibot reads it.

Storage imports nothing of bot/ (``./dev lint`` checks it), so not bot.config either.
"""

from __future__ import annotations

import os

from alembic import context
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers every table on the metadata)
from storage.engine import DEFAULT_DATABASE_URL, make_engine

config = context.config
url: str = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL

target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=target_metadata, compare_type=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(url, track=False)  # the write counters' table may not exist yet
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            render_as_batch=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

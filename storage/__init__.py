"""Persistence: SQLModel tables, the engine, query functions and Alembic migrations.

Nothing here knows about Slack; times are stored in UTC.
"""

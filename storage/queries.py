"""Query functions: keyword-only, take the session, never commit (the caller owns the transaction)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, select

from storage.tables import Person, ProcessedEvent
from storage.types import utc_now


def insert_if_absent(session: Session, model: type[SQLModel], values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING; True when the row was inserted.

    This is how "at most once" is enforced: the database's unique constraints
    decide, not a check-then-insert race between threads or replicas.
    """
    table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # RETURNING, not rowcount: psycopg reports -1 for a skipped ON CONFLICT row.
    statement = insert(table).values(**values).on_conflict_do_nothing().returning(*table.primary_key.columns)
    return session.execute(statement).first() is not None


def claim_event(session: Session, *, event_id: str) -> bool:
    """Record that we act on ``event_id``; False when it was already processed (a Slack retry)."""
    return insert_if_absent(session, ProcessedEvent, {"event_id": event_id, "received_at": utc_now()})


def person_by_slack_id(session: Session, *, slack_id: str) -> Person | None:
    return session.exec(select(Person).where(Person.slack_id == slack_id)).first()


def admin_ids(session: Session) -> list[str]:
    return list(session.exec(select(Person.slack_id).where(Person.is_admin).order_by(Person.slack_id)).all())


def compare_and_set(session: Session, model: type[SQLModel], where: list[Any], values: dict[str, Any]) -> bool:
    """UPDATE ... WHERE <expected state> RETURNING: True only for the one caller that won.

    This is how a stale claim or a reminder is taken over by exactly one
    replica: the condition is the state the caller saw.
    """
    table = model.__table__  # type: ignore[attr-defined]
    statement = update(table).where(*where).values(**values).returning(*table.primary_key.columns)
    return session.execute(statement).first() is not None

"""Query functions: keyword-only, take the session, never commit (the caller owns the transaction)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, select

from storage.tables import AppSecret, Person, ProcessedEvent
from storage.types import utc_now

_Row = TypeVar("_Row", bound=SQLModel)


def insert_if_absent(session: Session, model: type[SQLModel], values: dict[str, Any]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING; the new row's primary key, or None when it already existed.

    This is how "at most once" is enforced: the database's unique constraints
    decide, not a check-then-insert race between threads or replicas.
    """
    table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # RETURNING, not rowcount: psycopg reports -1 for a skipped ON CONFLICT row.
    statement = insert(table).values(**values).on_conflict_do_nothing().returning(*table.primary_key.columns)
    row = session.execute(statement).first()
    return None if row is None else row[0]


def claim_event(session: Session, *, event_id: str) -> bool:
    """Record that we act on ``event_id``; False when it was already processed (a Slack retry)."""
    return insert_if_absent(session, ProcessedEvent, {"event_id": event_id, "received_at": utc_now()}) is not None


_PERSON_BY_SLACK_ID = select(Person).where(Person.slack_id == bindparam("slack_id")).limit(1)


def person_by_slack_id(session: Session, *, slack_id: str) -> Person | None:
    """Every request starts here: the statement is built once (building it cost more than running it)."""
    return session.exec(_PERSON_BY_SLACK_ID, params={"slack_id": slack_id}).first()


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


def take_many(session: Session, model: type[SQLModel], ids: list[Any], where: list[Any], values: dict[str, Any]) -> list[Any]:
    """``compare_and_set`` for many rows at once: the ids this caller won."""
    if not ids:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    key = next(iter(table.primary_key.columns))
    statement = update(table).where(key.in_(ids), *where).values(**values).returning(key)
    return [row[0] for row in session.execute(statement).all()]


def by_id(session: Session, model: type[_Row], ident: int | None) -> _Row | None:
    """The row with primary key ``ident``; None when there is none or ``ident`` is None (an id that did not parse)."""
    return None if ident is None else session.get(model, ident)


def app_secret(session: Session, *, name: str, candidate: str) -> str:
    """The stored secret ``name``; ``candidate`` becomes it when there is none yet.

    Insert-if-absent then read: two replicas starting at once agree on one value.
    """
    insert_if_absent(session, AppSecret, {"name": name, "value": candidate, "created_at": utc_now()})
    return session.exec(select(AppSecret.value).where(AppSecret.name == name)).one()

"""Bookkeeping for talking to Slack safely."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.tables._columns import utc_timestamp


class ProcessedEvent(SQLModel, table=True):
    """A Slack event id we have acted on; Slack retries events, so this is checked first."""

    __tablename__ = "processed_event"

    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = utc_timestamp()


class OutboundMessage(SQLModel, table=True):
    """A message the bot sent, keyed by an idempotency key so a retried job never posts twice."""

    __tablename__ = "outbound_message"

    key: str = Field(primary_key=True, max_length=200)
    channel_id: str | None = Field(default=None, max_length=32)
    ts: str | None = Field(default=None, max_length=32)
    sent_at: datetime = utc_timestamp()


class AppSecret(SQLModel, table=True):
    """A secret the app generated for itself, e.g. the key that signs modal metadata when no
    signing secret is configured (Socket Mode): it must exist, and be the same for every replica."""

    __tablename__ = "app_secret"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=128)
    created_at: datetime = utc_timestamp()

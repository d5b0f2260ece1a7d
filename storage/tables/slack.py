"""Bookkeeping for talking to Slack safely."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from storage.tables._columns import json_dict, nullable_timestamp, utc_timestamp


class ProcessedEvent(SQLModel, table=True):
    """A Slack event id we have acted on; Slack retries events, so this is checked first."""

    __tablename__ = "processed_event"

    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = utc_timestamp()


class OutboundMessage(SQLModel, table=True):
    """A message the bot sends, keyed by an idempotency key so a retried job never posts twice.

    The row is the claim: committed before the send, with the message itself in
    ``payload``, so a claim left by a crash is finished (looked for in Slack by
    its metadata, sent only if absent) by whichever process finds it stale.
    """

    __tablename__ = "outbound_message"

    key: str = Field(primary_key=True, max_length=200)
    channel_id: str | None = Field(default=None, max_length=32)
    ts: str | None = Field(default=None, max_length=32)
    sent_at: datetime = utc_timestamp()
    slack_id: str | None = Field(default=None, max_length=32, description="recipient of a DM, when no channel is known yet")
    thread_ts: str | None = Field(default=None, max_length=32)
    locale: str = Field(default="en-US", max_length=16)
    payload: dict[str, Any] = json_dict()
    claimed_at: datetime | None = nullable_timestamp()
    failure: str | None = Field(default=None, max_length=64, description="Slack's reason when it can never be delivered")


class AppSecret(SQLModel, table=True):
    """A secret the app generated for itself, e.g. the key that signs modal metadata when no
    signing secret is configured (Socket Mode): it must exist, and be the same for every replica."""

    __tablename__ = "app_secret"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=128)
    created_at: datetime = utc_timestamp()

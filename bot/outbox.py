"""Exactly-once sending for scheduled messages: claim in the database, then send, then record.

The weekly round is the model (bot.rounds): a row is claimed and committed
before anything goes to Slack, the message carries Slack metadata naming the
claim, and a claim left by a crash is finished by looking in the channel first
and sending only if the message is not there. Escalations, reminders, retro
posts and their follow-ups all go through here, keyed by what they are about
(``escalate:<blocker id>``), so two replicas or a restart never send twice.

The message itself is kept in the claim (as plain JSON), so whoever finishes
a stale claim sends exactly what was meant.
"""

from __future__ import annotations

import dataclasses
import logging
import types
import typing
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot import messages as message_types
from bot.ports import UndeliverableError
from bot.services import Services
from storage.engine import session_scope
from storage.queries import compare_and_set, insert_if_absent
from storage.tables import OutboundMessage

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=2)
CHANNEL_PROBLEMS = {"not_in_channel", "is_archived", "channel_not_found"}


@dataclass
class Outbound:
    """One message to send once: to a channel (``channel``) or to a person's DM (``slack_id``)."""

    key: str
    message: Any
    locale: str
    channel: str | None = None
    slack_id: str | None = None
    thread_ts: str | None = None


@dataclass
class Sent:
    key: str
    ts: str | None
    failure: str | None


def claim(session: Session, item: Outbound, *, now: datetime) -> bool:
    """Claim ``item`` in the caller's transaction; False when it was claimed (or sent) before.

    Call it in the same transaction as the domain change that makes the
    message due (``escalated_at = now``...), so the two can't disagree.
    """
    values = {
        "key": item.key[:200],
        "channel_id": item.channel,
        "slack_id": item.slack_id,
        "thread_ts": item.thread_ts,
        "locale": item.locale,
        "payload": to_payload(item.message),
        "claimed_at": now,
        "sent_at": now,
    }
    return insert_if_absent(session, OutboundMessage, values) is not None


def send_claimed(services: Services, keys: list[str], *, now: datetime) -> list[Sent]:
    """Send claims this process just made (no lookup needed: nobody else could have sent them)."""
    return [_send(services, key, now=now, look_first=False) for key in keys]


def recover(services: Services, *, now: datetime) -> list[Sent]:
    """Finish claims older than the lease: look for the message in Slack, send only if it is absent."""
    with session_scope(services.engine) as session:
        stale = session.exec(
            select(OutboundMessage.key, OutboundMessage.claimed_at).where(
                col(OutboundMessage.ts).is_(None),
                col(OutboundMessage.failure).is_(None),
                col(OutboundMessage.claimed_at).is_not(None),
                col(OutboundMessage.claimed_at) < now - CLAIM_LEASE,
            )
        ).all()
    done = []
    for key, claimed_at in stale:
        with session_scope(services.engine) as session:
            # compare-and-set: only one replica takes over a stale claim
            taken = compare_and_set(
                session,
                OutboundMessage,
                [col(OutboundMessage.key) == key, col(OutboundMessage.claimed_at) == claimed_at],
                {"claimed_at": now},
            )
        if taken:
            done.append(_send(services, key, now=now, look_first=True, since=claimed_at))
    return done


def _send(services: Services, key: str, *, now: datetime, look_first: bool, since: datetime | None = None) -> Sent:
    with session_scope(services.engine) as session:
        row = session.get(OutboundMessage, key)
        if row is None or row.ts is not None:
            return Sent(key, row.ts if row else None, None)
        channel, slack_id, thread_ts, locale, payload = row.channel_id, row.slack_id, row.thread_ts, row.locale, row.payload
    marker = {"outbox": key}
    ts: str | None = None
    failure: str | None = None
    try:
        if channel is None and slack_id:
            channel = services.gateway.dm(slack_id)
            _update(services, key, channel_id=channel)
        if channel is None:
            failure = "channel_not_found"
        else:
            if look_first:
                ts = services.gateway.find_sent(channel, since=since or now, marker=marker, thread_ts=thread_ts)
            if ts is None:
                message = from_payload(payload)
                ts = services.gateway.send(channel, message, locale=locale, marker=marker, thread_ts=thread_ts)
    except UndeliverableError as exc:
        failure = exc.reason
        log.warning("%s could not be delivered: Slack says %s", key, exc.reason)
    except Exception:
        # an error we can't classify: leave the claim, recovery retries after the lease
        log.exception("sending %s failed; will retry", key)
        return Sent(key, None, None)
    _update(services, key, ts=ts, failure=failure, sent_at=now)
    return Sent(key, ts, failure)


def _update(services: Services, key: str, **values: Any) -> None:
    with session_scope(services.engine) as session:
        row = session.get(OutboundMessage, key)
        if row is not None:
            for name, value in values.items():
                setattr(row, name, value)


def sent_ts(session: Session, key: str) -> str | None:
    row = session.get(OutboundMessage, key)
    return row.ts if row else None


# -- messages as JSON -------------------------------------------------------------


def to_payload(message: Any) -> dict[str, Any]:
    """A message dataclass from bot.messages as plain JSON, with its type name."""
    return {"type": type(message).__name__, "data": dataclasses.asdict(message)}


def from_payload(payload: dict[str, Any]) -> Any:
    """The message dataclass back from ``to_payload``'s JSON (nested dataclasses included)."""
    cls = getattr(message_types, payload["type"])
    return _build(cls, payload["data"])


def _build(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        hints = typing.get_type_hints(kind, vars(message_types))
        fields = {f.name: _build(hints[f.name], value[f.name]) for f in dataclasses.fields(kind) if f.name in value}
        return kind(**fields)
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        return _build(options[0], value) if len(options) == 1 else value
    if origin is list:
        (inner,) = typing.get_args(kind) or (Any,)
        return [_build(inner, v) for v in value]
    if origin is tuple:
        return tuple(value)
    return value

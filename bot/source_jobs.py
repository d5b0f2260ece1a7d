"""A source system that has gone quiet: admins hear about it once per silence, not every minute.

The claim (an ``outbound_message`` row keyed by the source and its last
delivery) is committed before anything is sent, so two replicas or a restart
never report the same silence twice; a delivery starts a new key.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import col, select

from bot.messages import Notice
from bot.ports import Recipient, UndeliverableError
from bot.services import Services
from storage.engine import session_scope
from storage.queries import insert_if_absent
from storage.tables import OutboundMessage, Person, SourceSystem

log = logging.getLogger(__name__)
SILENT_AFTER = timedelta(days=14)


def report_silent_sources(services: Services, now: datetime) -> list[str]:
    """Names of the sources reported now (nothing delivered for two weeks, not reported for this silence yet)."""
    with session_scope(services.engine) as session:
        silent = []
        for source in session.exec(select(SourceSystem)).all():
            last = source.last_delivery_at or source.created_at
            if now - last < SILENT_AFTER:
                continue
            key = f"source-silent:{source.id}:{last.isoformat(timespec='seconds')}"
            if insert_if_absent(session, OutboundMessage, {"key": key, "sent_at": now}) is not None:
                silent.append((source.name, last.date().isoformat(), source.last_delivery_at is None))
        admins = [
            (Recipient(p.slack_id, p.dm_channel_id), p.locale)
            for p in session.exec(select(Person).where(col(Person.is_admin), col(Person.active))).all()
        ]
    for name, since, never in silent:
        notice = Notice("source_never" if never else "source_silent", {"source": name, "since": since})
        for admin, locale in admins:
            try:
                services.gateway.send(services.gateway.dm(admin), notice, locale=locale)
            except UndeliverableError as exc:
                log.warning("could not tell admin %s about source %s (%s)", admin.slack_id, name, exc.reason)
    return [name for name, _, _ in silent]

"""Scheduled 360 work: send invitations, the one reminder before closing, and release rounds at their close."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.feedback import (
    Invitation,
    close_cycles,
    due_reminders,
    min_raters,
    take_nomination_prompts,
    take_pending_invitations,
    take_releases,
)
from bot.messages import FeedbackInvite, FeedbackReleased, NominatePeers
from bot.ports import UndeliverableError
from bot.services import Services
from storage.engine import session_scope

log = logging.getLogger(__name__)


def send_invitations(services: Services, invitations: list[Invitation], *, reminder: bool = False) -> int:
    """DM each rater a button to the feedback modal. Rater identities are never logged."""
    sent = 0
    for invitation in invitations:
        message = FeedbackInvite(
            invitation.request_id,
            invitation.ratee_name,
            invitation.closes_at.date().isoformat() if invitation.closes_at else None,
            reminder,
            invitation.started_by,
            invitation.started_by_rater,
        )
        try:
            channel = services.gateway.dm(invitation.rater)
            services.gateway.send(channel, message, locale=invitation.rater.locale)
            sent += 1
        except UndeliverableError as exc:
            log.warning("a 360 invitation could not be delivered (%s)", exc.reason)
    return sent


def send_pending(services: Services, now: datetime) -> int:
    """Invitations not sent yet (a new cycle, confirmed nominees, or a send interrupted by a crash),
    and each new cycle's ratee is asked once to nominate peers."""
    with session_scope(services.engine) as session:
        pending = take_pending_invitations(session, now=now)
        prompts = [
            (ratee, NominatePeers(cycle.id or 0, cycle.closes_at.date().isoformat()))
            for ratee, cycle in take_nomination_prompts(session, now=now)
        ]
    for ratee, message in prompts:
        try:
            services.gateway.send(services.gateway.dm(ratee), message, locale=ratee.locale)
        except UndeliverableError as exc:
            log.warning("a nomination prompt could not be delivered (%s)", exc.reason)
    return send_invitations(services, pending)


def announce_releases(services: Services, now: datetime) -> int:
    """Tell each ratee their round closed: the result, or why nothing is shown. Claimed first, so told once."""
    with session_scope(services.engine) as session:
        releases = take_releases(session, now=now)
    told = 0
    for done in releases:
        ratee = done.ratee
        try:
            channel = services.gateway.dm(ratee)
            services.gateway.send(channel, FeedbackReleased(done.results, done.closed_by), locale=ratee.locale)
            told += 1
        except UndeliverableError as exc:
            log.warning("a 360 release could not be delivered (%s)", exc.reason)
    return told


def run(services: Services, now: datetime) -> tuple[int, int]:
    """(reminders sent, rounds released); called from every scheduler tick."""
    send_pending(services, now)
    with session_scope(services.engine) as session:
        reminders = due_reminders(session, now=now)
        closed = close_cycles(session, now=now, threshold=min_raters(services.settings.kpibot_feedback_min_raters))
    announce_releases(services, now)
    return send_invitations(services, reminders, reminder=True), len(closed)

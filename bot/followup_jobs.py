"""Scheduled follow-ups: escalate old blockers, ask about passed dates, remind about overdue action items.

Each is sent at most once: the domain mark (``escalated_at``, ``date_asked_at``,
``reminded_at``) and the outbox claim are written in one transaction before
anything goes to Slack; a crash between claim and send is finished by
``bot.outbox.recover`` on a later tick, which looks in Slack before sending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, or_, select

from bot.blocker_age import ESCALATE_AT_DAYS, blocker_age, may_be_due
from bot.followup import action_line, blocker_line, open_action_clause
from bot.messages import ActionDue, BlockerCheck, BlockerEscalation
from bot.outbox import Outbound, claim, recover, send_claimed
from bot.people import local_now, manager_of, morning_or_later
from bot.services import Services
from storage.engine import session_scope
from storage.tables import ActionItem, Blocker, Person


@dataclass
class FollowupReport:
    escalated: list[str] = field(default_factory=list)  # keys sent
    asked: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def run(services: Services, now: datetime) -> FollowupReport:
    """One pass; safe on every tick, on two replicas at once, and after a crash."""
    report = FollowupReport()
    for sent in recover(services, now=now):
        if sent.ts:
            report.recovered.append(sent.key)
    keys = claim_due(services, now)
    for sent in send_claimed(services, keys, now=now):
        if sent.failure:
            report.failed[sent.key] = sent.failure
        elif sent.ts:
            kind = sent.key.split(":", 1)[0]
            {"escalate": report.escalated, "blocker-date": report.asked, "action-due": report.reminded}[kind].append(sent.key)
    return report


def claim_due(services: Services, now: datetime) -> list[str]:
    """Mark and claim, in one transaction, every follow-up that is due; returns the claimed keys."""
    keys: list[str] = []
    reported_before, since_by = may_be_due(now)
    with session_scope(services.engine) as session:
        old = session.exec(
            select(Blocker, Person)
            .join(Person, col(Person.id) == Blocker.person_id)
            .where(
                col(Blocker.resolved_at).is_(None),
                col(Blocker.escalated_at).is_(None),
                or_(col(Blocker.reported_at) < reported_before, col(Blocker.since) <= since_by),
            )
            .order_by(col(Blocker.id))
        ).all()
        for blocker, owner in old:
            if blocker_age(blocker, owner, now) < ESCALATE_AT_DAYS:
                continue  # not two weeks old on the owner's calendar yet
            manager = manager_of(session, owner)
            if manager is not None and not morning_or_later(manager, now):
                continue  # due overnight: it goes out in the manager's morning
            blocker.escalated_at = now
            if manager is None:
                continue  # nobody above: nothing to escalate to
            item = Outbound(
                f"escalate:{blocker.id}",
                BlockerEscalation(blocker_line(blocker, owner, now)),
                manager.locale,
                channel=manager.dm_channel_id,
                slack_id=manager.slack_id,
            )
            if claim(session, item, now=now):
                keys.append(item.key)
        dated = session.exec(
            select(Blocker, Person)
            .join(Person, col(Person.id) == Blocker.person_id)
            .where(col(Blocker.resolved_at).is_(None), col(Blocker.date_asked_at).is_(None), col(Blocker.until).is_not(None))
        ).all()
        for blocker, owner in dated:
            if blocker.until is None or blocker.until >= local_now(owner, now).date() or not morning_or_later(owner, now):
                continue
            blocker.date_asked_at = now
            item = Outbound(
                f"blocker-date:{blocker.id}",
                BlockerCheck([blocker_line(blocker, owner, now)], "date_passed"),
                owner.locale,
                channel=owner.dm_channel_id,
                slack_id=owner.slack_id,
            )
            if claim(session, item, now=now):
                keys.append(item.key)
        due = session.exec(
            select(ActionItem, Person)
            .join(Person, col(Person.id) == ActionItem.person_id)
            .where(*open_action_clause(), col(ActionItem.reminded_at).is_(None), col(ActionItem.due).is_not(None))
        ).all()
        for action, owner in due:
            today = local_now(owner, now).date()
            if action.due is None or action.due >= today or not morning_or_later(owner, now):
                continue
            action.reminded_at = now
            item = Outbound(
                f"action-due:{action.id}",
                ActionDue(action_line(action, today)),
                owner.locale,
                channel=owner.dm_channel_id,
                slack_id=owner.slack_id,
            )
            if claim(session, item, now=now):
                keys.append(item.key)
    return keys

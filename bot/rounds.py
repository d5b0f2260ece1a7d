"""The weekly round: who is due a prompt, claiming, fan-out, reminders, snoozes and closing.

Every step is driven by the database and is idempotent. A check-in row is
*claimed* (INSERT ... ON CONFLICT DO NOTHING on person+week) and committed
before anything is sent, so two replicas or a restart can never prompt twice.
If the process dies between claim and send, the stale claim is recovered by
asking Slack whether the prompt went out (message metadata carries the
check-in id) and sending only if it did not.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlmodel import Session, col, select

from bot.checkin import OPEN, CheckinStatus, example_reply, lines_from, measurements_for, stored_values
from bot.feedback_jobs import run as feedback_jobs
from bot.followup import MAX_SHOWN, open_actions, open_blockers
from bot.followup_jobs import FollowupReport
from bot.followup_jobs import run as followup_jobs
from bot.kpi_state import KpiStatus
from bot.messages import CheckinPrompt, holiday_of
from bot.monthly_jobs import run as monthly_jobs
from bot.people import local_now
from bot.periods import week_start, week_start_of_key
from bot.ports import Recipient, UndeliverableError
from bot.review_jobs import run as review_jobs
from bot.schedule import Due, due_this_week, locale_for
from bot.services import Services
from bot.source_jobs import report_silent_sources
from bot.time_off import week_is_away
from storage.engine import session_scope
from storage.queries import compare_and_set, insert_if_absent, take_many
from storage.tables import Checkin, CheckinRound, Kpi, Person, Team

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=2)
# A prompt is sent from the scheduled moment until this long after it: a bot started on a
# Wednesday still asks about the week, but nobody gets last week's prompt on a Sunday night.
PROMPT_WINDOW = timedelta(days=4)
PROFILE_MAX_AGE = timedelta(days=7)
SEND_CHUNK = 200
NO_KPIS = "no active KPIs"


@dataclass
class TickReport:
    prompted: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    missed: list[str] = field(default_factory=list)
    away: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    profiles: int = 0
    feedback_reminders: int = 0
    feedback_closed: int = 0
    reviews: int = 0
    retros: int = 0
    evaluations: int = 0
    followups: FollowupReport = field(default_factory=FollowupReport)
    silent_sources: list[str] = field(default_factory=list)


def tick(services: Services, now: datetime | None = None, *, workers: int = 8) -> TickReport:
    """One scheduler pass. Safe to run every minute, twice at once, or after a crash."""
    now = now or services.clock()
    report = TickReport()
    refresh_profiles(services, now, report)
    recover_claims(services, now, report)
    claimed = claim_due(services, now, report)
    send_prompts(services, claimed, now, report, workers=workers)
    send_reminders(services, now, report)
    resend_snoozed(services, now, report)
    close_weeks(services, now, report)
    report.feedback_reminders, report.feedback_closed = feedback_jobs(services, now)
    report.reviews = review_jobs(services, now)
    report.retros, report.evaluations = monthly_jobs(services, now)
    report.followups = followup_jobs(services, now)
    report.silent_sources = report_silent_sources(services, now)
    return report


def refresh_profiles(services: Services, now: datetime, report: TickReport, *, limit: int = 50) -> None:
    """Keep timezones and locales fresh from users.info, a few per tick (user_change events do the rest)."""
    with session_scope(services.engine) as session:
        stale = session.exec(
            select(Person)
            .where(
                col(Person.active), (col(Person.tz_checked_at).is_(None)) | (col(Person.tz_checked_at) < now - PROFILE_MAX_AGE)
            )
            .order_by(col(Person.tz_checked_at).is_(None).desc(), col(Person.tz_checked_at))
            .limit(limit)
        ).all()
        for person in stale:
            try:
                profile = services.gateway.profile(person.slack_id)
            except Exception:  # Slack down: try again next tick, the rest of the tick goes on
                log.warning("users.info failed for %s; keeping the old timezone", person.slack_id, exc_info=True)
                break
            person.tz_checked_at = now
            if profile is None or profile.deleted:
                person.active = False
                log.info("%s is deactivated or unknown in Slack: no more prompts", person.slack_id)
                continue
            person.tz, person.locale = profile.tz, locale_for(person.language, profile.locale)
            report.profiles += 1


def claim_due(services: Services, now: datetime, report: TickReport) -> list[int]:
    """Insert a claimed check-in for everyone whose local prompt time has come; returns the new ids."""
    claimed: list[int] = []
    with session_scope(services.engine) as session:
        rows = session.exec(select(Person, Team).join(Team, col(Team.id) == Person.team_id).where(col(Person.active))).all()
        due: list[tuple[Person, Team, Due]] = []
        for person, team in rows:
            week = due_this_week(person, team, now)
            if week.moment is None:  # a holiday week: recorded as away from the planned moment on
                if week.planned <= now < week.planned + PROMPT_WINDOW:
                    due.append((person, team, week))
            elif week.moment <= now < week.moment + PROMPT_WINDOW:
                due.append((person, team, week))
        if not due:
            return claimed
        keys = {week.week for _, _, week in due}
        existing = set(session.exec(select(Checkin.person_id, Checkin.period_key).where(col(Checkin.period_key).in_(keys))).all())
        rounds: dict[tuple[int, str], int] = {}
        for person, team, week in due:
            key = week.week
            if (person.id, key) in existing:
                continue
            round_id = _round(session, rounds, team, key, now)
            local_day = local_now(person, now).date()
            # time off (a reply, the I'm away button or the pause in /kpi settings: one span) or a holiday week
            away = week.moment is None or week_is_away(
                person.away_from, person.away_until, week_monday=week_start(local_day), prompt_day=local_day
            )
            status = CheckinStatus.AWAY if away else CheckinStatus.CLAIMED
            values: dict[str, Any] = {
                "person_id": person.id,
                "period_key": key,
                "round_id": round_id,
                "status": status,
                "claimed_at": now,
                "due_at": now,
                "state": week.holiday_state,  # a holiday that skipped the week, or moved its prompt
            }
            checkin_id = insert_if_absent(session, Checkin, values)
            if checkin_id and away:
                report.away.append(person.slack_id)
            elif checkin_id:
                claimed.append(checkin_id)
    return claimed


def _round(session: Session, cache: dict[tuple[int, str], int], team: Team, key: str, now: datetime) -> int:
    ident = (team.id or 0, key)
    if ident not in cache:
        insert_if_absent(
            session,
            CheckinRound,
            {"team_id": team.id, "period_key": key, "week_start": week_start_of_key(key), "created_at": now},
        )
        cache[ident] = (
            session.exec(select(CheckinRound.id).where(CheckinRound.team_id == team.id, CheckinRound.period_key == key)).one()
            or 0
        )
    return cache[ident]


@dataclass
class _Outgoing:
    checkin_id: int
    person_id: int
    slack_id: str
    locale: str
    channel: str | None
    prompt: CheckinPrompt | None
    ts: str | None = None
    failure: str | None = None


def send_prompts(
    services: Services,
    checkin_ids: Iterable[int],
    now: datetime,
    report: TickReport,
    *,
    workers: int = 8,
    reminder: bool = False,
    claimed_at: datetime | None = None,
) -> None:
    """Fan prompts out in chunks: read in bulk, send in parallel, record in bulk.

    Before each chunk its claims are renewed (compare-and-set on claimed_at),
    so a long round is never mistaken for a crashed one by another replica,
    and a claim another replica took over is not sent here. One unreachable
    person never stops the others.
    """
    ids = list(checkin_ids)
    in_flight: list[Future[_Outgoing]] = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for start in range(0, len(ids), SEND_CHUNK):
            chunk = ids[start : start + SEND_CHUNK]
            if not reminder:
                chunk = _renew_claims(services, chunk, claimed_at or now)
            with session_scope(services.engine) as session:
                batch = prepare(session, chunk, now=now, reminder=reminder)
            # queue this chunk before waiting on the last, so the senders never idle between chunks
            queued = [pool.submit(_deliver, services, item, reminder) for item in batch]
            _finish(services, in_flight, now, report, reminder)
            in_flight = queued
        _finish(services, in_flight, now, report, reminder)


def _finish(services: Services, futures: list[Future[_Outgoing]], now: datetime, report: TickReport, reminder: bool) -> None:
    sent = [f.result() for f in futures]
    if not sent:
        return
    with session_scope(services.engine) as session:
        _record(session, sent, now=now, reminder=reminder)
    for item in sent:
        if item.ts:
            (report.reminded if reminder else report.prompted).append(item.slack_id)
        elif item.failure:
            report.skipped[item.slack_id] = item.failure


def _renew_claims(services: Services, ids: list[int], claimed_at: datetime) -> list[int]:
    if not ids:
        return []
    renewed = services.clock()
    with session_scope(services.engine) as session:
        rows = session.execute(
            update(Checkin)
            .where(col(Checkin.id).in_(ids), col(Checkin.status) == CheckinStatus.CLAIMED, col(Checkin.claimed_at) == claimed_at)
            .values(claimed_at=renewed)
            .returning(col(Checkin.id))
        ).all()
    owned = {row[0] for row in rows}
    return [i for i in ids if i in owned]


def prepare(session: Session, checkin_ids: list[int], *, now: datetime, reminder: bool = False) -> list[_Outgoing]:
    """Build every prompt of a chunk with a handful of queries, not a few per person."""
    if not checkin_ids:
        return []
    rows = session.exec(
        select(Checkin, Person).join(Person, col(Person.id) == Checkin.person_id).where(col(Checkin.id).in_(checkin_ids))
    ).all()
    person_ids = [p.id for _, p in rows if p.id is not None]
    kpis_by_person: dict[int, list[Kpi]] = {}
    for kpi in session.exec(
        select(Kpi)
        .where(col(Kpi.owner_id).in_(person_ids), Kpi.status == KpiStatus.ACTIVE)
        .order_by(col(Kpi.weight).desc(), col(Kpi.id))
    ).all():
        kpis_by_person.setdefault(kpi.owner_id, []).append(kpi)
    measurements = measurements_for(session, [k.id or 0 for ks in kpis_by_person.values() for k in ks])
    items_by_person = open_actions(session, person_ids=person_ids, today=now.date())
    blockers_by_person: dict[str, list[Any]] = {}
    for blocker in open_blockers(session, person_ids=person_ids, now=now):
        blockers_by_person.setdefault(blocker.owner_slack_id, []).append(blocker)
    batch = []
    for checkin, person in rows:
        today = local_now(person, now).date()
        kpis = [k for k in kpis_by_person.get(person.id or 0, []) if k.period_start <= today <= k.period_end]
        prompt = None
        if kpis:
            lines = lines_from(kpis, measurements, period_key=checkin.period_key)
            prompt = CheckinPrompt(
                checkin_id=checkin.id or 0,
                name=person.name,
                week=checkin.period_key,
                kpis=lines,
                example=example_reply(lines, person.locale),
                action_items=items_by_person.get(person.id or 0, [])[:MAX_SHOWN],
                blockers=blockers_by_person.get(person.slack_id, [])[:MAX_SHOWN],
                forbidden=list(dict.fromkeys(rule for k in kpis for rule in k.forbidden)),
                reminder=reminder,
                moved_by=holiday_of(checkin.state),
            )
        batch.append(_Outgoing(checkin.id or 0, person.id or 0, person.slack_id, person.locale, person.dm_channel_id, prompt))
    return batch


def _deliver(services: Services, item: _Outgoing, reminder: bool) -> _Outgoing:
    """Only Slack calls here: the worker threads never hold a database connection."""
    if item.prompt is None:
        item.failure = NO_KPIS
        return item
    try:
        item.channel = services.gateway.dm(Recipient(item.slack_id, item.channel), remember=False)  # _record stores it
        marker = {"checkin": item.checkin_id, "reminder": int(reminder)}
        item.ts = services.gateway.send(item.channel, item.prompt, locale=item.locale, marker=marker)
    except UndeliverableError as exc:
        log.warning("skipping %s: Slack says %s", item.slack_id, exc.reason)
        item.failure = exc.reason
    except Exception:
        # Slack errors we can't classify: leave the claim, recovery retries after the lease.
        log.exception("sending the prompt to %s failed; will retry", item.slack_id)
    return item


def _record(session: Session, sent: list[_Outgoing], *, now: datetime, reminder: bool) -> None:
    """Write a chunk's outcomes with executemany: one round-trip, not one per person."""
    table = Checkin.__table__  # type: ignore[attr-defined]
    people = Person.__table__  # type: ignore[attr-defined]
    delivered = [i for i in sent if i.ts]
    failed = [i for i in sent if i.failure]
    if delivered and not reminder:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("cid"))
            .values(status=CheckinStatus.PROMPTED, prompt_ts=bindparam("ts"), prompted_at=now, channel_id=bindparam("channel")),
            [{"cid": i.checkin_id, "ts": i.ts, "channel": i.channel} for i in delivered],
        )
    if failed and not reminder:
        session.execute(
            update(table).where(table.c.id == bindparam("cid")).values(status=bindparam("status"), failure=bindparam("reason")),
            [
                {
                    "cid": i.checkin_id,
                    "reason": i.failure,
                    "status": CheckinStatus.SKIPPED if i.failure == NO_KPIS else CheckinStatus.FAILED,
                }
                for i in failed
            ],
        )
    if delivered:
        session.execute(
            update(people).where(people.c.id == bindparam("pid")).values(dm_channel_id=bindparam("channel")),
            [{"pid": i.person_id, "channel": i.channel} for i in delivered],
        )


def recover_claims(services: Services, now: datetime, report: TickReport) -> None:
    """Claims older than the lease were interrupted: finish them without sending twice."""
    with session_scope(services.engine) as session:
        stale = session.exec(
            select(Checkin, Person)
            .join(Person, col(Person.id) == Checkin.person_id)
            .where(Checkin.status == CheckinStatus.CLAIMED, Checkin.claimed_at < now - CLAIM_LEASE)
        ).all()
        work = [(c.id, c.claimed_at, p.dm_channel_id, p.slack_id) for c, p in stale]
    retry: list[int] = []
    for checkin_id, claimed_at, channel, slack_id in work:
        with session_scope(services.engine) as session:
            # compare-and-set: only one replica takes over a stale claim
            taken = compare_and_set(
                session, Checkin, [col(Checkin.id) == checkin_id, col(Checkin.claimed_at) == claimed_at], {"claimed_at": now}
            )
        if not taken:
            continue
        ts = None
        if channel:
            try:
                ts = services.gateway.find_sent(channel, since=claimed_at, marker={"checkin": checkin_id, "reminder": 0})
            except Exception:
                log.warning("could not look for an earlier prompt to %s; will retry", slack_id, exc_info=True)
                continue
        if ts:
            with session_scope(services.engine) as session:
                row = session.get(Checkin, checkin_id)
                if row is not None:
                    row.status, row.prompt_ts, row.prompted_at, row.channel_id = CheckinStatus.PROMPTED, ts, now, channel
            report.recovered.append(slack_id)
        else:
            retry.append(checkin_id or 0)
    send_prompts(services, retry, now, report, claimed_at=now)


def send_reminders(services: Services, now: datetime, report: TickReport) -> None:
    """One reminder, after the team's reminder delay, to those who have not answered."""
    with session_scope(services.engine) as session:
        rows = session.exec(
            select(
                Checkin.id,
                Checkin.prompted_at,
                func.coalesce(Person.reminder_after_hours, Team.default_reminder_hours, Team.reminder_after_hours),
            )
            .join(Person, col(Person.id) == Checkin.person_id)
            .join(Team, col(Team.id) == Person.team_id)
            .where(
                Checkin.status == CheckinStatus.PROMPTED,
                col(Checkin.reminded_at).is_(None),
                col(Checkin.prompted_at).is_not(None),
            )
        ).all()
    due = [cid for cid, prompted_at, hours in rows if prompted_at and now >= prompted_at + timedelta(hours=hours)]
    with session_scope(services.engine) as session:
        # at most once: marked before sending, so a crash loses a reminder rather than doubling it
        taken = take_many(
            session,
            Checkin,
            due,
            [col(Checkin.reminded_at).is_(None), Checkin.status == CheckinStatus.PROMPTED],
            {"reminded_at": now, "status": CheckinStatus.REMINDED},
        )
    send_prompts(services, taken, now, report, reminder=True)


def resend_snoozed(services: Services, now: datetime, report: TickReport) -> None:
    with session_scope(services.engine) as session:
        ids = session.exec(
            select(Checkin.id).where(Checkin.status == CheckinStatus.SNOOZED, col(Checkin.snoozed_until) <= now)
        ).all()
    with session_scope(services.engine) as session:
        taken = take_many(
            session,
            Checkin,
            list(ids),
            [Checkin.status == CheckinStatus.SNOOZED],
            {"status": CheckinStatus.CLAIMED, "claimed_at": now},
        )
    send_prompts(services, taken, now, report, claimed_at=now)


def close_weeks(services: Services, now: datetime, report: TickReport) -> None:
    """At the end of a person's week, an unanswered check-in is recorded as missed."""
    with session_scope(services.engine) as session:
        rows = session.exec(
            select(Checkin, Person).join(Person, col(Person.id) == Checkin.person_id).where(col(Checkin.status).in_(OPEN))
        ).all()
        for checkin, person in rows:
            week_end = week_start_of_key(checkin.period_key) + timedelta(days=7)
            if local_now(person, now).date() >= week_end:
                if stored_values(session, checkin=checkin):
                    checkin.status = CheckinStatus.STORED  # answered in part: what was given counts
                else:
                    checkin.status = CheckinStatus.MISSED
                    report.missed.append(person.slack_id)

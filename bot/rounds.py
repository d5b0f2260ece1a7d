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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlmodel import Session, col, select

from bot.checkin import example_reply, kpi_lines, open_action_items, stored_values
from bot.messages import CheckinPrompt
from bot.people import current_kpis, local_now, zone
from bot.periods import week_key, week_start, week_start_of_key
from bot.ports import UndeliverableError
from bot.services import Services
from storage.engine import session_scope
from storage.queries import compare_and_set, insert_if_absent
from storage.tables import Checkin, CheckinRound, Person, Team

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=2)
# A prompt is sent from the scheduled moment until this long after it: a bot started on a
# Wednesday still asks about the week, but nobody gets last week's prompt on a Sunday night.
PROMPT_WINDOW = timedelta(days=4)
PROFILE_MAX_AGE = timedelta(days=7)
OPEN = ("prompted", "reminded", "answering", "snoozed")


@dataclass
class TickReport:
    prompted: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    missed: list[str] = field(default_factory=list)
    away: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    profiles: int = 0


def scheduled_at(team: Team, person: Person, now: datetime) -> tuple[str, datetime]:
    """This week's prompt time for ``person``: the team's weekday and time on their own clock."""
    local = local_now(person, now)
    hour, minute = (int(x) for x in team.checkin_time.split(":"))
    day = week_start(local.date()) + timedelta(days=team.checkin_weekday)
    moment = datetime.combine(day, time(hour, minute), tzinfo=zone(person))
    return week_key(local.date()), moment


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
            person.tz, person.locale = profile.tz, profile.locale
            report.profiles += 1


def claim_due(services: Services, now: datetime, report: TickReport) -> list[int]:
    """Insert a claimed check-in for everyone whose local prompt time has come; returns the new ids."""
    claimed: list[int] = []
    with session_scope(services.engine) as session:
        rows = session.exec(select(Person, Team).join(Team, col(Team.id) == Person.team_id).where(col(Person.active))).all()
        due: list[tuple[Person, Team, str]] = []
        for person, team in rows:
            key, moment = scheduled_at(team, person, now)
            if moment <= now < moment + PROMPT_WINDOW:
                due.append((person, team, key))
        if not due:
            return claimed
        keys = {key for _, _, key in due}
        existing = set(session.exec(select(Checkin.person_id, Checkin.period_key).where(col(Checkin.period_key).in_(keys))).all())
        rounds: dict[tuple[int, str], int] = {}
        for person, team, key in due:
            if (person.id, key) in existing:
                continue
            round_id = _round(session, rounds, team, key, now)
            local_day = local_now(person, now).date()
            away = person.away_until is not None and person.away_until >= local_day
            status = "away" if away else "claimed"
            if insert_if_absent(
                session,
                Checkin,
                {
                    "person_id": person.id,
                    "period_key": key,
                    "round_id": round_id,
                    "status": status,
                    "claimed_at": now,
                    "due_at": now,
                    "state": {},
                },
            ):
                if away:
                    report.away.append(person.slack_id)
                else:
                    claimed.append(_checkin_id(session, person.id or 0, key))
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


def _checkin_id(session: Session, person_id: int, key: str) -> int:
    return session.exec(select(Checkin.id).where(Checkin.person_id == person_id, Checkin.period_key == key)).one() or 0


def send_prompts(services: Services, checkin_ids: Iterable[int], now: datetime, report: TickReport, *, workers: int = 8) -> None:
    """Fan the prompts out in parallel; one unreachable person never stops the others."""
    ids = list(checkin_ids)
    if not ids:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(ids)))) as pool:
        for slack_id, outcome in pool.map(lambda cid: _send_one(services, cid, now), ids):
            if outcome == "prompted":
                report.prompted.append(slack_id)
            elif outcome:
                report.skipped[slack_id] = outcome


def _send_one(services: Services, checkin_id: int, now: datetime, *, reminder: bool = False) -> tuple[str, str]:
    with session_scope(services.engine) as session:
        checkin = session.get(Checkin, checkin_id)
        person = session.get(Person, checkin.person_id) if checkin else None
        if checkin is None or person is None:
            return "", ""
        prompt = build_prompt(session, person=person, checkin=checkin, now=now, reminder=reminder)
        channel = person.dm_channel_id
    if prompt is None:
        with session_scope(services.engine) as session:
            _set_status(session, checkin_id, "skipped", failure="no active KPIs")
        return person.slack_id, "no active KPIs"
    try:
        if channel is None:
            channel = services.gateway.open_dm(person.slack_id)
        ts = services.gateway.send(
            channel, prompt, locale=person.locale, marker={"checkin": checkin_id, "reminder": int(reminder)}
        )
    except UndeliverableError as exc:
        log.warning("skipping %s: Slack says %s", person.slack_id, exc.reason)
        with session_scope(services.engine) as session:
            _set_status(session, checkin_id, "failed", failure=exc.reason)
        return person.slack_id, exc.reason
    except Exception:
        # Slack errors we can't classify: leave the claim, recovery retries after the lease.
        log.exception("sending the prompt to %s failed; will retry", person.slack_id)
        return person.slack_id, "error, will retry"
    with session_scope(services.engine) as session:
        row = session.get(Checkin, checkin_id)
        stored = session.get(Person, person.id)
        if row is None or stored is None:
            return person.slack_id, ""
        stored.dm_channel_id = channel
        row.channel_id = channel
        if reminder:
            row.reminded_at = now
        else:
            row.prompt_ts, row.prompted_at = ts, now
            if row.status in {"claimed", "snoozed"}:
                row.status = "prompted"
    return person.slack_id, "reminded" if reminder else "prompted"


def _set_status(session: Session, checkin_id: int, status: str, *, failure: str | None = None) -> None:
    row = session.get(Checkin, checkin_id)
    if row is not None:
        row.status, row.failure = status, failure


def build_prompt(
    session: Session, *, person: Person, checkin: Checkin, now: datetime, reminder: bool = False
) -> CheckinPrompt | None:
    """The prompt's content: KPIs with target, progress and pace, an example, open action items."""
    today = local_now(person, now).date()
    kpis = current_kpis(session, person_id=person.id or 0, day=today)
    if not kpis:
        return None
    lines = kpi_lines(session, kpis, period_key=checkin.period_key, today=today)
    return CheckinPrompt(
        checkin_id=checkin.id or 0,
        name=person.name,
        week=checkin.period_key,
        kpis=lines,
        example=example_reply(lines, person.locale),
        action_items=[item.next_step for item in open_action_items(session, person_id=person.id or 0)],
        reminder=reminder,
    )


def recover_claims(services: Services, now: datetime, report: TickReport) -> None:
    """Claims older than the lease were interrupted: finish them without sending twice."""
    with session_scope(services.engine) as session:
        stale = session.exec(
            select(Checkin, Person)
            .join(Person, col(Person.id) == Checkin.person_id)
            .where(Checkin.status == "claimed", Checkin.claimed_at < now - CLAIM_LEASE)
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
                    row.status, row.prompt_ts, row.prompted_at, row.channel_id = "prompted", ts, now, channel
            report.recovered.append(slack_id)
        else:
            retry.append(checkin_id or 0)
    send_prompts(services, retry, now, report)


def send_reminders(services: Services, now: datetime, report: TickReport) -> None:
    """One reminder, after the team's reminder delay, to those who have not answered."""
    with session_scope(services.engine) as session:
        rows = session.exec(
            select(Checkin.id, Checkin.prompted_at, Team.reminder_after_hours)
            .join(Person, col(Person.id) == Checkin.person_id)
            .join(Team, col(Team.id) == Person.team_id)
            .where(Checkin.status == "prompted", col(Checkin.reminded_at).is_(None), col(Checkin.prompted_at).is_not(None))
        ).all()
    due = [cid for cid, prompted_at, hours in rows if prompted_at and now >= prompted_at + timedelta(hours=hours)]
    for checkin_id in due:
        with session_scope(services.engine) as session:
            taken = compare_and_set(
                session,
                Checkin,
                [col(Checkin.id) == checkin_id, col(Checkin.reminded_at).is_(None), Checkin.status == "prompted"],
                {"reminded_at": now, "status": "reminded"},
            )
        if taken:
            slack_id, outcome = _send_one(services, checkin_id or 0, now, reminder=True)
            if outcome == "reminded":
                report.reminded.append(slack_id)


def resend_snoozed(services: Services, now: datetime, report: TickReport) -> None:
    with session_scope(services.engine) as session:
        ids = session.exec(select(Checkin.id).where(Checkin.status == "snoozed", col(Checkin.snoozed_until) <= now)).all()
    for checkin_id in ids:
        with session_scope(services.engine) as session:
            taken = compare_and_set(
                session,
                Checkin,
                [col(Checkin.id) == checkin_id, Checkin.status == "snoozed"],
                {"status": "claimed", "claimed_at": now},
            )
        if taken:
            send_prompts(services, [checkin_id or 0], now, report)


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
                    checkin.status = "stored"  # answered in part: what was given counts
                else:
                    checkin.status = "missed"
                    report.missed.append(person.slack_id)

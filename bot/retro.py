"""The monthly retro: team figures in the channel, one follow-up per person, answers in the post's thread.

On each team's retro day (the manager's local date) the month that just ended
is reviewed, once per team and month (the Retro row is the claim):

- the channel gets team-level figures only, in the team's language: check-in
  rate, KPI status counts, last month's action items (done / open / overdue /
  dropped), blockers by root cause with their median resolution time, and which
  KPIs improved or slipped against the month before (KPI names, never people);
- each person with a KPI that missed or is at risk (``bot.kpi_state``'s status
  at the month end, through ``kpi_progress``) gets ONE DM listing all of them,
  answered in ONE modal; the answers become action items and are posted in the
  thread of the retro post.

Everything is claimed in one transaction (Retro, RetroAsk rows, outbox claims)
and sent afterwards through ``bot.outbox``, so a crash or a second replica
never posts twice, and a crash between claim and send is finished later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import median

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.blocker_age import blocker_age
from bot.checkin import ANSWERED, CheckinStatus
from bot.followup import MAX_SHOWN
from bot.gaming_watch import watch_questions
from bot.kpi_state import Status
from bot.messages import ChannelProblem, RetroAnswer, RetroAnswers, RetroAskMessage, RetroKpi, RetroPost
from bot.outbox import Outbound, claim, sent_ts
from bot.people import MORNING_HOUR, local_now, manager_of
from bot.periods import week_key
from bot.team_view import KpiProgress, kpi_progress
from storage.queries import insert_if_absent
from storage.tables import ActionItem, Blocker, Checkin, Person, Retro, RetroAsk, Team

MISSED = (Status.BEHIND, Status.AT_RISK)
RANK = {Status.BEHIND: 0, Status.AT_RISK: 1, Status.ON_TRACK: 2}
CAUSES = ("resources", "process", "capability", "other")


def previous_month(day: date) -> tuple[str, date, date]:
    first_this = day.replace(day=1)
    last = first_this - timedelta(days=1)
    return f"{last:%Y-%m}", last.replace(day=1), last


def team_locale(team: Team) -> str:
    """The language of the team's channel posts (organisation file ``locale``), English by default."""
    return team.locale or "en-US"


def post_key(retro_id: int) -> str:
    return f"retro:{retro_id}"


def claim_due_retros(session: Session, *, now: datetime) -> list[str]:
    """Claim every retro whose day has come (post and follow-ups); returns the outbox keys to send."""
    keys: list[str] = []
    recent = {previous_month((now + timedelta(days=d)).date())[0] for d in (-1, 0, 1)}
    done = set(session.exec(select(Retro.team_id, Retro.month).where(col(Retro.month).in_(recent))).all())
    # one query for every team and its manager: this runs on every scheduler tick
    for team, manager in session.exec(select(Team, Person).join(Person, col(Person.id) == Team.manager_id)).all():
        local = local_now(manager, now)
        today = local.date()
        month, first, last = previous_month(today)
        if today.day < team.retro_day or (team.id, month) in done or local.hour < MORNING_HOUR:
            continue  # a read, not a write, on every tick of the month; on the day, from the manager's morning
        retro_id = insert_if_absent(
            session, Retro, {"team_id": team.id, "month": month, "channel_id": team.channel_id, "summary": {}, "created_at": now}
        )
        if not retro_id:
            continue
        keys.extend(_claim_retro(session, team, manager, month, first, last, retro_id, now))
    return keys


def _claim_retro(
    session: Session, team: Team, manager: Person, month: str, first: date, last: date, retro_id: int, now: datetime
) -> list[str]:
    members = list(session.exec(select(Person).where(Person.team_id == team.id, col(Person.active))).all())
    ids = [p.id for p in members if p.id is not None]
    progress = kpi_progress(session, team_id=team.id, day=last)  # at the end of the reporting week holding the month end
    if not progress and not ids:
        return []
    post = _post(session, team, month, first, last, ids, progress)
    if post.checkin_rate is None and not post.status_counts:
        return []  # nothing happened that month (a new team, or one without KPIs): no empty post
    row = session.get(Retro, retro_id)
    assert row is not None  # just inserted
    row.summary = {"month": month, "asked": post.missed_kpis}
    keys: list[str] = []
    by_id = {p.id: p for p in members}
    missed: dict[int, list[RetroKpi]] = {}
    for owner, p in progress:
        if p.state.status in MISSED and owner in by_id:
            missed.setdefault(owner, []).append(
                RetroKpi(
                    p.kpi_id,
                    p.name,
                    str(p.state.status),
                    p.names,
                    p.unit,
                    p.state.so_far,
                    p.state.on_pace,
                    p.state.moment.isoformat(),
                )
            )
    post.missed_kpis = sum(len(v) for v in missed.values())
    # the gaming watch (issue 13): its questions go to the manager privately, never to the channel
    for n, question in enumerate(
        watch_questions(session, team_id=team.id, month=month, first=first, last=last) if team.id else []
    ):
        watch = Outbound(
            f"retro-watch:{retro_id}:{n}", question, manager.locale, channel=manager.dm_channel_id, slack_id=manager.slack_id
        )
        if claim(session, watch, now=now):
            keys.append(watch.key)
    if team.channel_id:
        item = Outbound(post_key(retro_id), post, team_locale(team), channel=team.channel_id)
        if claim(session, item, now=now):
            keys.append(item.key)
    for person_id, kpis in missed.items():
        person = by_id[person_id]
        ask_id = insert_if_absent(
            session,
            RetroAsk,
            {"retro_id": retro_id, "person_id": person_id, "kpis": [k.__dict__ for k in kpis], "created_at": now},
        )
        if not ask_id:
            continue
        ask = Outbound(
            f"retro-ask:{ask_id}",
            RetroAskMessage(ask_id, team.name, month, kpis),
            person.locale,
            channel=person.dm_channel_id,
            slack_id=person.slack_id,
        )
        if claim(session, ask, now=now):
            keys.append(ask.key)
    return keys


def _post(
    session: Session, team: Team, month: str, first: date, last: date, ids: list[int], progress: list[tuple[int, KpiProgress]]
) -> RetroPost:
    start, end = _start(first), _start(last + timedelta(days=1))
    weeks = [week_key(first + timedelta(days=d)) for d in range(0, (last - first).days + 1, 7)] + [week_key(last)]
    states = (
        session.exec(select(Checkin.status).where(col(Checkin.person_id).in_(ids), col(Checkin.period_key).in_(weeks))).all()
        if ids
        else []
    )
    answered = sum(1 for s in states if s in (*ANSWERED, CheckinStatus.ANSWERING))
    counted = sum(1 for s in states if s not in {CheckinStatus.AWAY, CheckinStatus.SKIPPED})
    counts: dict[str, int] = {}
    for _, p in progress:
        status = str(p.state.status)
        counts[status] = counts.get(status, 0) + 1
    raised = (
        dict(
            session.exec(
                select(Blocker.category, func.count(col(Blocker.id)))
                .where(col(Blocker.person_id).in_(ids), Blocker.reported_at >= start, Blocker.reported_at < end)
                .group_by(col(Blocker.category))
            ).all()
        )
        if ids
        else {}
    )
    resolved = (
        session.exec(
            select(Blocker, Person)
            .join(Person, col(Person.id) == Blocker.person_id)
            .where(col(Blocker.person_id).in_(ids), col(Blocker.resolved_at) >= start, col(Blocker.resolved_at) < end)
        ).all()
        if ids
        else []
    )
    spans: dict[str, list[float]] = {}
    for blocker, owner in resolved:  # time to resolve: the blocker's age (bot.blocker_age) on the day it was resolved
        if blocker.resolved_at is not None:
            spans.setdefault(blocker.category, []).append(blocker_age(blocker, owner, blocker.resolved_at))
    items = (
        session.exec(
            select(ActionItem).where(
                col(ActionItem.person_id).in_(ids),
                col(ActionItem.created_at) < end,
                (col(ActionItem.done_at).is_(None)) | (col(ActionItem.done_at) >= start),
                (col(ActionItem.dropped_at).is_(None)) | (col(ActionItem.dropped_at) >= start),
            )
        ).all()
        if ids
        else []
    )
    done = sum(1 for i in items if i.done_at and start <= _aware(i.done_at) < end)
    dropped = sum(1 for i in items if i.dropped_at and start <= _aware(i.dropped_at) < end)
    still_open = [
        i for i in items if not (i.done_at and _aware(i.done_at) < end) and not (i.dropped_at and _aware(i.dropped_at) < end)
    ]
    overdue = sum(1 for i in still_open if i.due is not None and i.due <= last)
    improved, slipped = _movement(session, team, first, progress)
    names = {p.name: dict(p.names) for _, p in progress if p.names and p.name in {*improved, *slipped}}
    return RetroPost(
        team.name,
        month,
        answered / counted if counted else None,
        counts,
        raised,
        done,
        len(still_open),
        0,
        actions_overdue=overdue,
        actions_dropped=dropped,
        resolution_days={c: round(median(v), 1) for c, v in spans.items()},
        improved=improved,
        slipped=slipped,
        watch=[],  # issue 13 (gaming watch) fills this: KPI names that improved while a watched KPI worsened
        names=names,  # kept as data: the renderer names each KPI in the channel's language
    )


def _movement(session: Session, team: Team, first: date, progress: list[tuple[int, KpiProgress]]) -> tuple[list[str], list[str]]:
    """KPIs whose status at this month's end is better (or worse) than at the previous month's end."""
    before = {p.kpi_id: p.state.status for _, p in kpi_progress(session, team_id=team.id, day=first - timedelta(days=1))}
    improved: list[str] = []
    slipped: list[str] = []
    for _, p in progress:
        was, now = before.get(p.kpi_id), p.state.status
        if was not in RANK or now not in RANK:
            continue
        name = p.name  # the plain name: the post carries the names per language (RetroPost.names)
        if RANK[now] > RANK[was] and name not in improved:
            improved.append(name)
        elif RANK[now] < RANK[was] and name not in slipped:
            slipped.append(name)
    return improved[: MAX_SHOWN * 2], slipped[: MAX_SHOWN * 2]


def channel_problem(session: Session, *, retro_id: int, reason: str, now: datetime) -> str | None:
    """The retro could not be posted: claim one note to the manager saying how to fix it (once per channel and reason)."""
    row = session.get(Retro, retro_id)
    team = session.get(Team, row.team_id) if row else None
    manager = session.get(Person, team.manager_id) if team and team.manager_id else None
    if row is None or team is None or manager is None:
        return None
    item = Outbound(
        f"channel:{team.id}:{row.channel_id}:{reason}",
        ChannelProblem(team.name, row.channel_id or "", reason, "retro"),
        manager.locale,
        channel=manager.dm_channel_id,
        slack_id=manager.slack_id,
    )
    return item.key if claim(session, item, now=now) else None


def record_post(session: Session, *, retro_id: int, ts: str, now: datetime) -> None:
    row = session.get(Retro, retro_id)
    if row is not None and row.ts is None:
        row.ts, row.posted_at = ts, now


# -- the follow-up modal's answers ----------------------------------------------------


@dataclass
class AnswerInput:
    """One KPI's answer as typed in the modal (the surface reads the form, the domain checks it)."""

    kpi_id: int
    cause: str
    change: str
    owner_slack_id: str
    due_text: str


@dataclass
class AnswerOutcome:
    errors: dict[str, str]  # "<kpi_id>:<field>" -> message id; empty when stored
    key: str | None = None  # the thread post to send


def ask_for(session: Session, *, ask_id: int, person: Person) -> RetroAsk | None:
    """The follow-up only its addressee may answer."""
    ask = session.get(RetroAsk, ask_id)
    return ask if ask is not None and ask.person_id == person.id else None


def store_answers(
    session: Session, *, ask: RetroAsk, person: Person, answers: list[AnswerInput], now: datetime, read_due: object
) -> AnswerOutcome:
    """Check every answer, then store them all as action items, or nothing.

    ``read_due(text) -> date | None`` reads the due date in the person's words
    (English or Chinese) on their clock.
    """
    if ask.answered_at is not None:
        return AnswerOutcome({"*": "retro_already"})
    asked = {int(k["kpi_id"]): k for k in ask.kpis}
    today = local_now(person, now).date()
    errors: dict[str, str] = {}
    rows: list[tuple[AnswerInput, Person, date]] = []
    given = {a.kpi_id: a for a in answers}
    for kpi_id in asked:
        answer = given.get(kpi_id)
        if answer is None or answer.cause not in CAUSES:
            errors[f"{kpi_id}:cause"] = "retro_need_cause"
            continue
        if not answer.change.strip():
            errors[f"{kpi_id}:change"] = "retro_need_change"
        owner = session.exec(select(Person).where(Person.slack_id == answer.owner_slack_id, col(Person.active))).first()
        if owner is None:
            errors[f"{kpi_id}:owner"] = "retro_bad_owner"
        due = read_due(answer.due_text) if answer.due_text.strip() else None  # type: ignore[operator]
        if due is None:
            errors[f"{kpi_id}:due"] = "retro_bad_due"
        elif due < today:
            errors[f"{kpi_id}:due"] = "retro_past_due"
        if owner is not None and due is not None and not errors.get(f"{kpi_id}:change"):
            rows.append((answer, owner, due))
    if errors:
        return AnswerOutcome(errors)
    retro = session.get(Retro, ask.retro_id)
    team = session.get(Team, retro.team_id) if retro else None
    lines = []
    for answer, owner, due in rows:
        session.add(
            ActionItem(
                person_id=owner.id or 0,
                kpi_id=answer.kpi_id,
                origin="retro",
                root_cause=answer.cause,
                next_step=answer.change.strip()[:1000],
                due=due,
                created_at=now,
                retro_id=ask.retro_id,
                raised_by_id=person.id,
            )
        )
        lines.append(
            RetroAnswer(
                str(asked[answer.kpi_id]["name"]),
                answer.cause,
                answer.change.strip(),
                owner.slack_id,
                due.isoformat(),
                RetroKpi.stored(asked[answer.kpi_id]).names,  # the thread reads the team's language, as the post does
            )
        )
    ask.answered_at = now
    session.add(ask)
    if retro is None or team is None:
        return AnswerOutcome({})
    thread = sent_ts(session, post_key(retro.id or 0)) or retro.ts
    message = RetroAnswers(person.slack_id, lines)
    if thread and retro.channel_id:
        item = Outbound(f"retro-answer:{ask.id}", message, team_locale(team), channel=retro.channel_id, thread_ts=thread)
    else:  # the post never made it to the channel: the answers go to the manager instead of nowhere
        manager = manager_of(session, person)
        if manager is None:
            return AnswerOutcome({})
        item = Outbound(
            f"retro-answer:{ask.id}", message, manager.locale, channel=manager.dm_channel_id, slack_id=manager.slack_id
        )
    return AnswerOutcome({}, item.key if claim(session, item, now=now) else None)


def _start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

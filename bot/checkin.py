"""The check-in conversation: read a reply, store what is certain, ask about the rest, confirm.

Entry points take a session and plain values and return the messages to send;
the caller commits, then sends, so nothing is announced that was not stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot import i18n
from bot.aliases import aliases_by_name, remember
from bot.blocker_words import read_closings
from bot.formats import format_value, nice
from bot.kpi_state import KpiSpec, in_period, state_for_week
from bot.messages import AliasLearned, BlockerLine, Confirmation, KpiLine, Notice, QuestionMessage
from bot.names import local_name
from bot.people import current_kpis, local_now
from bot.periods import week_key, week_start_of_key
from bot.reply_parser import KpiRef, Question, Reading, parse_reply
from bot.time_off import date_order_for, week_is_away
from storage.queries import admin_ids, insert_if_absent
from storage.tables import ActionItem, Blocker, Checkin, Kpi, Measurement, Person
from storage.types import utc_now


class CheckinStatus(StrEnum):
    """``Checkin.status``: where a person's week stands, from the claim to the answer (or why there is none)."""

    CLAIMED = "claimed"  # a round took it; the prompt is being sent
    PROMPTED = "prompted"
    REMINDED = "reminded"
    ANSWERING = "answering"  # a reply came, some KPIs are still asked
    SNOOZED = "snoozed"
    STORED = "stored"  # values stored, waiting for "looks right"
    CONFIRMED = "confirmed"
    SKIPPED = "skipped"  # the person skipped the week (or had no KPIs)
    AWAY = "away"
    MISSED = "missed"
    FAILED = "failed"  # Slack could not deliver the prompt


OPEN = (CheckinStatus.PROMPTED, CheckinStatus.REMINDED, CheckinStatus.ANSWERING, CheckinStatus.SNOOZED)
ANSWERED = (CheckinStatus.STORED, CheckinStatus.CONFIRMED)
CHUNK = 900  # ids per IN (...) list, well under every backend's bind-parameter limit
YES = re.compile(
    r"^\s*(yes|y|yep|yeah|correct|right|ok|okay|confirm|对|是|是的|没错|确认|正确|好)\s*[.!。！]?\s*$", re.IGNORECASE
)
NO = re.compile(r"^\s*(no|n|nope|wrong|不|不是|不对|错了)\s*[.!。！]?\s*$", re.IGNORECASE)
SKIP = re.compile(r"^\s*(skip|skip this week|pass|跳过|本周跳过|这周跳过)\s*[.!。！]?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Turn:
    """Which answer of a check-in's conversation a message is: sent only while it is still the newest."""

    checkin_id: int
    turn: int


@dataclass
class Outgoing:
    """A message to send once the transaction has committed."""

    message: Any
    locale: str
    to_user: str | None = None  # None: answer in the conversation; else a DM to this person
    # the conversation's answer (a question or "Here is what I stored"): a later message's answer supersedes it
    turn: Turn | None = None


def hold_checkin(session: Session, checkin: Checkin) -> None:
    """Take ``checkin``'s row for this transaction and reload it: call before reading its conversation state.

    Two quick replies are handled in parallel threads. The write takes the
    row's lock (PostgreSQL; SQLite has one writer at a time, and a read there
    is only consistent once the transaction writes), so the second reply waits
    for the first to commit, then reads the questions the first left instead
    of overwriting them with what it read before.
    """
    session.execute(update(Checkin).where(col(Checkin.id) == checkin.id).values(turn=col(Checkin.turn)))
    session.refresh(checkin)


def next_turn(checkin: Checkin) -> Turn:
    """The answer being made now supersedes any earlier one still on its way (``hold_checkin`` first).

    Only messages that change what the conversation says take a turn: a reply
    that only closes a blocker, or mentions time off later, leaves an open question open.
    """
    assert checkin.id is not None
    checkin.turn = (checkin.turn or 0) + 1
    return Turn(checkin.id, checkin.turn)


def answer_is_current(session: Session, turn: Turn) -> bool:
    """Compare-and-set at delivery time: True once, and only while no later message has been applied.

    A question the next reply already answered, or a confirmation a newer one
    replaced, is not sent: that later message's answer tells the whole story.
    """
    won = session.execute(
        update(Checkin)
        .where(col(Checkin.id) == turn.checkin_id, col(Checkin.turn) == turn.turn, col(Checkin.answered_turn) < turn.turn)
        .values(answered_turn=turn.turn)
        .returning(col(Checkin.id))
    ).first()
    return won is not None


def slack_time(ts: str | None) -> float | None:
    """A Slack message ts as a number (its order in the conversation); None for what is not one (a button's key)."""
    try:
        return float(ts) if ts else None
    except ValueError:
        return None


def unknown_person(session: Session, *, locale: str) -> Outgoing:
    """The friendly answer for someone the organisation file does not know."""
    admins = admin_ids(session)
    who = i18n.join((f"<@{a}>" for a in admins), locale) if admins else i18n.t("no_admins", locale)
    return Outgoing(Notice("unknown_person", {"admins": who}), locale)


def open_checkin(session: Session, *, person: Person, now: datetime) -> Checkin:
    """The check-in a reply belongs to: the newest still-open one, else this week's (created if needed)."""
    assert person.id is not None
    latest = session.exec(
        select(Checkin).where(Checkin.person_id == person.id).order_by(col(Checkin.period_key).desc()).limit(1)
    ).first()
    key = week_key(local_now(person, now).date())
    if latest is not None and (latest.period_key == key or latest.status in OPEN):
        return latest
    insert_if_absent(
        session,
        Checkin,
        {"person_id": person.id, "period_key": key, "status": CheckinStatus.ANSWERING, "claimed_at": now, "state": {}},
    )
    checkin = session.exec(select(Checkin).where(Checkin.person_id == person.id, Checkin.period_key == key)).one()
    return checkin


def asked(kpis: list[Kpi]) -> list[Kpi]:
    """The KPIs a check-in asks for: not those a source system delivers."""
    return [k for k in kpis if not k.fed_by]


def kpi_refs(session: Session, kpis: list[Kpi], period_key: str) -> list[KpiRef]:
    """Parser inputs: names and aliases (with the owner's learned ones), target, previous best, last week's value."""
    if not kpis:
        return []
    learned = aliases_by_name(session, person_id=kpis[0].owner_id)
    rows = session.exec(
        select(Measurement)
        .where(col(Measurement.kpi_id).in_([k.id for k in kpis]), Measurement.period_key < period_key)
        .order_by(col(Measurement.period_key))
    ).all()
    best: dict[int, float] = {}
    last: dict[int, float] = {}
    for m in rows:
        best[m.kpi_id] = max(best.get(m.kpi_id, m.value), m.value)
        last[m.kpi_id] = m.value
    return [
        KpiRef(
            key=str(k.id),
            name=k.name,
            unit=k.unit,
            direction=k.direction,
            aliases=(*k.aliases, *_names_of(k), *learned.get(k.name.casefold(), [])),
            previous_max=best.get(k.id or 0),
            last_value=last.get(k.id or 0),
            target=k.target,
        )
        for k in kpis
    ]


def _names_of(kpi: Kpi) -> list[str]:
    """The KPI's name per language (organisation file ``names: {en: ..., zh: ...}``), when the table has it."""
    names: Any = getattr(kpi, "names", None) or {}
    return [str(n) for n in names.values() if n] if isinstance(names, dict) else []


def measurements_for(session: Session, kpi_ids: list[int]) -> dict[int, list[Measurement]]:
    """Every measurement of these KPIs, grouped per KPI in time order: one query, chunked."""
    by_kpi: dict[int, list[Measurement]] = {}
    for start in range(0, len(kpi_ids), CHUNK):
        rows = session.exec(
            select(Measurement)
            .where(col(Measurement.kpi_id).in_(kpi_ids[start : start + CHUNK]))
            .order_by(col(Measurement.week_start))
        ).all()
        for m in rows:
            by_kpi.setdefault(m.kpi_id, []).append(m)
    return by_kpi


def kpis_for_week(session: Session, *, person_id: int, period_key: str, today: date) -> list[Kpi]:
    """The KPIs a check-in week asks about: those current on ``today``, or on the week's last day if that is past."""
    week_end = week_start_of_key(period_key) + timedelta(days=6)
    return current_kpis(session, person_id=person_id, day=min(today, week_end))


def kpi_lines(session: Session, kpis: list[Kpi], *, period_key: str) -> list[KpiLine]:
    """Each KPI as kpi_state sees it at the end of the check-in week, with this week's stored value."""
    if not kpis:
        return []
    return lines_from(kpis, measurements_for(session, [k.id or 0 for k in kpis]), period_key=period_key)


def lines_from(kpis: list[Kpi], by_kpi: dict[int, list[Measurement]], *, period_key: str) -> list[KpiLine]:
    """The pure part of ``kpi_lines``, so a fan-out can fetch for thousands of people at once.

    Figures come from ``state_for_week``: on pace at the end of the week the
    reply is for, in the owner's own week, like every other view.
    """
    lines = []
    for k in kpis:
        history = by_kpi.get(k.id or 0, [])
        state = state_for_week(k, [(m.week_start, m.value) for m in history], period_key)
        this_week = next((m.value for m in history if m.period_key == period_key), None)
        previous = [
            m.value for m in history if m.period_key < period_key and in_period(KpiSpec.of(k), m.week_start, state.moment)
        ]
        lines.append(
            KpiLine(
                kpi_id=k.id or 0,
                name=k.name,
                unit=k.unit,
                target=k.target,
                direction=k.direction,
                so_far=state.so_far,
                expected=state.on_pace,
                value=this_week,
                previous=previous[-1] if previous else None,
                anchors=list(k.anchors),
                fed_by=k.fed_by,
                period_key=period_key,
                aggregate=k.aggregate,
                status=state.status,
                pace_attainment=state.pace_attainment,
                moment=state.moment,
                names=dict(k.names or {}),
            )
        )
    return lines


def example_reply(lines: list[KpiLine], locale: str) -> str:
    """An example built from the person's own KPIs, so the format is obvious."""
    parts = []
    for line in (line for line in lines if not line.fed_by):  # fed KPIs come from their source: not typed
        sample = line.previous if line.previous is not None else _sample(line)
        name = local_name(line.name, line.names, locale)
        parts.append(f"{name.lower() if i18n.lang(locale) == 'en' else name} {format_value(sample, line.unit, locale)}")
    blocker = "waiting on leads from marketing" if i18n.lang(locale) == "en" else "在等市场部的线索"
    if i18n.lang(locale) == "zh":  # KPIs listed with 、, the blocker its own clause; the reply parser reads both
        return "，".join([i18n.join(parts, locale), blocker]) if parts else blocker
    return ", ".join([*parts, blocker])


def _sample(line: KpiLine) -> float:
    if line.unit in {"percent", "score", "rating"}:
        return line.target
    return max(1.0, round(line.target / 13, -2 if line.target > 10_000 else 0))


def handle_reply(session: Session, *, person: Person, text: str, ts: str, now: datetime) -> list[Outgoing]:
    """A DM from ``person``: blockers it says are over first, then the rest as a check-in reply."""
    closing = read_closings(session, person=person, text=text, now=now)
    said = [Outgoing(message, locale) for message, locale in closing.outgoing]
    if said and not closing.rest.strip():
        return said  # only "不卡了" / "legal approved it": nothing else to read
    return said + _handle_check_in(session, person=person, text=closing.rest, ts=ts, now=now)


def _handle_check_in(session: Session, *, person: Person, text: str, ts: str, now: datetime) -> list[Outgoing]:
    """Understand a reply, store what is certain, then ask or confirm."""
    locale = person.locale
    assert person.id is not None
    checkin = open_checkin(session, person=person, now=now)
    hold_checkin(session, checkin)
    today = local_now(person, now).date()
    kpis = kpis_for_week(session, person_id=person.id, period_key=checkin.period_key, today=today)
    if not kpis:
        return [Outgoing(Notice("no_kpis"), locale)]
    if SKIP.match(text or ""):
        checkin.status = CheckinStatus.SKIPPED
        return [Outgoing(Notice("skipped"), locale, turn=next_turn(checkin))]
    state = dict(checkin.state or {})
    pending: list[dict[str, Any]] = list(state.get("pending", []))
    # A message typed before one already handled (Slack delivered them out of order): the open question
    # is a later message's, so it is not what this one answers ("yes" to it, or a bare number for it).
    sent_at = slack_time(ts)
    late = sent_at is not None and sent_at < float(state.get("last_ts") or 0)
    if sent_at is not None and not late:
        state["last_ts"] = sent_at
    # Fed KPIs are known to the parser (so "revenue 9000" is not a puzzle) but nothing typed for them is stored.
    refs = kpi_refs(session, kpis, checkin.period_key)
    fed = {str(k.id) for k in kpis if k.fed_by}
    asking = pending and pending[0]["kind"] in {"missing", "ambiguous", "implausible"} and not late
    expecting = pending[0].get("kpi") if asking else None
    if pending and not late and pending[0]["kind"] == "implausible" and YES.match(text or ""):
        reading = Reading(values={pending[0]["kpi"]: pending[0]["value"]})
        pending.pop(0)
        confirmed_implausible = True
    else:
        if pending and not late and pending[0]["kind"] == "implausible" and NO.match(text or ""):
            pending.pop(0)
            text = ""
        reading = parse_reply(
            text, refs, now=local_now(person, now), expecting=expecting, date_order=date_order_for(person.locale)
        )
        confirmed_implausible = False
    notes = ["truncated"] if reading.truncated else []
    if fed and (set(reading.values) & fed or any(q.kpi in fed for q in reading.questions)):
        notes += ["fed_not_typed"] if set(reading.values) & fed else []
        reading.values = {k: v for k, v in reading.values.items() if k not in fed}
        reading.questions = [q for q in reading.questions if q.kpi not in fed]
    if reading.away_until:
        person.away_until = date.fromisoformat(reading.away_until)
        person.away_from = date.fromisoformat(reading.away_from) if reading.away_from else None
        monday = week_start_of_key(checkin.period_key)
        this_week_off = week_is_away(person.away_from, person.away_until, week_monday=monday, prompt_day=today)
        if not reading.values and this_week_off:
            checkin.status = CheckinStatus.AWAY
            away = {"start": reading.away_from or today.isoformat(), "date": reading.away_until}
            return [Outgoing(Notice("away_set", away), locale, turn=next_turn(checkin))]
        if not reading.values and not reading.questions_about_numbers():
            return [Outgoing(Notice("away_later", {"start": reading.away_from, "date": reading.away_until}), locale)]
    if reading.away_unsure and not reading.away_until:
        # time off said, days not read for sure: nothing is paused on a guess, the person is asked for the days
        if not reading.values and not reading.questions_about_numbers() and not reading.blockers:
            return [Outgoing(Notice("away_unsure"), locale)]
        notes.append("away_unsure")
    stored = store_values(session, checkin=checkin, kpis=kpis, values=reading.values, ts=ts, text=text, now=now)
    new_blockers = store_blockers(session, person=person, checkin=checkin, reading=reading, ts=ts, now=now)
    checkin.answered_at = checkin.answered_at or now
    stored_ids = set(stored_values(session, checkin=checkin))
    newer = settled_after(session, checkin=checkin, ts=ts)
    questions = [
        q
        for q in reading.questions
        if not (q.kind == "missing" and int(q.kpi or 0) in stored_ids) and not (q.kpi and int(q.kpi) in newer)
    ]
    if confirmed_implausible:
        questions = [Question(**p) for p in pending]
    pending = _merge_pending(answered_by(pending, stored), questions, stored_ids)
    state["pending"] = pending
    checkin.state = state
    turn = next_turn(checkin)
    lines = kpi_lines(session, kpis, period_key=checkin.period_key)
    by_id = {line.kpi_id: line for line in lines}
    if pending:
        checkin.status = CheckinStatus.ANSWERING
        first = pending[0]
        understood_nothing = not (stored or new_blockers or reading.away_until or reading.away_unsure or confirmed_implausible)
        if understood_nothing and all(q.kind == "missing" for q in reading.questions):
            notes.append("nothing_understood")
        return [
            *([] if not stored else warnings_after(session, person, kpis, checkin, now)),
            Outgoing(
                QuestionMessage(
                    checkin_id=checkin.id or 0,
                    kind=first["kind"],
                    kpi=by_id.get(int(first["kpi"])) if first.get("kpi") else None,
                    candidates=list(first.get("candidates", [])),
                    reason=first.get("reason", ""),
                    stored_now=[by_id[k] for k in stored if k in by_id],
                    blockers_now=new_blockers,
                    notes=notes,
                    options=[by_id[int(o)] for o in first.get("options", []) if int(o) in by_id],
                ),
                locale,
                turn=turn,
            ),
        ]
    checkin.status = CheckinStatus.STORED
    return [
        Outgoing(confirmation(session, checkin=checkin, lines=lines, notes=notes), locale, turn=turn),
        *warnings_after(session, person, kpis, checkin, now),
    ]


def handle_choice(session: Session, *, person: Person, checkin_id: int, kpi_id: int, now: datetime) -> list[Outgoing] | None:
    """The person tapped the KPI a number was for: store it, learn their words for it, then ask the next thing or confirm.

    None when the check-in is not theirs; an empty list when the question was already answered (a second tap).
    """
    checkin = session.get(Checkin, checkin_id)
    if checkin is None or checkin.person_id != person.id or person.id is None:
        return None
    if _choice_index(list((checkin.state or {}).get("pending", [])), kpi_id) is None:
        return []  # a second tap: answered without taking the check-in's lock
    hold_checkin(session, checkin)
    state = dict(checkin.state or {})
    pending: list[dict[str, Any]] = list(state.get("pending", []))
    index = _choice_index(pending, kpi_id)  # again under the lock: a reply handled meanwhile may have answered it
    if index is None:
        return []
    turn = next_turn(checkin)
    question = pending.pop(index)
    today = local_now(person, now).date()
    kpis = kpis_for_week(session, person_id=person.id, period_key=checkin.period_key, today=today)
    kpi = next((k for k in kpis if k.id == kpi_id), None)
    if kpi is None:
        return []
    phrase = str(question.get("phrase") or "")
    store_values(
        session,
        checkin=checkin,
        kpis=kpis,
        values={str(kpi_id): float(question["candidates"][0])},
        ts=checkin.prompt_ts or f"choice-{checkin.id}",
        text=phrase,
        now=now,
    )
    out: list[Outgoing] = []
    if remember(session, person_id=person.id, kpi_id=kpi_id, phrase=phrase, now=now):
        out.append(Outgoing(AliasLearned(phrase, kpi.name, dict(kpi.names)), person.locale))
    stored_ids = set(stored_values(session, checkin=checkin))
    pending = answered_by(pending, [kpi_id])
    pending = [q for q in pending if not (q["kind"] == "missing" and q.get("kpi") and int(q["kpi"]) in stored_ids)]
    state["pending"] = pending
    checkin.state = state
    lines = kpi_lines(session, kpis, period_key=checkin.period_key)
    by_id = {line.kpi_id: line for line in lines}
    if pending:
        checkin.status = CheckinStatus.ANSWERING
        first = pending[0]
        message = QuestionMessage(
            checkin_id=checkin.id or 0,
            kind=first["kind"],
            kpi=by_id.get(int(first["kpi"])) if first.get("kpi") else None,
            candidates=list(first.get("candidates", [])),
            reason=first.get("reason", ""),
            stored_now=[by_id[kpi_id]] if kpi_id in by_id else [],
            options=[by_id[int(o)] for o in first.get("options", []) if int(o) in by_id],
        )
        return [*out, Outgoing(message, person.locale, turn=turn), *warnings_after(session, person, kpis, checkin, now)]
    checkin.status = CheckinStatus.STORED
    return [
        *out,
        Outgoing(confirmation(session, checkin=checkin, lines=lines), person.locale, turn=turn),
        *warnings_after(session, person, kpis, checkin, now),
    ]


def _choice_index(pending: list[dict[str, Any]], kpi_id: int) -> int | None:
    """The open "which KPI is this number for?" question that offered ``kpi_id``."""
    return next(
        (
            i
            for i, q in enumerate(pending)
            if q["kind"] == "unmatched" and len(q.get("candidates", [])) == 1 and str(kpi_id) in q.get("options", [])
        ),
        None,
    )


def warnings_after(session: Session, person: Person, kpis: list[Kpi], checkin: Checkin, now: datetime) -> list[Outgoing]:
    """Early warnings raised by what was just stored: to the owner and a note to their manager.

    Not for a KPI the bot is still asking about ("95k looks unusual?"): its week is not settled,
    so a warning now would judge a figure the person is about to give.
    """
    from bot.warnings import check_streaks

    asking = {str(q.get("kpi")) for q in (checkin.state or {}).get("pending", []) if q.get("kpi") is not None}
    settled = [k for k in kpis if str(k.id) not in asking]
    raised = check_streaks(session, person=person, kpis=settled, period_key=checkin.period_key, now=now)
    return [Outgoing(message, to.locale, to_user=to.slack_id) for to, message in raised]


def answered_by(pending: list[dict[str, Any]], given: list[int]) -> list[dict[str, Any]]:
    """The pending questions still open once a message gave values for the KPIs ``given``.

    A later value for a KPI answers every question about it: "sorry, 9.5k" after
    "95k looks unusual", "应该是4.8万" after "45k or 50k?", or a bare number. The
    new value went through the same checks (a doubtful one is asked about again,
    as a new question), so the old question is dropped, never asked a second time.
    Questions about a number not yet tied to a KPI stay.
    """
    keys = {str(k) for k in given}
    return [q for q in pending if q.get("kpi") is None or str(q["kpi"]) not in keys]


def _merge_pending(old: list[dict[str, Any]], new: list[Question], stored: set[int]) -> list[dict[str, Any]]:
    """New questions first, then old ones still unanswered; one entry per KPI."""
    result: list[dict[str, Any]] = []
    seen: set[str | None] = set()
    for q in [*[_qdict(q) for q in new], *old]:
        kpi = q.get("kpi")
        if kpi is not None and int(kpi) in stored and q["kind"] == "missing":
            continue
        if kpi is not None and kpi in seen:
            continue
        if (
            kpi is None
            and q["kind"] == "unmatched"
            and any(r["kind"] == "unmatched" and r["candidates"] == q["candidates"] for r in result)
        ):
            continue
        seen.add(kpi)
        result.append(q)
    # ambiguity and plausibility before plain gaps: they are about numbers the person just typed
    order = {"implausible": 0, "ambiguous": 1, "unmatched": 2, "missing": 3}
    return sorted(result, key=lambda q: order.get(q["kind"], 9))


def _qdict(q: Question) -> dict[str, Any]:
    return {
        "kind": q.kind,
        "kpi": q.kpi,
        "candidates": q.candidates,
        "value": q.value,
        "reason": q.reason,
        "options": q.options,
        "phrase": q.phrase,
    }


def store_values(
    session: Session, *, checkin: Checkin, kpis: list[Kpi], values: dict[str, float], ts: str, text: str, now: datetime
) -> list[int]:
    """Upsert one measurement per KPI and week: a second report replaces, never duplicates.

    A KPI fed by a source system is never overwritten from a check-in (its owner disputes it instead).
    Nor is a value from a message typed later than ``ts``: when Slack delivers two quick replies out of
    order, the one the person sent last stands (KPIs skipped so are not in the returned list).
    """
    known = {str(k.id): k for k in asked(kpis)}
    changed: list[int] = []
    monday = week_start_of_key(checkin.period_key)
    for key, value in values.items():
        kpi = known.get(key)
        if kpi is None or kpi.id is None:
            continue
        inserted = insert_if_absent(
            session,
            Measurement,
            {
                "kpi_id": kpi.id,
                "period_key": checkin.period_key,
                "week_start": monday,
                "value": value,
                "checkin_id": checkin.id,
                "source_ts": ts,
                "source_text": text[:500],
                "recorded_at": now,
                "updated_at": now,
            },
        )
        if not inserted:
            row = session.exec(
                select(Measurement).where(Measurement.kpi_id == kpi.id, Measurement.period_key == checkin.period_key)
            ).one()
            if _typed_later(row, ts):
                continue
            if row.value != value or row.source_ts != ts:
                row.value, row.source_ts, row.source_text, row.updated_at = value, ts, text[:500], now
                session.add(row)
        changed.append(kpi.id)
    session.flush()
    return changed


def _typed_later(row: Measurement, ts: str) -> bool:
    """``row`` came from a message the person sent after the one at ``ts``."""
    stored, incoming = slack_time(row.source_ts), slack_time(ts)
    return stored is not None and incoming is not None and stored > incoming


def settled_after(session: Session, *, checkin: Checkin, ts: str) -> set[int]:
    """KPIs of this check-in whose stored value came from a message sent after ``ts``: nothing left to ask about them."""
    if slack_time(ts) is None:
        return set()
    rows = session.exec(
        select(Measurement)
        .join(Kpi, col(Kpi.id) == Measurement.kpi_id)
        .where(Kpi.owner_id == checkin.person_id, Measurement.period_key == checkin.period_key)
    ).all()
    return {m.kpi_id for m in rows if _typed_later(m, ts)}


def stored_values(session: Session, *, checkin: Checkin) -> dict[int, float]:
    rows = session.exec(
        select(Measurement.kpi_id, Measurement.value)
        .join(Kpi, col(Kpi.id) == Measurement.kpi_id)
        .where(Kpi.owner_id == checkin.person_id, Measurement.period_key == checkin.period_key)
    ).all()
    return {kpi_id: value for kpi_id, value in rows}


def store_blockers(
    session: Session, *, person: Person, checkin: Checkin, reading: Reading, ts: str, now: datetime
) -> list[BlockerLine]:
    lines = []
    for b in reading.blockers:
        row = Blocker(
            person_id=person.id or 0,
            checkin_id=checkin.id,
            text=b.text,
            category=b.category,
            since=date.fromisoformat(b.since) if b.since else None,
            until=date.fromisoformat(b.until) if b.until else None,
            source_ts=ts,
            reported_at=now,
        )
        session.add(row)
        session.flush()
        lines.append(BlockerLine(row.id or 0, row.text, row.category, b.date))
    return lines


def blocker_lines(session: Session, *, checkin: Checkin) -> list[BlockerLine]:
    rows = session.exec(select(Blocker).where(Blocker.checkin_id == checkin.id).order_by(col(Blocker.id))).all()
    return [BlockerLine(b.id or 0, b.text, b.category, _iso(b.until or b.since)) for b in rows]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def confirmation(
    session: Session, *, checkin: Checkin, lines: list[KpiLine], notes: list[str] | None = None, updated: bool = False
) -> Confirmation:
    return Confirmation(
        checkin_id=checkin.id or 0,
        week=checkin.period_key,
        kpis=lines,
        blockers=blocker_lines(session, checkin=checkin),
        updated=updated,
        confirmed=checkin.status == CheckinStatus.CONFIRMED,
        notes=notes or [],
    )


def handle_edit(session: Session, *, person: Person, text: str, ts: str, now: datetime) -> list[Outgoing]:
    """The person edited a message that gave values: re-read it and update exactly those values."""
    rows = session.exec(
        select(Measurement)
        .join(Kpi, col(Kpi.id) == Measurement.kpi_id)
        .where(Kpi.owner_id == person.id, Measurement.source_ts == ts)
    ).all()
    blockers = session.exec(select(Blocker).where(Blocker.person_id == person.id, Blocker.source_ts == ts)).all()
    if not rows and not blockers:
        return []  # an edit of a message that stored nothing: treat as nothing to do
    checkin = session.get(Checkin, (rows[0].checkin_id if rows else blockers[0].checkin_id))
    if checkin is None:
        return []
    hold_checkin(session, checkin)
    turn = next_turn(checkin)
    kpis = [k for k in current_kpis(session, person_id=person.id or 0, day=week_start_of_key(checkin.period_key)) if k.id]
    reading = parse_reply(text, kpi_refs(session, asked(kpis), checkin.period_key), now=local_now(person, now))
    given = store_values(session, checkin=checkin, kpis=kpis, values=reading.values, ts=ts, text=text, now=now)
    state = dict(checkin.state or {})
    pending = answered_by(list(state.get("pending", [])), given)
    if pending != state.get("pending", []):
        state["pending"] = pending
        checkin.state = state
        if not pending and checkin.status == CheckinStatus.ANSWERING:
            checkin.status = CheckinStatus.STORED
    for b in blockers:
        session.delete(b)
    session.flush()
    store_blockers(session, person=person, checkin=checkin, reading=reading, ts=ts, now=now)
    lines = kpi_lines(session, kpis, period_key=checkin.period_key)
    return [Outgoing(confirmation(session, checkin=checkin, lines=lines, updated=True), person.locale, turn=turn)]


def open_action_items(session: Session, *, person_id: int) -> list[ActionItem]:
    return list(
        session.exec(
            select(ActionItem).where(
                ActionItem.person_id == person_id, col(ActionItem.done_at).is_(None), col(ActionItem.dropped_at).is_(None)
            )
        ).all()
    )


def mark_confirmed(session: Session, *, person: Person, checkin_id: int, now: datetime) -> Checkin | None:
    """ "Looks right": only the owner can confirm their own check-in."""
    checkin = session.get(Checkin, checkin_id)
    if checkin is None or checkin.person_id != person.id:
        return None
    checkin.status = CheckinStatus.CONFIRMED
    checkin.confirmed_at = now
    return checkin


__all__ = [
    "Outgoing",
    "Turn",
    "answer_is_current",
    "format_value",
    "handle_choice",
    "handle_edit",
    "handle_reply",
    "hold_checkin",
    "mark_confirmed",
    "next_turn",
    "nice",
    "unknown_person",
    "utc_now",
]

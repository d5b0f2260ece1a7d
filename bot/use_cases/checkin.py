"""Check-in buttons and forms: confirm, fill in / edit, skip, snooze, time off, blocker category, which KPI, forget an alias.

Each use case checks that the clicker owns what they click: someone else's
check-in (or a forged id) is the refusal "not_yours", and nothing changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.aliases import forget
from bot.checkin import (
    CheckinStatus,
    Outgoing,
    confirmation,
    handle_choice,
    hold_checkin,
    kpi_lines,
    kpis_for_week,
    mark_confirmed,
    next_turn,
    store_values,
    warnings_after,
)
from bot.messages import Confirmation, KpiLine
from bot.people import local_now
from bot.refusal import Refusal
from bot.services import Services
from storage.queries import by_id, person_by_slack_id
from storage.tables import Blocker, Checkin, Person

BLOCKER_CATEGORIES = ("resources", "process", "capability", "other")


@dataclass
class CheckinForm:
    """What the fill-in / edit form shows: the week's KPIs with what is stored."""

    checkin_id: int
    locale: str
    lines: list[KpiLine]


@dataclass
class FormSaved:
    """The form's outcome: ``not_numbers`` (the KPI ids typed wrong, nothing saved) or what to send."""

    person: Person
    not_numbers: list[str] = field(default_factory=list)
    outgoing: list[Outgoing] = field(default_factory=list)


def _person(session: Session, slack_id: str) -> Person:
    person = person_by_slack_id(session, slack_id=slack_id)
    if person is None:
        raise Refusal("not_yours")
    return person


def _owned(session: Session, slack_id: str, checkin_id: int | None, *, refusal: str = "not_yours") -> tuple[Person, Checkin]:
    person = person_by_slack_id(session, slack_id=slack_id)
    checkin = by_id(session, Checkin, checkin_id)
    if person is None or checkin is None or checkin.person_id != person.id:
        raise Refusal(refusal)
    return person, checkin


def confirm(services: Services, *, slack_id: str, checkin_id: int | None, now: datetime) -> tuple[Confirmation, str]:
    """ "Looks right": the confirmation to show instead of the question, and the owner's locale."""
    with services.unit_of_work() as session:
        person = _person(session, slack_id)
        checkin = mark_confirmed(session, person=person, checkin_id=checkin_id, now=now) if checkin_id is not None else None
        if checkin is None:
            raise Refusal("not_yours")
        kpis = kpis_for_week(
            session, person_id=person.id or 0, period_key=checkin.period_key, today=local_now(person, now).date()
        )
        return confirmation(
            session, checkin=checkin, lines=kpi_lines(session, kpis, period_key=checkin.period_key)
        ), person.locale


def open_form(services: Services, *, slack_id: str, checkin_id: int | None, now: datetime) -> CheckinForm:
    """Fill in / Edit: the week's KPIs, pre-filled with what is stored."""
    with services.unit_of_work() as session:
        person, checkin = _owned(session, slack_id, checkin_id)
        kpis = kpis_for_week(
            session, person_id=person.id or 0, period_key=checkin.period_key, today=local_now(person, now).date()
        )
        return CheckinForm(checkin.id or 0, person.locale, kpi_lines(session, kpis, period_key=checkin.period_key))


def skip(services: Services, *, slack_id: str, checkin_id: int | None) -> str:
    """Skip this week; returns the owner's locale for the answer."""
    with services.unit_of_work() as session:
        person, checkin = _owned(session, slack_id, checkin_id)
        checkin.status = CheckinStatus.SKIPPED
        return person.locale


def snooze(services: Services, *, slack_id: str, checkin_id: int | None, now: datetime) -> str:
    """Ask again in two hours; returns the owner's locale for the answer."""
    with services.unit_of_work() as session:
        person, checkin = _owned(session, slack_id, checkin_id)
        checkin.status, checkin.snoozed_until = CheckinStatus.SNOOZED, now + timedelta(hours=2)
        return person.locale


def set_blocker_category(services: Services, *, slack_id: str, blocker_id: int | None, category: str) -> str:
    """The owner corrects the guessed root-cause category of their blocker; returns their locale."""
    with services.unit_of_work() as session:
        person = person_by_slack_id(session, slack_id=slack_id)
        blocker = by_id(session, Blocker, blocker_id)
        if person is None or blocker is None or blocker.person_id != person.id or category not in BLOCKER_CATEGORIES:
            raise Refusal("not_yours")
        blocker.category, blocker.category_confirmed = category, True
        return person.locale


def save_form(services: Services, *, slack_id: str, checkin_id: int | None, typed: dict[str, str], now: datetime) -> FormSaved:
    """The form's values (``typed``: KPI id -> text, "" left empty) stored for the week, then the confirmation
    and any early warning to send; refused ("form_not_yours") for someone else's check-in."""
    with services.unit_of_work() as session:
        person, checkin = _owned(session, slack_id, checkin_id, refusal="form_not_yours")
        values: dict[str, float] = {}
        wrong: list[str] = []
        for kpi_id, raw in typed.items():
            if raw == "":
                continue
            try:
                number = float(raw)
            except ValueError:
                number = math.nan
            if math.isfinite(number):
                values[kpi_id] = number
            else:
                wrong.append(kpi_id)
        if wrong:
            return FormSaved(person, not_numbers=wrong)
        kpis = kpis_for_week(
            session, person_id=person.id or 0, period_key=checkin.period_key, today=local_now(person, now).date()
        )
        # a turn of the conversation like a reply: the check-in row first (the same lock order), and an
        # answer to a DM still on its way is superseded by this confirmation
        hold_checkin(session, checkin)
        turn = next_turn(checkin)
        store_values(session, checkin=checkin, kpis=kpis, values=values, ts="form", text="(form)", now=now)
        checkin.status, checkin.answered_at = CheckinStatus.STORED, checkin.answered_at or now
        checkin.state = {**(checkin.state or {}), "pending": []}
        lines = kpi_lines(session, kpis, period_key=checkin.period_key)
        message = confirmation(session, checkin=checkin, lines=lines, updated=True)
        return FormSaved(
            person,
            outgoing=[Outgoing(message, person.locale, turn=turn), *warnings_after(session, person, kpis, checkin, now)],
        )


def go_away(services: Services, *, slack_id: str, until: date | None, now: datetime) -> None:
    """Time off until ``until`` (the day they are back); refused ("away_past") unless it is after today."""
    with services.unit_of_work() as session:
        person = person_by_slack_id(session, slack_id=slack_id)
        if person is None:
            return
        if until is None or until <= local_now(person, now).date():
            raise Refusal("away_past")
        person.away_from, person.away_until = None, until - timedelta(days=1)


def choose_kpi(services: Services, *, slack_id: str, checkin_id: int | None, kpi_id: int | None, now: datetime) -> list[Outgoing]:
    """The person picked the KPI a number was for: stored, their words learned; what to say next."""
    with services.unit_of_work() as session:
        person = _person(session, slack_id)
        outgoing = (
            handle_choice(session, person=person, checkin_id=checkin_id, kpi_id=kpi_id, now=now)
            if checkin_id is not None and kpi_id is not None
            else None
        )
        if outgoing is None:
            raise Refusal("not_yours")
        return outgoing


def forget_alias(services: Services, *, slack_id: str, alias_id: int | None) -> tuple[str, str]:
    """Remove one of the person's learned aliases: (its phrase, their locale)."""
    with services.unit_of_work() as session:
        person = _person(session, slack_id)
        removed = forget(session, person_id=person.id or 0, alias_id=alias_id) if alias_id is not None else None
        if removed is None:
            raise Refusal("not_yours")
        return removed.phrase, person.locale

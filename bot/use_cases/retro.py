"""The monthly retro's follow-up: the Answer button's form and its answers, each in one unit of work.

Only the person the follow-up was sent to may open or answer it; anyone else
(or a forged id) gets the refusal "retro_not_yours" and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.dates import read_date
from bot.messages import RetroKpi
from bot.people import local_now
from bot.refusal import Refusal
from bot.retro import AnswerInput, ask_for, store_answers
from bot.services import Services
from storage.queries import person_by_slack_id
from storage.tables import Person, Retro, RetroAsk


@dataclass
class RetroForm:
    """What the answer modal shows: the month and the KPIs the follow-up asks about."""

    ask_id: int
    month: str  # "2026-11"; "" when the retro row is gone
    kpis: list[RetroKpi]
    slack_id: str  # the addressee (the default owner of each next step)
    locale: str


@dataclass
class RetroAnswered:
    """The form's outcome: ``errors`` ("<kpi_id>:<field>" -> message id, nothing stored) or the post to send."""

    locale: str
    errors: dict[str, str] = field(default_factory=dict)
    key: str | None = None  # the outbox key of the thread post (bot.outbox.send_claimed), once committed


def _own_ask(session: Session, *, slack_id: str, ask_id: int | None) -> tuple[Person, RetroAsk]:
    person = person_by_slack_id(session, slack_id=slack_id)
    ask = ask_for(session, ask_id=ask_id, person=person) if person is not None and ask_id is not None else None
    if person is None or ask is None:
        raise Refusal("retro_not_yours")
    return person, ask


def retro_form(services: Services, *, slack_id: str, ask_id: int | None) -> RetroForm:
    """The Answer button: the follow-up's form, unless it is someone else's or already answered (refusals)."""
    with services.unit_of_work() as session:
        person, ask = _own_ask(session, slack_id=slack_id, ask_id=ask_id)
        if ask.answered_at is not None:
            raise Refusal("retro_already")
        retro = session.get(Retro, ask.retro_id)
        kpis = [RetroKpi.stored(k) for k in ask.kpis]
        return RetroForm(ask.id or 0, retro.month if retro else "", kpis, person.slack_id, person.locale)


def answer_retro(
    services: Services, *, slack_id: str, ask_id: int | None, read: Callable[[int], AnswerInput], now: datetime
) -> RetroAnswered:
    """Check every answer and store them all as action items, or nothing (the errors say where).

    ``read(kpi_id)`` reads one KPI's answer from the form: which KPIs there
    are is the stored follow-up's business, not the form's. Due dates are read
    in the person's words on their own clock.
    """
    with services.unit_of_work() as session:
        person, ask = _own_ask(session, slack_id=slack_id, ask_id=ask_id)
        answers = [read(int(k["kpi_id"])) for k in ask.kpis]
        local = local_now(person, now)
        outcome = store_answers(
            session, ask=ask, person=person, answers=answers, now=now, read_due=lambda text: read_date(text, now=local)
        )
        return RetroAnswered(person.locale, outcome.errors, outcome.key)

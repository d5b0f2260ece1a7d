"""Learned aliases through the real app: the bot asks which KPI a number was for with buttons, the person picks,
the value is stored and their words are understood next week; `/kpi me` lists them with a way to remove one."""

from __future__ import annotations

from sqlmodel import select

from bot.rounds import tick
from bot.services import Services
from storage.engine import session_scope
from storage.tables import Kpi, LearnedAlias, Measurement, Person
from tests.conftest import Harness


def _kpi_buttons(message: dict) -> dict[str, str]:
    """Button text -> value of the "which KPI?" buttons."""
    return {
        e["text"]["text"]: e["value"]
        for b in message.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("which_kpi_")
    }


def _values(bot: Harness, slack_id: str) -> dict[tuple[str, str], float]:
    with session_scope(bot.engine) as session:
        rows = session.exec(
            select(Kpi.name, Measurement.period_key, Measurement.value)
            .join(Measurement, Measurement.kpi_id == Kpi.id)
            .join(Person, Person.id == Kpi.owner_id)
            .where(Person.slack_id == slack_id)
        ).all()
    return {(name, week): value for name, week, value in rows}


def _aliases(bot: Harness) -> list[tuple[str, str]]:
    with session_scope(bot.engine) as session:
        rows = session.exec(select(LearnedAlias.phrase, Kpi.name).join(Kpi, Kpi.id == LearnedAlias.kpi_id)).all()
    return [(phrase, name) for phrase, name in rows]


def test_picking_a_kpi_stores_the_value_and_learns_the_words(bot: Harness, services: Services) -> None:
    bot.clock.now = bot.clock.now.replace(hour=14)  # Monday 09:00 in New York: U002's prompt
    tick(services)
    bot.dm("U002", "signed 4 deals")
    question = bot.last_to("U002")
    buttons = _kpi_buttons(question)
    assert set(buttons) == {"Revenue", "New customers"}
    assert _values(bot, "U002") == {}  # nothing stored while unsure

    assert bot.click("U001", "which_kpi_1", buttons["New customers"], message=question) == 200  # not U001's check-in
    assert _values(bot, "U002") == {} and _aliases(bot) == []

    assert bot.click("U002", "which_kpi_1", buttons["New customers"], message=question) == 200
    assert _values(bot, "U002") == {("New customers", "2026-W49"): 4.0}
    assert _aliases(bot) == [("signed deals", "New customers")]
    said = " ".join(m["text"] for m in bot.slack.posted(bot.slack.dm_channel("U002"))[-3:])
    assert "signed deals" in said

    bot.clock.advance(days=7)  # next week the same words are understood without a question
    tick(services)
    bot.dm("U002", "revenue 9k, signed 2 deals")
    assert _values(bot, "U002")[("New customers", "2026-W50")] == 2.0
    assert _values(bot, "U002")[("Revenue", "2026-W50")] == 9000.0
    assert not _kpi_buttons(bot.last_to("U002"))


def test_kpi_me_lists_learned_aliases_and_removes_one(bot: Harness, services: Services) -> None:
    bot.clock.now = bot.clock.now.replace(hour=14)
    tick(services)
    bot.dm("U002", "signed 4 deals")
    question = bot.last_to("U002")
    bot.click("U002", "which_kpi_1", _kpi_buttons(question)["New customers"], message=question)
    with session_scope(bot.engine) as session:
        alias_id = session.exec(select(LearnedAlias.id)).one()

    _, body = bot.command("U002", "me")
    text = str(body)
    assert "signed deals" in text and "alias_forget" in text

    bot.click("U001", "alias_forget", str(alias_id))  # someone else's: left alone
    assert _aliases(bot) == [("signed deals", "New customers")]
    bot.click("U002", "alias_forget", str(alias_id))
    assert _aliases(bot) == []
    bot.clock.advance(days=7)
    tick(services)
    bot.dm("U002", "signed 3 deals")
    assert ("New customers", "2026-W50") not in _values(bot, "U002")
    assert _kpi_buttons(bot.last_to("U002"))


def test_a_correction_in_a_later_message_replaces_the_value_and_confirms_again(bot: Harness, services: Services) -> None:
    bot.clock.now = bot.clock.now.replace(hour=14)
    tick(services)
    bot.dm("U002", "revenue 9k, 2 new clients")
    assert "9,000" in bot.last_to("U002")["text"] or "9k" in bot.last_to("U002")["text"]
    bot.dm("U002", "sorry, revenue was actually 9.5k")
    assert _values(bot, "U002")[("Revenue", "2026-W49")] == 9500.0
    assert "9,500" in str(bot.last_to("U002")["blocks"])


def test_time_off_next_week_keeps_this_week_and_skips_exactly_next_week(bot: Harness, services: Services) -> None:
    bot.clock.now = bot.clock.now.replace(hour=14)
    tick(services)
    bot.dm("U002", "off next week")
    with session_scope(bot.engine) as session:
        person = session.exec(select(Person).where(Person.slack_id == "U002")).one()
        assert (str(person.away_from), str(person.away_until)) == ("2026-12-07", "2026-12-13")
    bot.dm("U002", "revenue 8k, 1 new client")
    assert _values(bot, "U002")[("Revenue", "2026-W49")] == 8000.0  # this week is still asked and stored
    bot.clock.advance(days=7)
    assert "U002" in tick(services).away
    bot.clock.advance(days=7)
    assert "U002" in tick(services).prompted

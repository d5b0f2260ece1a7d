"""Replies sent within a second of each other: what is stored and said follows the order the person typed them.

The DM path acks at once and answers in a lazy listener thread, so two quick
messages can be handled in either order, and the answer to the first can still
be on its way when the second has been handled. These tests pin both orders
down without sleeps: a later message's event delivered first, and the Slack
stand-in holding the bot's answer to the first message until the second one
has been answered. Real Bolt app, signed events, the Slack stand-in, a real database.
"""

from __future__ import annotations

from sqlmodel import select

from bot.rounds import tick
from bot.services import Services
from kpibot_dev.standin import Hold
from storage.engine import session_scope
from storage.tables import Checkin, Kpi, Person
from tests.conftest import Harness

STORED = "Here is what I stored"


def _texts(bot: Harness, slack_id: str, since: int = 0) -> list[str]:
    """What the person sees in their DM with the bot, in Slack's order (by message ts)."""
    posted = sorted(bot.slack.posted(bot.slack.dm_channel(slack_id))[since:], key=lambda m: float(m.get("ts") or 0))
    return [str(m.get("text") or "") for m in posted]


def _answered(bot: Harness, user: str, before: int) -> None:
    """Everything the bot does for one DM has happened: the App Home refresh comes last."""
    assert bot.slack.wait_for(lambda _: len(bot.slack.calls_to("views.publish")) > before, timeout=30), "no answer"


def _send(bot: Harness, user: str, text: str, ts: str) -> None:
    """``user`` typed ``text`` at ``ts``; its event reaches the app now, and the bot answers it."""
    published = len(bot.slack.calls_to("views.publish"))
    assert bot.message(user, text, ts=ts) == 200
    _answered(bot, user, published)


def _two_timestamps(bot: Harness) -> tuple[str, str]:
    """Two messages typed within one second."""
    bot.clock.advance(seconds=1)
    first = bot.clock.epoch()
    return f"{first:.6f}", f"{first + 0.4:.6f}"


def test_a_correction_delivered_before_the_message_it_corrects_still_wins(bot: Harness) -> None:
    bot.clock.now = bot.clock.now.replace(hour=14)  # Monday 09:00 in New York: week 49
    first, second = _two_timestamps(bot)
    _send(bot, "U002", "actually revenue was 8k", second)  # Slack delivers the later message first
    _send(bot, "U002", "revenue 7k, 2 new clients", first)

    assert bot.stored("U002", "2026-W49") == {"Revenue": 8000.0, "New customers": 2.0}
    said = _texts(bot, "U002")
    assert STORED in said[-1] and "USD 8,000" in said[-1] and "7,000" not in said[-1], said
    assert bot.checkin_state("U002", "2026-W49") == ("stored", [])


def test_an_answer_delivered_before_its_question_is_not_asked_again(bot: Harness) -> None:
    bot.clock.now = bot.clock.now.replace(hour=14)
    first, second = _two_timestamps(bot)
    _send(bot, "U002", "revenue 48k", second)  # the answer to "45k or 50k?" arrives first
    _send(bot, "U002", "revenue 45k 50k, 2 new clients", first)

    assert bot.stored("U002", "2026-W49") == {"Revenue": 48000.0, "New customers": 2.0}
    said = _texts(bot, "U002")
    assert STORED in said[-1] and "USD 48k" in said[-1], said
    assert not any("Which one is right" in t for t in said), said  # never asked what was already answered
    assert bot.checkin_state("U002", "2026-W49") == ("stored", [])


def _week_50_with_a_slow_note(bot: Harness, services: Services) -> tuple[int, Hold]:
    """Week 49 answered; in week 50 New customers is behind two weeks running, so a reply there warns the
    manager just before the bot asks its question, and Slack is slow to take that note (held until released).
    Returns how many messages the DM had before week 50's reply, and the hold."""
    bot.clock.now = bot.clock.now.replace(hour=14)
    tick(services)
    published = len(bot.slack.calls_to("views.publish"))
    bot.dm("U002", "revenue 8k, 2 new clients")
    _answered(bot, "U002", published)
    bot.clock.advance(days=7)
    tick(services)
    before = len(bot.slack.posted(bot.slack.dm_channel("U002")))
    return before, bot.slack.hold("chat.postMessage", channel=bot.slack.dm_channel("U0MGR"))


def test_a_question_answered_while_it_was_on_its_way_is_not_sent(bot: Harness, services: Services) -> None:
    """ "95k looks unusual?" is still being delivered when "sorry, 9.5k" has been stored and confirmed."""
    before, slow = _week_50_with_a_slow_note(bot, services)
    first, second = _two_timestamps(bot)
    assert bot.message("U002", "revenue 95k, 3 new clients", ts=first) == 200
    assert slow.reached.wait(30), "the first reply was not answered"
    published = len(bot.slack.calls_to("views.publish"))
    assert bot.message("U002", "sorry, 9.5k", ts=second) == 200
    _answered(bot, "U002", published)
    assert any(STORED in t for t in _texts(bot, "U002", before))
    published = len(bot.slack.calls_to("views.publish"))
    slow.release()
    _answered(bot, "U002", published)

    assert bot.stored("U002", "2026-W50") == {"Revenue": 9500.0, "New customers": 3.0}
    said = _texts(bot, "U002", before)
    assert not any("unusual" in t or "95k" in t for t in said), said  # the answered question never arrives
    confirmations = [t for t in said if STORED in t]
    assert len(confirmations) == 1 and "USD 9,500" in confirmations[0], said
    assert bot.checkin_state("U002", "2026-W50") == ("stored", [])


def test_a_question_answered_in_the_form_while_it_was_on_its_way_is_not_sent(bot: Harness, services: Services) -> None:
    before, slow = _week_50_with_a_slow_note(bot, services)
    _, ts = _two_timestamps(bot)
    assert bot.message("U002", "revenue 95k, 3 new clients", ts=ts) == 200
    assert slow.reached.wait(30), "the reply was not answered"
    with session_scope(bot.engine) as session:
        checkin = session.exec(
            select(Checkin)
            .join(Person, Person.id == Checkin.person_id)
            .where(Person.slack_id == "U002", Checkin.period_key == "2026-W50")
        ).one()
        ids = dict(session.exec(select(Kpi.name, Kpi.id).where(Kpi.owner_id == checkin.person_id)).all())
    typed = {f"kpi_{ids[name]}": {"value": {"type": "number_input", "value": v}} for name, v in (("Revenue", "9500"),)}
    posted = len(bot.slack.posted(bot.slack.dm_channel("U002")))
    status, body = bot.submit("U002", "checkin_form", typed, private_metadata=str(checkin.id))
    assert status == 200 and not body
    assert bot.slack.wait_for(lambda _: len(bot.slack.posted(bot.slack.dm_channel("U002"))) > posted, timeout=30)
    published = len(bot.slack.calls_to("views.publish"))
    slow.release()
    _answered(bot, "U002", published)

    assert bot.stored("U002", "2026-W50") == {"Revenue": 9500.0, "New customers": 3.0}
    said = _texts(bot, "U002", before)
    assert not any("unusual" in t for t in said), said
    assert "9,500" in [t for t in said if "behind" not in t][-1], said
    assert bot.checkin_state("U002", "2026-W50") == ("stored", [])

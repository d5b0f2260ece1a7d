"""A correction in the conversation replaces the open question about that KPI.

"revenue 95k" against a best week of 8k is asked about; "sorry, 9.5k" (or "I mean 9,500",
"说错了，是4.8万", a bare number) answers that question: the corrected value is checked and
stored, the question is not asked again, and the check-in ends with one confirmation.
Everything goes through the real Bolt app (signed DM events), the Slack stand-in and a real database.
"""

from __future__ import annotations

import pytest

from bot.rounds import tick
from bot.services import Services
from tests.conftest import Harness

STORED_EN = "Here is what I stored"
STORED_ZH = "这是我为"


def _texts_since(bot: Harness, slack_id: str, index: int) -> list[str]:
    return [str(m.get("text") or "") for m in bot.slack.posted(bot.slack.dm_channel(slack_id))[index:]]


def _say(bot: Harness, user: str, text: str) -> None:
    """``user`` DMs the bot and everything it answers (question or confirmation, then warnings) has arrived:
    the App Home is refreshed last."""
    published = len(bot.slack.calls_to("views.publish"))
    bot.dm(user, text)
    assert bot.slack.wait_for(lambda _: len(bot.slack.calls_to("views.publish")) > published, timeout=30)


def _a_day_of_ticks(bot: Harness, services: Services) -> None:
    """An hour later, then the next day: reminders and follow-ups get their chance to ask again."""
    for hours in (1, 1, 23):
        bot.clock.advance(hours=hours)
        tick(services)


def _last_week_then_this_week(bot: Harness, services: Services, user: str, hour: int, first: str, second: str) -> int:
    """Week 49 answered normally, week 50's reply has an unusual number; returns the DM's length before the fix."""
    bot.clock.now = bot.clock.now.replace(hour=hour)
    tick(services)
    _say(bot, user, first)
    bot.clock.advance(days=7)
    tick(services)
    _say(bot, user, second)
    return len(bot.slack.posted(bot.slack.dm_channel(user)))


@pytest.mark.parametrize("correction", ["sorry, 9.5k", "I mean 9,500", "9500", "no, 9.5k", "oops, revenue 9.5k"])
def test_a_correction_answers_the_plausibility_question(bot: Harness, services: Services, correction: str) -> None:
    before = _last_week_then_this_week(bot, services, "U002", 14, "revenue 8k, 2 new clients", "revenue 95k, 3 new clients")
    question = [t for t in _texts_since(bot, "U002", before - 3) if "unusual" in t]
    assert len(question) == 1 and "95k" in question[0]
    assert bot.stored("U002", "2026-W50") == {"New customers": 3.0}  # 95k is not stored while in doubt
    warned = _texts_since(bot, "U002", before - 3)
    assert any("*New customers* has been behind" in t for t in warned)  # a settled KPI is judged ...
    assert not any("*Revenue* has been behind" in t for t in warned)  # ... the one still asked about is not

    _say(bot, "U002", correction)
    _a_day_of_ticks(bot, services)

    assert bot.stored("U002", "2026-W50") == {"Revenue": 9500.0, "New customers": 3.0}
    after = _texts_since(bot, "U002", before)
    assert sum(STORED_EN in t for t in after) == 1, after  # one confirmation, nothing twice
    assert STORED_EN in after[0] and "9,500" in after[0]
    assert not any("unusual" in t or "95k" in t or "95,000" in t for t in after), after  # never asked again
    assert bot.checkin_state("U002", "2026-W50") == ("stored", [])


@pytest.mark.parametrize("correction", ["说错了，是4.8万", "应该是4.8万", "更正：销售额48000", "48000"])
def test_a_chinese_correction_answers_the_plausibility_question(bot: Harness, services: Services, correction: str) -> None:
    # best week so far ¥4.5万: ¥50万 is more than ten times that
    before = _last_week_then_this_week(
        bot, services, "U001", 2, "销售额4.5万，新客户2个，投诉率1.5%", "销售额50万，新客户3个，投诉率1.2%"
    )
    assert bot.stored("U001", "2026-W50") == {"New customers": 3.0, "Complaint rate": 1.2}
    assert not any(STORED_ZH in t for t in _texts_since(bot, "U001", before - 3))

    _say(bot, "U001", correction)
    _a_day_of_ticks(bot, services)

    assert bot.stored("U001", "2026-W50") == {"Revenue": 48000.0, "New customers": 3.0, "Complaint rate": 1.2}
    after = _texts_since(bot, "U001", before)
    assert sum(STORED_ZH in t for t in after) == 1, after
    assert STORED_ZH in after[0]
    assert not any("50万" in t or "500,000" in t for t in after), after
    assert bot.checkin_state("U001", "2026-W50") == ("stored", [])


def test_a_corrected_value_is_checked_again(bot: Harness, services: Services) -> None:
    """The correction is the value checked: a still-unusual one is asked about, the old one is not."""
    before = _last_week_then_this_week(bot, services, "U002", 14, "revenue 8k, 2 new clients", "revenue 95k, 3 new clients")
    _say(bot, "U002", "sorry, 90k")
    after = _texts_since(bot, "U002", before)
    assert "90k" in after[0] and "unusual" in after[0] and not any("95k" in t or STORED_EN in t for t in after)
    assert bot.stored("U002", "2026-W50") == {"New customers": 3.0}
    _say(bot, "U002", "yes")
    assert bot.stored("U002", "2026-W50") == {"Revenue": 90000.0, "New customers": 3.0}
    after = _texts_since(bot, "U002", before)
    assert sum(STORED_EN in t for t in after) == 1 and "unusual" not in after[-1]


def test_a_correction_answers_an_ambiguity_question(bot: Harness) -> None:
    bot.clock.now = bot.clock.now.replace(hour=14)  # Monday in New York: week 49
    bot.dm("U002", "revenue 45k 50k, 2 new clients")
    assert "USD 45k / USD 50k" in bot.last_to("U002")["text"]
    before = len(bot.slack.posted(bot.slack.dm_channel("U002")))
    _say(bot, "U002", "I mean 48k")
    assert bot.stored("U002", "2026-W49") == {"Revenue": 48000.0, "New customers": 2.0}
    after = _texts_since(bot, "U002", before)
    assert STORED_EN in after[0] and not any("45k" in t for t in after)
    assert bot.checkin_state("U002", "2026-W49") == ("stored", [])

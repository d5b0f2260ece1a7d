"""Every request kind Slack sends, built from the real payloads in kpibot_dev/payloads, through the real app.

Each test sends one kind as Slack would (signed, over HTTP, built by the driver
from the recorded payload with our fields filled in) and checks the answer and
what the bot did. The kinds Slack never sends to this app (not subscribed in
app.yaml: app_mention, shortcuts, view_closed since no modal asks for it) must
still get a plain 4xx/2xx answer, no traceback, and change nothing. The last
tests serve recorded Web API answers (429 with Retry-After, channel_not_found,
user_not_found, invalid_arguments) from the stand-in and check the bot copes.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlmodel import select

from bot.checkin import CheckinStatus
from bot.rounds import tick
from bot.services import Services
from kpibot_dev.driver import (
    PAYLOADS,
    SHAPES,
    bot_message_event,
    fixture,
    mention_event,
    retry_headers,
    url_verification,
)
from kpibot_dev.standin import Call, recorded_answer
from storage.engine import session_scope
from storage.tables import Checkin, Measurement, Person, ProcessedEvent
from tests.conftest import Harness

NINE_UTC = dict(hour=9, minute=0)


def _measurements(bot: Harness) -> int:
    with session_scope(bot.engine) as session:
        return len(session.exec(select(Measurement)).all())


def _all_calls(bot: Harness, method: str) -> list[Call]:
    """Every call of ``method``, answered or not (``calls_to`` keeps the successful ones)."""
    return [c for c in bot.slack.calls if c.method == method]


def _settle(bot: Harness) -> None:
    """A DM that is answered: every event sent before it has been handled by then."""
    bot.dm("U002", "revenue 1k, 1 new client")


def test_every_shape_the_driver_uses_is_a_stored_real_payload() -> None:
    sources = (PAYLOADS / "SOURCES.md").read_text()
    for kind, name in SHAPES.items():
        assert (PAYLOADS / name).is_file(), kind
        assert f"`{name}`" in sources, f"{name} has no provenance in SOURCES.md"
    assert fixture(SHAPES["block_actions"])["type"] == "block_actions"
    assert fixture(SHAPES["view_submission"])["type"] == "view_submission"
    assert fixture(SHAPES["view_closed"])["type"] == "view_closed"
    assert fixture(SHAPES["message.im"])["event"]["channel_type"] == "im"
    assert "command=" in fixture(SHAPES["slash_command"])


def test_url_verification_answers_the_challenge(bot: Harness) -> None:
    status, body = bot.sender.event(url_verification("kpibot-challenge-1"))
    assert status == 200 and json.loads(body)["challenge"] == "kpibot-challenge-1"


def test_a_dm_is_read_and_answered(bot: Harness) -> None:
    status, _ = bot.dm("U002", "revenue 5k, 2 new clients")
    assert status == 200
    assert "Revenue" in bot.last_to("U002")["text"]
    assert _measurements(bot) == 2


def test_an_edited_dm_updates_what_was_stored(bot: Harness) -> None:
    _, ts = bot.dm("U002", "revenue 5k, 2 new clients")
    before = len(bot.slack.posted(bot.slack.dm_channel("U002")))
    assert bot.edit("U002", "revenue 6k, 2 new clients", "revenue 5k, 2 new clients", ts=ts, edited_at=ts[:-1] + "9") == 200
    assert bot.slack.wait_for(lambda _: len(bot.slack.posted(bot.slack.dm_channel("U002"))) > before)
    with session_scope(bot.engine) as session:
        assert 6000.0 in {m.value for m in session.exec(select(Measurement)).all()}


def test_a_retried_event_is_answered_and_processed_once(bot: Harness) -> None:
    bot.dm("U002", "revenue 5k, 2 new clients", event_id="EvTWICE")
    replies = len(bot.slack.posted(bot.slack.dm_channel("U002")))
    status, _ = bot.dm("U002", "revenue 5k, 2 new clients", event_id="EvTWICE", wait=False, headers=retry_headers(1))
    assert status == 200
    bot.dm("U001", "营收1万")  # handled after the retry
    assert len(bot.slack.posted(bot.slack.dm_channel("U002"))) == replies
    with session_scope(bot.engine) as session:
        assert session.get(ProcessedEvent, "EvTWICE") is not None


def test_the_bots_own_messages_are_ignored(bot: Harness) -> None:
    for channel_type, channel in (("im", bot.slack.dm_channel("U001")), ("channel", "C0SALES")):
        body = bot_message_event("Revenue 5k", ts="1764460800.000100", event_id=f"EvOWN{channel_type}", channel=channel)
        body["event"]["channel_type"] = channel_type
        status, _ = bot.sender.event(body)
        assert status == 200
    _settle(bot)
    assert {p["channel"] for p in bot.slack.posted()} == {bot.slack.dm_channel("U002")}
    assert _measurements(bot) == 2  # only the settling DM's values


def test_opening_the_home_tab_publishes_it_and_the_messages_tab_does_not(bot: Harness) -> None:
    assert bot.open_home("U001", tab="messages") == 200
    assert bot.open_home("U0MGR") == 200
    assert bot.slack.wait_for(lambda _: bool(bot.slack.calls_to("views.publish")))
    _settle(bot)
    published = [c.args["user_id"] for c in bot.slack.calls_to("views.publish")]
    assert "U0MGR" in published and "U001" not in published
    assert bot.slack.calls_to("views.publish")[0].args["view"]["type"] == "home"


def test_a_slash_command_is_answered(bot: Harness) -> None:
    status, answer = bot.command("U002", "help")
    assert status == 200 and answer["response_type"] == "ephemeral"
    assert "/kpi me" in json.dumps(answer)


def test_a_button_click_is_acknowledged_and_acted_on(bot: Harness) -> None:
    bot.dm("U002", "revenue 5k, 2 new clients")
    confirmation = bot.last_to("U002")
    checkin_id = confirmation["blocks"][-1]["elements"][0]["value"]
    assert bot.click("U002", "checkin_edit", checkin_id, message={"ts": "1.0", "text": confirmation["text"]}) == 200
    assert bot.slack.wait_for(lambda _: bool(bot.slack.calls_to("views.open")))
    assert bot.slack.calls_to("views.open")[-1].args["view"]["callback_id"] == "checkin_form"


def _settings_form(weekday: str, time: str) -> dict[str, Any]:
    def select_(value: str) -> dict[str, Any]:
        return {"value": {"type": "static_select", "selected_option": {"value": value}}}

    def text(value: str) -> dict[str, Any]:
        return {"value": {"type": "plain_text_input", "value": value}}

    values = {"weekday": select_(weekday), "time": text(time), "reminder": select_("default"), "language": select_("default")}
    return values | {"pause_from": text(""), "pause_until": text("")}


def test_a_modal_submission_gets_inline_errors_or_an_empty_ack(bot: Harness) -> None:
    status, body = bot.submit("U002", "settings_form", _settings_form(weekday="9", time="25:00"))
    assert status == 200 and body["response_action"] == "errors" and "time" in body["errors"]
    status, body = bot.submit("U002", "settings_form", _settings_form(weekday="3", time="10:30"))
    assert status == 200 and body == {}


def test_a_dm_channel_is_opened_once_then_reused_from_the_person(bot: Harness) -> None:
    """gateway.dm(person): conversations.open only when no channel is stored, and the opened one is stored."""
    values = _settings_form(weekday="3", time="10:30")
    with session_scope(bot.engine) as session:
        assert session.exec(select(Person).where(Person.slack_id == "U002")).one().dm_channel_id is None
    for _ in range(2):
        status, body = bot.submit("U002", "settings_form", values)
        assert status == 200 and body == {}
        assert bot.slack.wait_for(lambda _: len(bot.slack.posted(bot.slack.dm_channel("U002"))) > 0)
    assert bot.slack.wait_for(lambda _: len(bot.slack.posted(bot.slack.dm_channel("U002"))) == 2)
    assert [c.args["users"] for c in bot.slack.calls_to("conversations.open")] == ["U002"]
    with session_scope(bot.engine) as session:
        assert session.exec(select(Person).where(Person.slack_id == "U002")).one().dm_channel_id == bot.slack.dm_channel("U002")


@pytest.mark.parametrize("kind", ["app_mention", "view_closed", "shortcut", "message_action"])
def test_kinds_this_app_does_not_subscribe_to_get_a_plain_answer_and_change_nothing(
    bot: Harness, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    if kind == "app_mention":
        body = mention_event("U002", "revenue 5k", channel="C0SALES", ts="1764460800.000200", event_id="EvMENTION")
        status, _ = bot.sender.event(body)
    elif kind == "view_closed":
        status, _ = bot.close_view("U002", "checkin_form", private_metadata="1")
    elif kind == "shortcut":
        status, _ = bot.sender.interaction(bot.shortcut_payload("U002", "kpi_shortcut"))
    else:
        message = {"type": "message", "text": "revenue 5k", "user": "U002", "ts": "1764460800.000300"}
        status, _ = bot.sender.interaction(bot.message_action_payload("U002", "kpi_shortcut", message, "C0SALES"))
    assert status < 500
    _settle(bot)
    assert "Traceback" not in caplog.text
    assert {p["channel"] for p in bot.slack.posted()} == {bot.slack.dm_channel("U002")}
    assert _measurements(bot) == 2


# -- recorded Web API answers served by the stand-in -------------------------------------


def test_the_recorded_answers_parse() -> None:
    status, headers, body = recorded_answer("api_ratelimited_429__pysdk_mock.http")
    assert status == 429 and headers == {"retry-after": "1"} and body == {"ok": False, "error": "ratelimited"}
    assert recorded_answer("api_views.open__error_invalid_arguments__real_rubyclient.json")[2]["error"] == "invalid_arguments"


def test_a_429_with_retry_after_is_waited_out_and_the_answer_arrives(bot: Harness) -> None:
    bot.slack.answer_with("chat.postMessage", "api_ratelimited_429__pysdk_mock.http", channel=bot.slack.dm_channel("U002"))
    bot.dm("U002", "revenue 5k, 2 new clients")
    answers = [c.status for c in _all_calls(bot, "chat.postMessage")]
    assert answers == [429, 200]  # the recorded 429, then the same message again after Retry-After
    assert "Revenue" in bot.last_to("U002")["text"]


def test_channel_not_found_on_opening_a_dm_skips_that_person_and_the_round_goes_on(
    services: Services, bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    bot.clock.now = bot.clock.now.replace(**NINE_UTC)
    bot.slack.answer_with("conversations.open", "api_conversations.open__error_channel_not_found__openapi.json", users="U003")
    with caplog.at_level(logging.WARNING):
        report = tick(services)
    assert report.skipped == {"U003": "channel_not_found"}
    with session_scope(bot.engine) as session:
        gone = session.exec(select(Person).where(Person.slack_id == "U003")).one()
        checkin = session.exec(select(Checkin).where(Checkin.person_id == gone.id)).one()
    assert checkin.status == CheckinStatus.FAILED and checkin.failure == "channel_not_found"
    assert "Traceback" not in caplog.text


def test_user_not_found_for_a_stranger_still_gets_the_friendly_answer(bot: Harness) -> None:
    bot.slack.add_user("U0STRANGER", "Stranger", locale="zh-CN")
    bot.slack.answer_with("users.info", "api_users.info__error_user_not_found__openapi.json", user="U0STRANGER")
    bot.dm("U0STRANGER", "hello?")
    reply = bot.last_to("U0STRANGER")
    assert "organisation file" in reply["text"]  # no locale known: English
    assert _measurements(bot) == 0


def test_views_open_invalid_arguments_is_told_to_the_person_not_answered_500(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    bot.dm("U002", "revenue 5k, 2 new clients")
    checkin_id = bot.last_to("U002")["blocks"][-1]["elements"][0]["value"]
    bot.slack.answer_with("views.open", "api_views.open__error_invalid_arguments__real_rubyclient.json")
    with caplog.at_level(logging.WARNING):
        status = bot.click("U002", "checkin_edit", checkin_id)
    assert status == 200
    assert bot.slack.wait_for(lambda _: bool(_all_calls(bot, "response_url")), timeout=5)
    told = _all_calls(bot, "response_url")[-1].args
    assert "try again" in told["text"] and told["response_type"] == "ephemeral"
    assert "invalid_arguments" in caplog.text and "Traceback" not in caplog.text

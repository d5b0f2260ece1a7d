"""Inbound safety through signed HTTP requests into the running app (issue: foundation, point 8)."""

from __future__ import annotations

import json
import time

from sqlmodel import select

from storage.engine import session_scope
from storage.tables import Measurement, ProcessedEvent
from tests.conftest import Harness, payload


def test_url_verification_is_answered(bot: Harness) -> None:
    body = payload("url_verification__boltpy.json")
    status, response = bot.sender.event(body)
    assert status == 200
    assert json.loads(response)["challenge"] == body["challenge"]


def _processed(bot: Harness) -> int:
    with session_scope(bot.engine) as session:
        return len(session.exec(select(ProcessedEvent)).all())


def test_wrong_signature_gets_401_and_changes_nothing(bot: Harness) -> None:
    body = json.dumps(payload("event_message_im__real_slackweb.json")).encode()
    headers = bot.sender.sign(body)
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    status, _ = bot.sender.post(body, "application/json", headers=headers, sign=False)
    assert status == 401
    status, _ = bot.sender.post(body, "application/json", sign=False)  # no signature at all
    assert status == 401
    assert _processed(bot) == 0
    assert bot.slack.posted() == []


def test_stale_timestamp_gets_401(bot: Harness) -> None:
    body = json.dumps(payload("event_message_im__real_slackweb.json")).encode()
    old = int(time.time()) - 6 * 60
    status, _ = bot.sender.post(body, "application/json", headers=bot.sender.sign(body, timestamp=old), sign=False)
    assert status == 401
    assert _processed(bot) == 0


def test_a_retried_event_is_processed_once(bot: Harness) -> None:
    status, _ = bot.dm("U001", "revenue 45k, 2 new clients, complaints 1.5%", event_id="EvSAME")
    assert status == 200
    retry_headers = payload("request_headers_events_retry__boltpy.json")
    replies_before = len(bot.slack.posted(bot.slack.dm_channel("U001")))
    status, _ = bot.dm(
        "U001", "revenue 45k, 2 new clients, complaints 1.5%", event_id="EvSAME", wait=False, headers=retry_headers
    )
    assert status == 200
    # the duplicate is dropped after the database check: wait for the app to go idle, then count
    bot.dm("U002", "revenue 1k, 1 new client")
    assert len(bot.slack.posted(bot.slack.dm_channel("U001"))) == replies_before
    with session_scope(bot.engine) as session:
        assert len(session.exec(select(Measurement)).all()) == 3 + 2
        assert session.get(ProcessedEvent, "EvSAME") is not None


def _deliver_and_settle(bot: Harness, body: dict) -> None:
    status, _ = bot.sender.event(body)
    assert status == 200
    bot.dm("U002", "revenue 1k, 1 new client")  # a later event to be sure the first was handled


def test_own_other_bots_and_slackbot_messages_are_ignored(bot: Harness) -> None:
    for name in (
        "event_bot_message_own_bot_no_subtype__real_slackweb.json",
        "event_bot_message_other_app_no_subtype__boltpy.json",
        "event_message_subtype_bot_message__real_slackweb.json",
        "event_message_im_from_slackbot__real_slackweb.json",
    ):
        body = payload(name)
        body["event"]["channel_type"] = "im"  # even in a DM
        _deliver_and_settle(bot, body)
    channels = {p["channel"] for p in bot.slack.posted()}
    assert channels == {bot.slack.dm_channel("U002")}


def test_link_preview_edit_is_ignored(bot: Harness) -> None:
    body = payload("event_message_changed__real_slackweb.json")
    body["event"]["channel_type"] = "im"
    _deliver_and_settle(bot, body)
    assert {p["channel"] for p in bot.slack.posted()} == {bot.slack.dm_channel("U002")}


def test_unknown_person_gets_a_friendly_explanation(bot: Harness) -> None:
    bot.slack.add_user("U0STRANGER", "Stranger", locale="zh-CN")
    bot.dm("U0STRANGER", "hello?")
    reply = bot.last_to("U0STRANGER")
    assert "kpibot" in reply["text"]
    assert "<@U0ADMIN>" in reply["text"]  # who can add them
    assert "组织文件" in reply["text"]  # in their language
    with session_scope(bot.engine) as session:
        assert session.exec(select(Measurement)).all() == []


def test_real_dm_payload_from_an_unknown_workspace_user(bot: Harness) -> None:
    body = payload("event_message_im__real_slackweb.json")
    bot.slack.add_user(body["event"]["user"], "Real Person")
    status, _ = bot.sender.event(body)
    assert status == 200
    assert bot.slack.wait_for(lambda _: bool(bot.slack.posted(body["event"]["channel"])), timeout=30)
    assert "organisation file" in bot.slack.posted(body["event"]["channel"])[-1]["text"]

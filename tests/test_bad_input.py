"""No 5xx from input: malformed, mistyped, incomplete and forged requests to every listener.

Every action id, modal callback and event the app registers gets requests
that no button or modal of ours produces: ids that are not numbers or do not
exist, fields missing or of the wrong type, metadata that is unsigned or
signed over nonsense, JSON that does not parse. None may get an HTTP 5xx and
none may leave an error or a traceback in the log.
"""

from __future__ import annotations

import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bot.app import create_app
from bot.serve import LocalServer
from bot.services import Services
from handlers.metadata import sign
from kpibot_dev.driver import SlackDriver, dm_event
from kpibot_dev.standin import SlackStandIn
from tests.conftest import SIGNING_SECRET

HANDLERS = Path(__file__).parent.parent / "handlers"


def registered(kind: str) -> list[str]:
    """Every action id / view callback id the handlers register (patterns become one example id)."""
    found: set[str] = set()
    for source in HANDLERS.glob("*.py"):
        for match in re.finditer(rf'app\.{kind}\((?:re\.compile\(r?)?"([^"]+)"', source.read_text()):
            found.add(match.group(1).lstrip("^").rstrip("$") + ("x" if match.group(1).startswith("^") else ""))
    return sorted(found)


def test_the_listener_lists_are_found() -> None:
    assert {"checkin_confirm", "proposal_agree", "review_decide"} <= set(registered("action"))
    assert {"checkin_form", "away_form", "warning_plan", "kpi_setup", "feedback_form"} <= set(registered("view"))


VALUES = ["abc", "99999999", "9" * 40, "-1", "1:zzz", "1:resources:retro", "999:0:keep", "1.5", "", "１２"]
WRONG_TYPES: dict[str, Any] = {
    "kpi0_name": {"v": {"type": "plain_text_input", "value": 5}},
    "until": {"date": {"type": "datepicker", "selected_date": "not-a-date"}},
    "step": {"text": {"type": "plain_text_input", "value": ["x"]}},
    "due": {"text": {"type": "plain_text_input", "value": {}}},
    "peers": {"users": {"type": "multi_users_select", "selected_users": "U001"}},
    "comment": {"text": {"type": "plain_text_input", "value": 7}},
    "c_collaboration": {"level": {"type": "static_select", "selected_option": "5"}},
    "w0": {"v": {"type": "plain_text_input", "value": None}},
    "kpi_1": {"value": {"type": "static_select", "selected_option": {"value": 3}}},
    "kpi_2": "not a block",
    "text": {"text": {"type": "plain_text_input", "value": 1.5}},
}


def _metadata() -> list[str]:
    plain = ["", "abc", "1", "99999999", "1:resources:warning", "1.0123456789abcdef0123456789abcdef"]
    return plain + [sign(SIGNING_SECRET, v) for v in ("abc", "1", "99999999", "1:resources:warning", "1|Revenue", "x|y")]


def _bent_clicks(driver: SlackDriver, action_id: str) -> list[dict[str, Any]]:
    payloads = []
    for user in ("U001", "UNOBODY"):
        for value in VALUES:
            payloads.append(driver.click_payload(user, action_id, value))
            payloads.append(driver.click_payload(user, action_id, "1", selected=value))
    base = driver.click_payload("U001", action_id, "1")
    for change in (
        {"actions": []},
        {"actions": "x"},
        {"actions": [{"action_id": action_id, "value": 5}]},
        {"actions": [{"action_id": action_id, "selected_option": "x"}]},
        {"actions": [{"action_id": action_id}]},
        {"user": {"id": 5}},
        {"user": "U001"},
        {"trigger_id": None},
        {"container": None},
        {"message": None},
    ):
        payloads.append({**base, **change})
    no_user = dict(base)
    del no_user["user"]
    payloads.append(no_user)
    return payloads


def _bent_submissions(driver: SlackDriver, callback_id: str) -> list[dict[str, Any]]:
    payloads = []
    for user in ("U001", "U0MGR", "UNOBODY"):
        for metadata in _metadata():
            for values in ({}, WRONG_TYPES):
                payloads.append(driver.submission_payload(user, callback_id, values, private_metadata=metadata))
    base = driver.submission_payload("U001", callback_id, {}, private_metadata=sign(SIGNING_SECRET, "1"))
    for view_change in ({"state": "x"}, {"state": {"values": "x"}}, {"private_metadata": 5}, {"state": None}):
        payloads.append({**base, "view": {**base["view"], **view_change}})
    payloads.append({**base, "view": "x"})
    payloads.append({**base, "user": None})
    return payloads


COMMANDS = [
    "",
    "me",
    "team",
    "team nosuch",
    "team share",
    "360",
    "360 start",
    "360 start <@UNOPE>",
    "360 start <@U001> zzz",
    "360 start <@U001|li> 99 Febtober",
    "360 results <@UNOPE>",
    "feedback",
    "feedback <@UNOPE>",
    "setup <@UNOPE>",
    "setup <@U002>",
    "goals",
    "me chart",
    "team nosuch chart",
    "x" * 4000,
    "<!channel> <https://evil|x>",
]


def _bent_events() -> list[dict[str, Any]]:
    good = dm_event("U001", "revenue 5k", ts="1764460800.000100", event_id="EvBENT0")
    events: list[Any] = [
        {"type": "message", "channel_type": "im"},
        {"type": "message", "channel_type": "im", "user": "U001"},
        {"type": "message", "channel_type": "im", "user": "U001", "ts": "1.0"},
        {"type": "message", "channel_type": "im", "user": 5, "ts": 5, "channel": 5, "text": 5},
        {"type": "message", "channel_type": "im", "subtype": "message_changed", "channel": "D001", "message": "x"},
        {"type": "message", "channel_type": "im", "subtype": "message_changed", "channel": "D001", "message": {"user": "U001"}},
        {"type": "app_home_opened", "tab": "home"},
        {"type": "app_home_opened", "tab": "home", "user": 5},
        {"type": "user_change", "user": "x"},
        {"type": "user_change", "user": {"id": 5, "tz": 7, "locale": []}},
        {"type": "user_change", "user": {"id": "U001", "tz": "Not/AZone", "locale": 3}},
    ]
    bodies = [{**good, "event": event, "event_id": f"EvBENT{i}"} for i, event in enumerate(events, 1)]
    bodies.append({**good, "event": "x", "event_id": "EvBENTx"})
    no_event = dict(good)
    del no_event["event"]
    bodies.append(no_event)
    return bodies


def test_no_5xx_and_no_error_in_the_log_from_bent_requests(
    services: Services, slack: SlackStandIn, org: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    statuses: list[tuple[int, str]] = []
    executor = ThreadPoolExecutor(max_workers=4)
    app = create_app(services.settings, services, executor=executor)
    with LocalServer(app, executor=executor) as server:
        driver = SlackDriver(server.url, SIGNING_SECRET, slack)
        sender = driver.sender
        for action_id in registered("action"):
            for payload in _bent_clicks(driver, action_id):
                statuses.append((sender.interaction(payload)[0], f"click {action_id} {json.dumps(payload.get('actions'))[:80]}"))
        for callback_id in registered("view"):
            for payload in _bent_submissions(driver, callback_id):
                statuses.append((sender.interaction(payload)[0], f"submit {callback_id} {str(payload.get('view'))[:120]}"))
        for user in ("U001", "U0MGR", "UNOBODY"):
            for text in COMMANDS:
                statuses.append((driver.command(user, text)[0], f"/kpi {text[:40]} by {user}"))
        fields = driver.command_fields("U001", "me")
        for missing in ("user_id", "text", "trigger_id", "channel_id"):
            statuses.append((sender.form({k: v for k, v in fields.items() if k != missing})[0], f"/kpi without {missing}"))
        for body in _bent_events():
            statuses.append((sender.event(body)[0], f"event {str(body.get('event'))[:80]}"))
        # Bodies that do not parse, signed or not: 400 (or 401 unsigned), before any listener.
        for raw, content_type in (
            (b"payload=%7Bnot+json", "application/x-www-form-urlencoded"),
            (b"payload=%5B1%5D", "application/x-www-form-urlencoded"),
            (b'payload="x"', "application/x-www-form-urlencoded"),
            (b'{"type": "event_callback", "event": ', "application/json"),
            (b"[1, 2]", "application/json"),
            (b"\xff\xfe\x00payload", "application/x-www-form-urlencoded"),
        ):
            assert sender.post(raw, content_type)[0] == 400, raw
            assert sender.post(raw, content_type, sign=False)[0] == 401, raw
        assert sender.post(b"payload=" + b"x" * (2 * 1024 * 1024), "application/x-www-form-urlencoded")[0] == 413
        forged = {"X-Slack-Signature": "v0=" + "0" * 64}
        assert sender.post(b"payload=%7Bnot+json", "application/x-www-form-urlencoded", headers=forged)[0] == 401
    # Leaving the block waited for every lazy listener.
    assert len(statuses) > 500
    server_errors = [(status, what) for status, what in statuses if status >= 500]
    assert not server_errors, server_errors[:10]
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info or "Traceback" in r.getMessage()]
    assert not bad, [f"{r.name}: {r.getMessage()[:300]}" for r in bad[:10]]


def test_a_bent_click_is_answered_and_changes_nothing(bot: Any) -> None:
    """A forged check-in id on "Looks right" gets a polite ephemeral answer, not a 500."""
    status = bot.click("U001", "checkin_confirm", "not-a-number")
    assert status == 200
    assert bot.slack.wait_for(lambda calls: any(c.method == "response_url" for c in calls), timeout=5)
    answer = next(c for c in bot.slack.calls if c.method == "response_url")
    assert "someone else" in str(answer.args.get("text"))


def test_a_modal_without_its_fields_gets_an_inline_error(bot: Any) -> None:
    status, answer = bot.submit("U001", "away_form", {"until": {"date": {"type": "datepicker", "selected_date": "31/12"}}})
    assert status == 200
    assert answer["response_action"] == "errors"
    assert "didn't look like one of mine" in answer["errors"]["until"]


def test_metadata_key_without_a_signing_secret_is_generated_stored_and_shared(engine: Any, slack: SlackStandIn) -> None:
    from bot.config import Settings
    from bot.signing import metadata_secret
    from handlers.gateway import SlackGateway, make_client
    from handlers.metadata import verify

    settings = Settings(slack_bot_token=slack.token, slack_signing_secret=None, slack_api_url=slack.api_url)
    gateway = SlackGateway(make_client(slack.token, slack.api_url))
    first = metadata_secret(Services(settings=settings, engine=engine, gateway=gateway))
    second = metadata_secret(Services(settings=settings, engine=engine, gateway=gateway))  # another replica
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert first == second
    assert verify(first, sign("kpibot", "1")) is None  # the old constant key signs nothing any more
    assert verify(first, sign(first, "1")) == "1"


def test_signed_metadata_is_never_cut() -> None:
    from handlers.metadata import MAX_METADATA, verify
    from handlers.review import reweight_modal

    weights = {f"KPI with a long descriptive name number {i} " + "x" * 150: 5.0 for i in range(20)}
    view = reweight_modal(7, weights, "en-US", SIGNING_SECRET)
    metadata = view.private_metadata or ""
    assert len(metadata) < MAX_METADATA
    assert (verify(SIGNING_SECRET, metadata) or "").startswith("7:")
    with pytest.raises(ValueError, match="3000"):
        sign(SIGNING_SECRET, "x" * MAX_METADATA)

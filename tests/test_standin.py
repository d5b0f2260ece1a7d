"""The Slack stand-in answers like Slack, records calls, and fails on request."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot.ports import UndeliverableError
from handlers.gateway import SlackGateway, make_client
from kpibot_dev.standin import SlackStandIn


@pytest.fixture
def standin():
    with SlackStandIn() as slack:
        slack.add_user("U1", "Li Wei", tz="Asia/Shanghai", tz_offset=28800, locale="zh-CN")
        yield slack


def test_methods_answer_like_slack(standin: SlackStandIn) -> None:
    client = make_client(standin.token, standin.api_url)
    assert client.auth_test()["user_id"] == "U0KPIBOT"
    user = client.users_info(user="U1", include_locale=True)["user"]
    assert (user["tz"], user["locale"]) == ("Asia/Shanghai", "zh-CN")
    channel = client.conversations_open(users="U1")["channel"]["id"]
    posted = client.chat_postMessage(channel=channel, text="hi", metadata={"event_type": "x", "event_payload": {"a": 1}})
    assert client.chat_update(channel=channel, ts=posted["ts"], text="edited")["ok"]
    history = client.conversations_history(channel=channel, include_all_metadata=True)["messages"]
    assert history[0]["text"] == "edited" and history[0]["metadata"]["event_payload"] == {"a": 1}
    assert client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["ok"]
    assert [c.method for c in standin.calls][:3] == ["auth.test", "users.info", "conversations.open"]


def test_wrong_token_and_unknown_user(standin: SlackStandIn) -> None:
    with pytest.raises(SlackApiError, match="invalid_auth"):
        make_client("xoxb-wrong", standin.api_url).auth_test()
    with pytest.raises(SlackApiError, match="user_not_found"):
        make_client(standin.token, standin.api_url).users_info(user="U404")


def test_chosen_failures_and_429(standin: SlackStandIn) -> None:
    gateway = SlackGateway(make_client(standin.token, standin.api_url))
    standin.fail("conversations.open", "user_disabled")
    with pytest.raises(UndeliverableError) as caught:
        gateway.open_dm("U1")
    assert caught.value.reason == "user_disabled"
    standin.rate_limit("conversations.open", retry_after=1)
    assert gateway.open_dm("U1") == "D1"  # waited out the 429
    assert [c.status for c in standin.calls] == [200, 429, 200]


def test_views_over_100_blocks_are_refused(standin: SlackStandIn) -> None:
    client = make_client(standin.token, standin.api_url)
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        client.views_publish(user_id="U1", view={"type": "home", "blocks": [{"type": "divider"}] * 101})


def test_enforced_rate_limit_per_channel(standin: SlackStandIn) -> None:
    standin.enforce_limits(per_channel_per_sec=1)
    client = make_client(standin.token, standin.api_url)
    client.chat_postMessage(channel="D1", text="a")
    client.chat_postMessage(channel="D1", text="b")  # 429, Retry-After 1, then ok
    assert [c.status for c in standin.calls if c.method == "chat.postMessage"] == [200, 429, 200]

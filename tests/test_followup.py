"""Closing the loop: blockers resolved or escalated, action items done, not yet or dropped.

Through the real app (signed clicks and modal submissions), the Slack stand-in and a real database.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import select

from bot.followup_jobs import claim_due
from bot.rounds import tick
from bot.services import Services
from handlers.metadata import secret_of, sign
from storage.engine import session_scope
from storage.tables import ActionItem, Blocker, OutboundMessage, Person
from tests.conftest import Harness


def _person(bot: Harness, slack_id: str) -> Person:
    with session_scope(bot.engine) as session:
        return session.exec(select(Person).where(Person.slack_id == slack_id)).one()


def _blocker(bot: Harness, slack_id: str, text: str, *, days_ago: int = 0, until: date | None = None) -> int:
    owner = _person(bot, slack_id)
    with session_scope(bot.engine) as session:
        row = Blocker(
            person_id=owner.id,
            text=text,
            category="process",
            until=until,
            reported_at=bot.clock.now - timedelta(days=days_ago),
        )
        session.add(row)
        session.flush()
        return row.id or 0


def _item(bot: Harness, slack_id: str, step: str, due: date | None = None) -> int:
    owner = _person(bot, slack_id)
    with session_scope(bot.engine) as session:
        row = ActionItem(person_id=owner.id, next_step=step, due=due, origin="warning", root_cause="process")
        session.add(row)
        session.flush()
        return row.id or 0


def _responses(bot: Harness) -> list[str]:
    return [c.args.get("text", "") for c in bot.slack.calls if c.method == "response_url"]


def _all_text(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks") or message.get("text"), ensure_ascii=False)


def test_the_weekly_prompt_offers_resolved_still_blocked_done_not_yet_and_drop(bot: Harness, services: Services) -> None:
    blocker = _blocker(bot, "U003", "waiting on <!channel> legal", days_ago=3, until=date(2026, 12, 9))
    item = _item(bot, "U003", "Call the top ten accounts", due=date(2026, 12, 4))
    bot.clock.now = bot.clock.now.replace(hour=9)
    assert "U003" in tick(services).prompted
    prompt = bot.last_to("U003")
    buttons = {
        (e["action_id"], e["value"])
        for b in prompt["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith(("blocker_", "action_"))
    }
    assert buttons == {
        ("blocker_resolved", str(blocker)),
        ("blocker_still", str(blocker)),
        ("action_done", str(item)),
        ("action_not_yet", str(item)),
        ("action_drop", str(item)),
    }
    text = _all_text(prompt)
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text  # escaped
    assert "open 3 days" in text and "until Dec 9" in text and "due Dec 4" in text

    bot.click("U003", "blocker_still", str(blocker))
    bot.click("U003", "action_not_yet", str(item))
    with session_scope(bot.engine) as session:
        row = session.get(Blocker, blocker)
        assert row.resolved_at is None and row.date_asked_at is not None  # asked; no second question when the date passes
        assert session.get(ActionItem, item).done_at is None
    bot.clock.advance(days=2)
    bot.click("U003", "blocker_resolved", str(blocker))
    bot.click("U003", "action_done", str(item))
    with session_scope(bot.engine) as session:
        row = session.get(Blocker, blocker)
        me = session.exec(select(Person).where(Person.slack_id == "U003")).one()
        assert row.resolved_by_id == me.id
        assert (row.resolved_at - row.reported_at).days == 5  # the resolution time is kept
        assert session.get(ActionItem, item).done_at is not None
    answers = _responses(bot)
    assert any("Marked resolved after 5 days" in a for a in answers)
    assert any(a.startswith(":white_check_mark: Done: Call the top ten accounts") for a in answers)


def test_only_the_owner_their_manager_or_an_admin_may_resolve(bot: Harness, services: Services) -> None:
    blocker = _blocker(bot, "U001", "卡在法务审批", days_ago=1)
    bot.click("U002", "blocker_resolved", str(blocker))  # a colleague
    assert "Only the person who raised it, their manager or an admin" in _responses(bot)[-1]
    bot.click("U002", "blocker_resolved", "99999")  # a forged id
    assert "can't find that item" in _responses(bot)[-1]
    bot.click("U002", "blocker_resolved", "1; drop table")
    assert "can't find that item" in _responses(bot)[-1]
    with session_scope(bot.engine) as session:
        assert session.get(Blocker, blocker).resolved_at is None
    bot.click("U0MGR", "blocker_manage", "", selected=f"resolve:{blocker}")  # from the team view's menu
    with session_scope(bot.engine) as session:
        row = session.get(Blocker, blocker)
        assert row.resolved_at is not None and row.resolved_by_id == _person(bot, "U0MGR").id
    bot.click("U001", "blocker_resolved", str(blocker))
    assert "already resolved" in _responses(bot)[-1]


def test_the_manager_comments_from_the_team_view_and_the_owner_hears_it(bot: Harness, services: Services) -> None:
    blocker = _blocker(bot, "U002", "No budget for the trade fair", days_ago=4)
    bot.click("U0MGR", "blocker_manage", "", selected=f"comment:{blocker}")
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    values = {"comment": {"text": {"type": "plain_text_input", "value": "I'll ask finance <@U0ADMIN> today"}}}
    _, body = bot.submit("U001", "blocker_comment", values, private_metadata=view["private_metadata"])
    assert body["response_action"] == "errors" and "Only the person" in body["errors"]["comment"]  # Li Wei isn't their manager
    forged = sign("not the secret", str(blocker))
    _, body = bot.submit("U0MGR", "blocker_comment", values, private_metadata=forged)
    assert body["response_action"] == "errors"
    _, body = bot.submit(
        "U0MGR", "blocker_comment", {"comment": {"text": {"value": " "}}}, private_metadata=view["private_metadata"]
    )
    assert body["errors"]["comment"] == "Please write a comment."
    with session_scope(bot.engine) as session:
        assert session.get(Blocker, blocker).comment == ""
    _, body = bot.submit("U0MGR", "blocker_comment", values, private_metadata=view["private_metadata"])
    assert not body
    note = bot.last_to("U002")
    assert "<@U0MGR> commented" in note["text"] and "&lt;@U0ADMIN&gt;" in note["text"]
    with session_scope(bot.engine) as session:
        assert session.get(Blocker, blocker).comment.startswith("I'll ask finance")


def test_drop_asks_for_a_reason_and_refuses_forged_ids(bot: Harness, services: Services) -> None:
    item = _item(bot, "U002", "Run a webinar", due=date(2026, 12, 20))
    other = _item(bot, "U001", "Li Wei's own step")
    bot.click("U002", "action_drop", str(other))
    assert "belongs to someone else" in _responses(bot)[-1]
    bot.click("U002", "action_done", str(other))
    assert "belongs to someone else" in _responses(bot)[-1]
    bot.click("U002", "action_drop", str(item))
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    empty = {"reason": {"text": {"type": "plain_text_input", "value": ""}}}
    _, body = bot.submit("U002", "action_drop", empty, private_metadata=view["private_metadata"])
    assert body["errors"]["reason"] == "Please give a short reason."
    reason = {"reason": {"text": {"type": "plain_text_input", "value": "Marketing runs it now"}}}
    secret = secret_of(services)
    _, body = bot.submit("U002", "action_drop", reason, private_metadata=sign(secret, str(other)))  # signed, not theirs
    assert "belongs to someone else" in body["errors"]["reason"]
    _, body = bot.submit("U002", "action_drop", reason, private_metadata=f"{other}.forged")
    assert body["response_action"] == "errors"
    with session_scope(bot.engine) as session:
        assert session.get(ActionItem, other).dropped_at is None
        assert session.get(ActionItem, item).dropped_at is None
    _, body = bot.submit("U002", "action_drop", reason, private_metadata=view["private_metadata"])
    assert not body
    with session_scope(bot.engine) as session:
        row = session.get(ActionItem, item)
        assert row.dropped_at is not None and row.drop_reason == "Marketing runs it now" and row.done_at is None
    _, me = bot.command("U002", "me")
    text = json.dumps(me, ensure_ascii=False)
    assert "Your action items" in text and "dropped Nov 30: Marketing runs it now" in text


def test_me_lists_open_done_and_overdue_items_with_their_dates(bot: Harness, services: Services) -> None:
    _item(bot, "U002", "Past due step", due=date(2026, 11, 20))
    done = _item(bot, "U002", "Finished step")
    bot.click("U002", "action_done", str(done))
    _, me = bot.command("U002", "me")
    text = json.dumps(me, ensure_ascii=False)
    assert "Past due step (due Nov 20 · :warning: overdue)" in text
    assert "Finished step (done Nov 30)" in text


def test_a_blocker_open_over_two_weeks_is_escalated_once_with_its_text(bot: Harness, services: Services) -> None:
    bot.clock.advance(hours=9)  # 09:00 in London: follow-ups due overnight wait for the reader's morning
    old = _blocker(bot, "U002", "Waiting on <https://evil|legal>", days_ago=15)
    _blocker(bot, "U002", "Fresh one", days_ago=3)
    report = tick(services)
    assert report.followups.escalated == [f"escalate:{old}"]
    assert tick(services).followups.escalated == []
    to_manager = [p for p in bot.slack.posted(bot.slack.dm_channel("U0MGR")) if "blocked for" in p["text"]]
    assert len(to_manager) == 1
    assert "<@U002> has been blocked for 15 days" in to_manager[0]["text"]
    assert "Waiting on &lt;https://evil|legal&gt;" in to_manager[0]["text"]
    actions = [e["action_id"] for b in to_manager[0]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["blocker_resolved", "blocker_comment"]


def test_escalations_and_reminders_survive_a_crash_between_claim_and_send(bot: Harness, services: Services) -> None:
    bot.clock.advance(hours=9)  # 09:00 in London: follow-ups due overnight wait for the reader's morning
    _blocker(bot, "U002", "Stuck on pricing approval", days_ago=20)
    _blocker(bot, "U003", "Waiting for the new laptop", days_ago=2, until=date(2026, 11, 27))
    _item(bot, "U001", "Book the workshop", due=date(2026, 11, 25))
    with session_scope(bot.engine) as session:  # as a profile refresh would have found: Li Wei reads Chinese
        session.exec(select(Person).where(Person.slack_id == "U001")).one().locale = "zh-CN"
    keys = claim_due(services, bot.clock.now)  # the process dies right after this commit
    assert len(keys) == 3
    assert not bot.slack.posted(bot.slack.dm_channel("U0MGR"))
    bot.clock.advance(minutes=1)
    tick(services)  # within the lease: maybe still in flight elsewhere, not touched
    assert not [p for p in bot.slack.posted(bot.slack.dm_channel("U0MGR")) if "blocked for" in p["text"]]
    bot.clock.advance(minutes=3)
    first = tick(services)
    tick(services)
    assert len(first.followups.recovered) == 3
    assert len([p for p in bot.slack.posted(bot.slack.dm_channel("U0MGR")) if "blocked for" in p["text"]]) == 1
    assert len([p for p in bot.slack.posted(bot.slack.dm_channel("U003")) if "cleared by Nov 27" in p["text"]]) == 1
    assert len([p for p in bot.slack.posted(bot.slack.dm_channel("U001")) if "11月25日" in p["text"]]) == 1
    assert "行动项已于11月25日到期" in bot.last_to("U001")["text"]  # Li Wei reads Chinese


def test_a_send_that_happened_before_the_crash_is_found_not_repeated(bot: Harness, services: Services) -> None:
    bot.clock.advance(hours=9)  # 09:00 in London: follow-ups due overnight wait for the reader's morning
    blocker = _blocker(bot, "U002", "Stuck on pricing approval", days_ago=20)
    tick(services)
    with session_scope(bot.engine) as session:  # as if the process died before recording the send
        row = session.get(OutboundMessage, f"escalate:{blocker}")
        row.ts = None
    bot.clock.advance(minutes=5)
    assert tick(services).followups.recovered
    assert len([p for p in bot.slack.posted(bot.slack.dm_channel("U0MGR")) if "blocked for" in p["text"]]) == 1


def test_follow_ups_due_overnight_wait_for_the_readers_morning(bot: Harness, services: Services) -> None:
    """Due at midnight on someone's clock (a day turned), sent from 09:00 on the reader's: no DM at 00:20."""
    bot.clock.advance(minutes=20)  # 00:20 in London (the manager), 00:20 UTC (Sam), 08:20 in Shanghai (Li Wei)
    with session_scope(bot.engine) as session:  # as Slack's profile tells it on first contact
        session.exec(select(Person).where(Person.slack_id == "U001")).one().tz = "Asia/Shanghai"
    _blocker(bot, "U002", "Stuck on pricing approval", days_ago=20)
    _blocker(bot, "U003", "Waiting for the new laptop", days_ago=2, until=date(2026, 11, 27))
    _item(bot, "U001", "Book the workshop", due=date(2026, 11, 25))
    assert claim_due(services, bot.clock.now) == []
    bot.clock.advance(minutes=40)  # 09:00 in Shanghai: Li Wei's reminder only
    assert claim_due(services, bot.clock.now) == [f"action-due:{_action_id(bot, 'Book the workshop')}"]
    bot.clock.advance(hours=8)  # 09:00 in London and UTC: the escalation and Sam's question
    keys = claim_due(services, bot.clock.now)
    assert sorted(k.split(":")[0] for k in keys) == ["blocker-date", "escalate"]
    assert claim_due(services, bot.clock.now) == []


def _action_id(bot: Harness, step: str) -> int:
    with session_scope(bot.engine) as session:
        return session.exec(select(ActionItem).where(ActionItem.next_step == step)).one().id or 0


def test_two_schedulers_at_once_escalate_once(bot: Harness, services: Services) -> None:
    from concurrent.futures import ThreadPoolExecutor

    bot.clock.advance(hours=9)  # 09:00 in London: follow-ups due overnight wait for the reader's morning
    _blocker(bot, "U002", "Stuck on pricing approval", days_ago=20)
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: tick(services), range(3)))
    assert len([p for p in bot.slack.posted(bot.slack.dm_channel("U0MGR")) if "blocked for" in p["text"]]) == 1


def test_the_team_view_lists_what_blocks_whom_oldest_first_and_share_keeps_counts(bot: Harness, services: Services) -> None:
    _blocker(bot, "U002", "Newer <b>thing</b>", days_ago=2)
    _blocker(bot, "U001", "卡在法务审批，等到下周三", days_ago=9, until=date(2026, 12, 2))
    _, body = bot.command("U0MGR", "team")
    blocks = body["blocks"]
    listed = [b for b in blocks if b.get("block_id", "").startswith("tb_")]
    assert [b["text"]["text"].split(":")[0] for b in listed] == ["<@U001>", "<@U002>"]  # oldest first
    assert "卡在法务审批" in listed[0]["text"]["text"] and "open 9 days" in listed[0]["text"]["text"]
    assert "until Dec 2" in listed[0]["text"]["text"] and "process" in listed[0]["text"]["text"]
    assert "Newer &lt;b&gt;thing&lt;/b&gt;" in listed[1]["text"]["text"]
    assert listed[0]["accessory"]["action_id"] == "blocker_manage"
    _, shared = bot.command("U0MGR", "team share")
    text = json.dumps(shared, ensure_ascii=False)
    assert "process 2" in text and "法务" not in text and "Newer" not in text and "U001" not in text


def test_app_home_lists_the_blockers_for_the_manager(bot: Harness, services: Services) -> None:
    from handlers.home import home_view

    _blocker(bot, "U002", "No budget for travel", days_ago=2)
    view = home_view(services, "U0MGR").to_dict()
    assert any(b.get("block_id", "").startswith("tb_") and "No budget" in b["text"]["text"] for b in view["blocks"])


def test_resolution_time_is_kept_in_utc(bot: Harness, services: Services) -> None:
    blocker = _blocker(bot, "U003", "Waiting for access", days_ago=1)
    bot.clock.now = datetime(2026, 12, 3, 12, tzinfo=UTC)
    bot.click("U003", "blocker_resolved", str(blocker))
    with session_scope(bot.engine) as session:
        row = session.get(Blocker, blocker)
        assert row.resolved_at.tzinfo is not None and row.resolved_at.hour == 12


def test_words_in_a_reply_resolve_the_blocker_they_are_about(bot: Harness, services: Services) -> None:
    only = _blocker(bot, "U001", "卡在法务审批，等到下周三", days_ago=6)
    bot.dm("U001", "审批下来了")
    with session_scope(bot.engine) as session:
        assert session.get(Blocker, only).resolved_at is not None
        assert len(session.exec(select(Blocker)).all()) == 1  # not read as a new blocker
    assert "Marked resolved after 6 days" in bot.last_to("U001")["text"]  # Li Wei's locale is refreshed later

    legal = _blocker(bot, "U002", "Waiting on legal approval of the contract", days_ago=3)
    budget = _blocker(bot, "U002", "No budget for travel", days_ago=2)
    bot.dm("U002", "legal approved it")
    with session_scope(bot.engine) as session:
        assert session.get(Blocker, legal).resolved_at is not None
        assert session.get(Blocker, budget).resolved_at is None


def test_the_bot_asks_which_blocker_when_a_reply_does_not_say(bot: Harness, services: Services) -> None:
    first = _blocker(bot, "U002", "Waiting on legal approval", days_ago=3)
    second = _blocker(bot, "U002", "No budget for travel", days_ago=2)
    bot.dm("U002", "blocker resolved")
    question = bot.last_to("U002")
    assert "Which blocker is resolved?" in question["text"]
    values = [e["value"] for b in question["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert values == [str(first), str(second)]
    with session_scope(bot.engine) as session:
        assert all(b.resolved_at is None for b in session.exec(select(Blocker)).all())  # never a guess
        assert len(session.exec(select(Blocker)).all()) == 2
    bot.click("U002", "blocker_resolved", str(second))
    with session_scope(bot.engine) as session:
        assert session.get(Blocker, second).resolved_at is not None
        assert session.get(Blocker, first).resolved_at is None

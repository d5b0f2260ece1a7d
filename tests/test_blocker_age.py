"""A blocker's age is one number for everyone: from the day it started, in whole days on its owner's calendar.

Hand-checked timeline (Emma Brown, New York, UTC-5 in December; her manager Mia, London, UTC+0):
* Mon 30 Nov 11:00 NY (16:00 UTC) Emma reports two blockers: "waiting on leads from marketing since
  last Tuesday" (started Tue 24 Nov) and "stuck on pricing approval" (started Mon 30 Nov).
* Mon 7 Dec 09:00 NY, her prompt: leads 13 days (24 Nov -> 7 Dec), pricing 7 days.
  (Counting 24-hour spans from the report, as before, said 6 and 6.)
* Tue 8 Dec 04:59 UTC = Mon 7 Dec 23:59 NY: still 13 days on Emma's calendar (already the 8th in London):
  no escalation, the team view says 13.
* Tue 8 Dec 05:00 UTC = 00:00 NY: leads is 14 days old: Mia is told "blocked for 14 days"; /kpi team and
  App Home say "open 14 days"; pricing is 8 days.
* Mon 14 Dec 05:00 UTC = 00:00 NY: pricing is 14 days: escalated with "14 days". Emma's prompt at 09:00 NY
  the same day says pricing "open 14 days" (before: "13 days", two hours before the manager heard "14 days")
  and leads "open 20 days".
* Mon 14 Dec 10:00 NY Emma resolves leads: "after 20 days"; December's retro gives resources a median of 20 days
  (before: 13.96 days from the report, shown as 14).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import col, select

from bot.rounds import tick
from bot.services import Services
from storage.engine import session_scope
from storage.tables import Blocker
from tests.conftest import Harness

REPLY = "revenue 7.5k, 2 new clients, waiting on leads from marketing since last Tuesday, stuck on pricing approval"


def _prompt_text(bot: Harness, slack_id: str) -> str:
    prompts = [
        m
        for m in bot.slack.posted(bot.slack.dm_channel(slack_id))
        if "checkin" in ((m.get("metadata") or {}).get("event_payload") or {})
    ]
    return json.dumps(prompts[-1]["blocks"], ensure_ascii=False)


def _team_line(bot: Harness, words: str) -> str:
    _, body = bot.command("U0MGR", "team")
    return next(
        b["text"]["text"] for b in body["blocks"] if b.get("block_id", "").startswith("tb_") and words in b["text"]["text"]
    )


def _home(bot: Harness, slack_id: str) -> dict[str, Any]:
    published = len(bot.slack.calls_to("views.publish"))
    bot.open_home(slack_id)
    assert bot.slack.wait_for(lambda _: len(bot.slack.calls_to("views.publish")) > published, timeout=30)
    return [c for c in bot.slack.calls_to("views.publish") if c.args.get("user_id") == slack_id][-1].args["view"]


def _to_manager(bot: Harness) -> list[str]:
    return [p["text"] for p in bot.slack.posted(bot.slack.dm_channel("U0MGR")) if "blocked for" in p["text"]]


def test_a_blockers_age_counts_from_its_since_date_on_the_owners_calendar(bot: Harness, services: Services) -> None:
    bot.clock.now = datetime(2026, 11, 30, 16, tzinfo=UTC)
    bot.dm("U002", REPLY)
    with session_scope(bot.engine) as session:
        rows = session.exec(select(Blocker).order_by(col(Blocker.id))).all()
        leads, pricing = (r.id for r in rows)
        assert [(r.category, r.since) for r in rows] == [("resources", date(2026, 11, 24)), ("process", None)]

    bot.clock.now = datetime(2026, 12, 7, 14, tzinfo=UTC)  # Monday 09:00 in New York: week 50's prompt
    assert "U002" in tick(services).prompted
    prompt = _prompt_text(bot, "U002")
    assert "waiting on leads from marketing since last Tuesday (resources · open 13 days)" in prompt
    assert "stuck on pricing approval (process · open 7 days)" in prompt

    bot.clock.now = datetime(2026, 12, 8, 4, 59, tzinfo=UTC)  # 23:59 Monday in New York, Tuesday in London
    assert tick(services).followups.escalated == []
    assert "open 13 days" in _team_line(bot, "waiting on leads")  # the owner's calendar, not the reader's

    bot.clock.now = datetime(2026, 12, 8, 5, tzinfo=UTC)  # midnight in New York: 14 days, but 05:00 for the manager
    assert tick(services).followups.escalated == []
    bot.clock.now = datetime(2026, 12, 8, 9, tzinfo=UTC)  # 09:00 in London: the manager hears of it in the morning
    assert tick(services).followups.escalated == [f"escalate:{leads}"]
    assert len(_to_manager(bot)) == 1 and "<@U002> has been blocked for 14 days" in _to_manager(bot)[0]
    assert "waiting on leads" in _to_manager(bot)[0]
    assert "open 14 days" in _team_line(bot, "waiting on leads")
    assert "open 8 days" in _team_line(bot, "pricing approval")
    home = json.dumps(_home(bot, "U0MGR"), ensure_ascii=False)
    assert "since last Tuesday (resources · open 14 days)" in home and "pricing approval (process · open 8 days)" in home

    bot.clock.now = datetime(2026, 12, 14, 9, tzinfo=UTC)  # pricing is 14 days old (since midnight in New York)
    assert tick(services).followups.escalated == [f"escalate:{pricing}"]
    assert "<@U002> has been blocked for 14 days" in _to_manager(bot)[-1] and "pricing approval" in _to_manager(bot)[-1]
    bot.clock.now = datetime(2026, 12, 14, 14, tzinfo=UTC)  # 09:00 in New York, nine hours later: the same 14
    tick(services)
    prompt = _prompt_text(bot, "U002")
    assert "stuck on pricing approval (process · open 14 days)" in prompt
    assert "since last Tuesday (resources · open 20 days)" in prompt
    assert len(_to_manager(bot)) == 2  # each told once

    bot.clock.now = datetime(2026, 12, 14, 15, tzinfo=UTC)
    bot.click("U002", "blocker_resolved", str(leads))
    answers = [c.args.get("text", "") for c in bot.slack.calls if c.method == "response_url"]
    assert any("Marked resolved after 20 days" in a for a in answers), answers

    bot.clock.now = datetime(2027, 1, 1, 9, tzinfo=UTC)  # December's retro, in the manager's London morning
    tick(services)
    retro = json.dumps(bot.last_to("C0SALES")["blocks"], ensure_ascii=False)
    assert "median time to resolve: resources 20 days" in retro

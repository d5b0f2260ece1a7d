"""The monthly retro follows up: one post in the team's language, ONE DM and ONE modal per person,
answers as action items in the post's thread, channel problems told to the manager once; exactly once."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import select

from bot.outbox import send_claimed
from bot.periods import week_key
from bot.retro import claim_due_retros
from bot.rounds import tick
from bot.services import Services
from handlers.metadata import sign
from storage.engine import session_scope
from storage.tables import ActionItem, Blocker, Kpi, Measurement, Person, Retro, RetroAsk, Team
from tests.conftest import Harness

RETRO_DAY = datetime(2026, 12, 1, 9, tzinfo=UTC)  # retro day 1, in the manager's London time


def _weekly(bot: Harness, slack_id: str, name: str, value: float, weeks: int = 9, start: date = date(2026, 9, 28)) -> None:
    with session_scope(bot.engine) as session:
        person = session.exec(select(Person).where(Person.slack_id == slack_id)).one()
        kpi = session.exec(select(Kpi).where(Kpi.owner_id == person.id, Kpi.name == name)).one()
        for i in range(weeks):
            monday = start + timedelta(weeks=i)
            session.add(Measurement(kpi_id=kpi.id, period_key=week_key(monday), week_start=monday, value=value))


def _month(bot: Harness) -> None:
    """Li Wei misses Revenue and New customers; Emma is ahead; a resolved and an open blocker; action items."""
    _weekly(bot, "U001", "Revenue", 10_000)
    _weekly(bot, "U001", "New customers", 0.5)
    _weekly(bot, "U002", "Revenue", 9_000)
    _weekly(bot, "U002", "New customers", 3)
    with session_scope(bot.engine) as session:
        li = session.exec(select(Person).where(Person.slack_id == "U001")).one()
        emma = session.exec(select(Person).where(Person.slack_id == "U002")).one()
        li.locale = "zh-CN"
        nov = datetime(2026, 11, 3, 9, tzinfo=UTC)
        session.add(
            Blocker(
                person_id=li.id, text="legal review", category="process", reported_at=nov, resolved_at=nov + timedelta(days=4)
            )
        )
        session.add(
            Blocker(person_id=emma.id, text="no leads", category="process", reported_at=nov, resolved_at=nov + timedelta(days=2))
        )
        session.add(Blocker(person_id=emma.id, text="no budget", category="resources", reported_at=nov + timedelta(days=9)))
        session.add(ActionItem(person_id=li.id, next_step="done one", created_at=nov, done_at=nov + timedelta(days=5)))
        session.add(ActionItem(person_id=li.id, next_step="late one", created_at=nov, due=date(2026, 11, 20)))
        session.add(ActionItem(person_id=emma.id, next_step="open one", created_at=nov, due=date(2026, 12, 20)))
        session.add(
            ActionItem(
                person_id=emma.id, next_step="dropped one", created_at=nov, dropped_at=nov + timedelta(days=1), drop_reason="x"
            )
        )


def _answer_values(kpis: list[dict[str, Any]], **over: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for k in kpis:
        i = k["kpi_id"]
        values[f"k{i}_cause"] = {"v": {"type": "static_select", "selected_option": over.get("cause", {"value": "process"})}}
        values[f"k{i}_change"] = {"v": {"type": "plain_text_input", "value": over.get("change", f"Fix {k['name']}")}}
        values[f"k{i}_owner"] = {"v": {"type": "users_select", "selected_user": over.get("owner", "U001")}}
        values[f"k{i}_due"] = {"v": {"type": "plain_text_input", "value": over.get("due", "下周五")}}
    return values


def test_the_retro_posts_once_in_the_team_language_and_follows_up_in_one_modal(bot: Harness, services: Services) -> None:
    _month(bot)
    with session_scope(bot.engine) as session:
        session.exec(select(Team)).one().locale = "zh-CN"
    bot.clock.now = RETRO_DAY
    assert tick(services).retros == 1 and tick(services).retros == 0
    post = bot.last_to("C0SALES")
    text = json.dumps(post["blocks"], ensure_ascii=False)
    assert "2026年11月复盘" in text  # the team's language
    assert "上月行动项：已完成 1，未完成 2（逾期 1），已放弃 1" in text
    assert "流程 3 天" in text  # median of 4 and 2 days
    assert "本月落后或有风险的 2 个 KPI 的负责人已被私下询问原因和下一步" in text  # Li Wei's two; Emma is ahead
    for private in ("Li Wei", "Emma", "10k", "U001", "legal", "late one"):
        assert private not in text  # team figures only
    asks = [p for p in bot.slack.posted(bot.slack.dm_channel("U001")) if "月度复盘" in p["text"]]
    assert len(asks) == 1  # ONE message with all of Li Wei's missed KPIs
    listed = json.dumps(asks[0]["blocks"], ensure_ascii=False)
    assert "Revenue" in listed and "New customers" in listed
    assert not [p for p in bot.slack.posted(bot.slack.dm_channel("U002")) if "retro" in p["text"].lower()]
    ask_id = next(e["value"] for b in asks[0]["blocks"] if b["type"] == "actions" for e in b["elements"])

    bot.click("U002", "retro_answer", ask_id)  # someone else's follow-up
    assert "belongs to someone else" in bot.slack.calls_to("response_url")[-1].args["text"]
    bot.click("U001", "retro_answer", ask_id)
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "retro_answers" and len(view["blocks"]) == 8  # 4 questions x 2 KPIs
    with session_scope(bot.engine) as session:
        kpis = session.exec(select(RetroAsk)).one().kpis
    metadata = view["private_metadata"]

    _, body = bot.submit("U001", "retro_answers", _answer_values(kpis, cause=None), private_metadata=metadata)
    assert body["response_action"] == "errors" and set(body["errors"]) == {f"k{k['kpi_id']}_cause" for k in kpis}
    assert "请选择主要原因" in next(iter(body["errors"].values()))  # in Li Wei's language
    _, body = bot.submit("U001", "retro_answers", _answer_values(kpis, due="上周一"), private_metadata=metadata)
    assert "已经过去" in next(iter(body["errors"].values()))
    _, body = bot.submit("U001", "retro_answers", _answer_values(kpis, due="whenever"), private_metadata=metadata)
    assert "没看懂" in next(iter(body["errors"].values()))
    _, body = bot.submit("U001", "retro_answers", _answer_values(kpis, owner="U0NOBODY"), private_metadata=metadata)
    assert "负责人" in next(iter(body["errors"].values()))
    _, body = bot.submit("U001", "retro_answers", _answer_values(kpis), private_metadata=sign("wrong", "1"))
    assert body["response_action"] == "errors"
    _, body = bot.submit("U002", "retro_answers", _answer_values(kpis), private_metadata=metadata)
    assert body["response_action"] == "errors"
    with session_scope(bot.engine) as session:
        assert not session.exec(select(ActionItem).where(ActionItem.origin == "retro")).all()  # nothing wrong stored

    _, body = bot.submit("U001", "retro_answers", _answer_values(kpis, owner="U0MGR"), private_metadata=metadata)
    assert not body
    with session_scope(bot.engine) as session:
        items = session.exec(select(ActionItem).where(ActionItem.origin == "retro")).all()
        retro = session.exec(select(Retro)).one()
        mgr = session.exec(select(Person).where(Person.slack_id == "U0MGR")).one()
        assert len(items) == 2 and {i.person_id for i in items} == {mgr.id}
        assert all(
            i.retro_id == retro.id and i.root_cause == "process" and i.due == date(2026, 12, 11) for i in items
        )  # 下周五: next week's Friday
    thread = [p for p in bot.slack.posted("C0SALES") if p.get("thread_ts")]
    assert len(thread) == 1 and thread[0]["thread_ts"] == retro.ts
    assert "<@U001> 的复盘跟进" in thread[0]["text"] and "负责人 <@U0MGR>" in thread[0]["text"]
    _, body = bot.submit("U001", "retro_answers", _answer_values(kpis), private_metadata=metadata)
    assert "已经回答过" in next(iter(body["errors"].values()))


def test_the_retro_ask_shows_value_so_far_and_on_pace_as_kpi_state_does(bot: Harness, services: Services) -> None:
    """In the reader's language, figures as every other surface shows them (bot.kpi_state at the month end).

    By hand: November's last reporting week (Li Wei's, Shanghai) ends Sun 6 Dec = day 67 of Q4's 92;
    Revenue 9 x 10k = 90k against 600k x 67/92 = 436,957 -> 437k; New customers 9 x 0.5 = 4.5 against
    26 x 67/92 = 18.93 -> 18.9.
    """
    bot.slack.add_user("U001", "Li Wei", tz="Asia/Shanghai", tz_offset=28800, locale="en-US")  # reads English
    _month(bot)
    with session_scope(bot.engine) as session:
        session.exec(select(Person).where(Person.slack_id == "U001")).one().locale = "en-US"
    bot.clock.now = RETRO_DAY
    assert tick(services).retros == 1
    (ask,) = [p for p in bot.slack.posted(bot.slack.dm_channel("U001")) if "Monthly retro" in p["text"]]
    listed = json.dumps(ask["blocks"], ensure_ascii=False)
    assert "\u2022 Revenue (behind): CNY 90k so far, CNY 437k on pace by Dec 6" in listed
    assert "\u2022 New customers (behind): 4.5 so far, 18.9 on pace by Dec 6" in listed
    post = json.dumps(bot.last_to("C0SALES")["blocks"])
    assert "The owners of the 2 KPIs that ended the month behind or at risk have been asked privately" in post
    ask_id = next(e["value"] for b in ask["blocks"] if b["type"] == "actions" for e in b["elements"])
    bot.click("U001", "retro_answer", ask_id)
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    hints = [b["hint"]["text"] for b in view["blocks"] if "hint" in b]
    assert hints == ["behind: CNY 90k so far, CNY 437k on pace by Dec 6", "behind: 4.5 so far, 18.9 on pace by Dec 6"]


def test_the_retro_waits_for_the_managers_morning_on_its_day(bot: Harness, services: Services) -> None:
    """The month turns at midnight; the retro post and its DMs go out from 09:00 on the manager's clock."""
    _weekly(bot, "U002", "Revenue", 1_000, weeks=4, start=date(2026, 11, 2))  # behind: a retro DM is due
    bot.clock.now = RETRO_DAY.replace(hour=0, minute=20)
    tick(services)
    assert not bot.slack.posted("C0SALES") and not _retro_dms(bot, "U002")  # (the week's check-in prompt may be there)
    bot.clock.now = RETRO_DAY
    tick(services)
    assert len(bot.slack.posted("C0SALES")) == 1 and len(_retro_dms(bot, "U002")) == 1


def _retro_dms(bot: Harness, slack_id: str) -> list[dict[str, Any]]:
    return [p for p in bot.slack.posted(bot.slack.dm_channel(slack_id)) if "retro" in p["text"].lower()]


def test_the_retro_shows_what_improved_and_what_slipped(bot: Harness, services: Services) -> None:
    _weekly(bot, "U002", "Revenue", 9_000, weeks=5)  # ahead in October...
    _weekly(bot, "U002", "Revenue", 0, weeks=4, start=date(2026, 11, 2))  # ...then nothing in November
    _weekly(bot, "U001", "Revenue", 1_000, weeks=5)  # far behind in October...
    _weekly(bot, "U001", "Revenue", 150_000, weeks=4, start=date(2026, 11, 2))  # ...catching up in November
    bot.clock.now = RETRO_DAY
    tick(services)
    text = json.dumps(bot.last_to("C0SALES")["blocks"], ensure_ascii=False)
    assert "Slipped: Revenue" in text and "Improved: Revenue" in text


def test_a_channel_the_bot_cannot_post_in_is_told_to_the_manager_once(bot: Harness, services: Services) -> None:
    _month(bot)
    bot.slack.fail("chat.postMessage", "not_in_channel", times=5, channel="C0SALES")
    bot.clock.now = RETRO_DAY
    tick(services)
    tick(services)
    bot.clock.advance(minutes=10)
    tick(services)
    notes = [p for p in bot.slack.posted(bot.slack.dm_channel("U0MGR")) if "I'm not a member" in p["text"]]
    assert len(notes) == 1 and "/invite @kpibot" in notes[0]["text"] and "<#C0SALES>" in notes[0]["text"]
    assert not bot.slack.posted("C0SALES")
    asks = [p for p in bot.slack.posted(bot.slack.dm_channel("U001")) if "月度复盘" in p["text"]]
    assert len(asks) == 1  # the people are still asked: nothing is skipped silently


def test_an_archived_channel_says_so(bot: Harness, services: Services) -> None:
    _month(bot)
    bot.slack.fail("chat.postMessage", "is_archived", times=1, channel="C0SALES")
    bot.clock.now = RETRO_DAY
    tick(services)
    assert [p for p in bot.slack.posted(bot.slack.dm_channel("U0MGR")) if "the channel is archived" in p["text"]]


def test_a_crash_between_claim_and_send_posts_the_retro_and_the_asks_exactly_once(bot: Harness, services: Services) -> None:
    _month(bot)
    bot.clock.now = RETRO_DAY
    with session_scope(services.engine) as session:
        keys = claim_due_retros(session, now=bot.clock.now)  # the process dies right after this commit
    assert len(keys) == 2  # the post and Li Wei's follow-up
    bot.clock.advance(minutes=1)
    tick(services)  # within the lease: not touched
    assert not bot.slack.posted("C0SALES")
    bot.clock.advance(minutes=3)
    tick(services)
    tick(services)
    send_claimed(services, keys, now=bot.clock.now)  # a late original sender finds them sent
    assert len([p for p in bot.slack.posted("C0SALES") if "retro for November 2026" in p["text"]]) == 1
    assert len([p for p in bot.slack.posted(bot.slack.dm_channel("U001")) if "月度复盘" in p["text"]]) == 1
    with session_scope(services.engine) as session:
        assert session.exec(select(Retro)).one().ts is not None  # recorded for the answers' thread


def test_two_schedulers_at_once_post_one_retro(bot: Harness, services: Services) -> None:
    from concurrent.futures import ThreadPoolExecutor

    _month(bot)
    bot.clock.now = RETRO_DAY
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: tick(services), range(3)))
    assert len([p for p in bot.slack.posted("C0SALES") if "retro for November 2026" in p["text"]]) == 1


def test_a_chinese_team_channel_reads_the_chinese_kpi_names(bot: Harness, services: Services) -> None:
    with session_scope(bot.engine) as session:
        session.exec(select(Team)).one().locale = "zh-CN"
        for kpi in session.exec(select(Kpi).where(Kpi.name == "Revenue")).all():
            kpi.names = {"zh": "销售额"}
    _weekly(bot, "U002", "Revenue", 9_000, weeks=5)
    _weekly(bot, "U002", "Revenue", 0, weeks=4, start=date(2026, 11, 2))
    bot.clock.now = RETRO_DAY
    tick(services)
    text = json.dumps(bot.last_to("C0SALES")["blocks"], ensure_ascii=False)
    assert "销售额" in text and "Revenue" not in text

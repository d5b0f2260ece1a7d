"""The weekly check-in, end to end: scheduler tick -> DM prompt -> replies -> questions -> confirmation.

Everything goes through the real Bolt app (signed HTTP), the Slack stand-in and a real database.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from bot.rounds import tick
from bot.services import Services
from storage.engine import session_scope
from storage.tables import Blocker, Checkin, Measurement, Person
from tests.conftest import MONDAY, Harness


def _values(bot: Harness, slack_id: str) -> dict[str, float]:
    from storage.tables import Kpi

    with session_scope(bot.engine) as session:
        rows = session.exec(
            select(Kpi.name, Measurement.value)
            .join(Measurement, Measurement.kpi_id == Kpi.id)
            .join(Person, Person.id == Kpi.owner_id)
            .where(Person.slack_id == slack_id)
        ).all()
    return {name: value for name, value in rows}


def _buttons(message: dict) -> list[str]:
    return [e["action_id"] for b in message.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def test_prompt_goes_out_at_each_members_local_time(bot: Harness, services: Services) -> None:
    # Monday 00:00 UTC: 08:00 in Shanghai, still Sunday in New York
    bot.clock.now = bot.clock.now.replace(hour=0, minute=59)
    assert tick(services).prompted == []
    bot.clock.now = bot.clock.now.replace(hour=1, minute=0)  # 09:00 Shanghai
    assert tick(services).prompted == ["U001"]
    bot.clock.now = bot.clock.now.replace(hour=9, minute=0)  # 09:00 UTC
    assert tick(services).prompted == ["U003"]
    bot.clock.now = bot.clock.now.replace(hour=14, minute=0)  # 09:00 New York
    assert sorted(tick(services).prompted) == ["U002"]
    assert tick(services).prompted == []  # nothing twice
    prompt = bot.last_to("U001")
    assert "第49周（11月30日 – 12月6日）" in prompt["text"]
    assert _buttons(prompt) == ["checkin_form", "checkin_skip", "checkin_snooze", "checkin_away"]
    body = " ".join(b["text"]["text"] for b in prompt["blocks"] if b["type"] == "section")
    assert "¥60万" in body and "例如" in body  # target shown, Chinese for a zh-CN user
    assert "revenue" in bot.last_to("U002")["blocks"][-2]["text"]["text"].lower()  # example from own KPIs


def test_partial_reply_asks_only_for_what_is_missing_then_confirms(bot: Harness, services: Services) -> None:
    bot.clock.now = bot.clock.now.replace(hour=14)
    tick(services)
    bot.dm("U002", "revenue 7.5k, waiting on leads from marketing since last Tuesday")
    question = bot.last_to("U002")["text"]
    assert "Revenue USD 7,500" in question and "New customers" in question
    assert _values(bot, "U002") == {"Revenue": 7500.0}
    bot.dm("U002", "2")
    confirmation = bot.last_to("U002")
    assert "Here is what I stored" in confirmation["text"]
    assert _buttons(confirmation) == ["checkin_confirm", "checkin_edit"]
    assert _values(bot, "U002") == {"Revenue": 7500.0, "New customers": 2.0}
    with session_scope(bot.engine) as session:
        blocker = session.exec(select(Blocker)).one()
        assert blocker.category == "resources"
        assert blocker.since == date(2026, 11, 24)  # "last Tuesday" from Monday 30 Nov in New York


def test_chinese_reply_with_blocker_and_date(bot: Harness, services: Services) -> None:
    bot.clock.now = bot.clock.now.replace(hour=2)
    tick(services)
    bot.dm("U001", "销售额4.5万，新客户两个，投诉率0.8%，卡在法务审批，等到下周三")
    reply = bot.last_to("U001")
    assert "这是我为第49周记录的内容" in reply["text"]
    assert _values(bot, "U001") == {"Revenue": 45000.0, "New customers": 2.0, "Complaint rate": 0.8}
    with session_scope(bot.engine) as session:
        blocker = session.exec(select(Blocker)).one()
        assert blocker.category == "process"
        assert blocker.until == date(2026, 12, 9)


def test_correction_replaces_instead_of_duplicating(bot: Harness) -> None:
    bot.dm("U002", "revenue 7k, 2 new clients")
    bot.dm("U002", "actually revenue was 8k")
    assert _values(bot, "U002") == {"Revenue": 8000.0, "New customers": 2.0}
    with session_scope(bot.engine) as session:
        assert len(session.exec(select(Measurement)).all()) == 2


def test_editing_the_slack_message_updates_the_stored_value(bot: Harness) -> None:
    _, ts = bot.dm("U002", "revenue 7k, 2 new clients")
    before = len(bot.slack.posted(bot.slack.dm_channel("U002")))
    status = bot.edit("U002", "revenue 9k, 2 new clients", "revenue 7k, 2 new clients", ts=ts, edited_at=f"{float(ts) + 5:.6f}")
    assert status == 200
    assert bot.slack.wait_for(lambda _: len(bot.slack.posted(bot.slack.dm_channel("U002"))) > before)
    assert "Updated" in bot.last_to("U002")["text"]
    assert _values(bot, "U002") == {"Revenue": 9000.0, "New customers": 2.0}


def test_ambiguous_and_implausible_values_are_asked_not_stored(bot: Harness) -> None:
    bot.dm("U002", "revenue 45k 50k, 2 new clients")
    assert "USD 45k / USD 50k" in bot.last_to("U002")["text"]
    assert _values(bot, "U002") == {"New customers": 2.0}
    bot.dm("U002", "50k")
    assert _values(bot, "U002") == {"Revenue": 50000.0, "New customers": 2.0}
    bot.dm("U002", "new clients -3")
    assert "unusual" in bot.last_to("U002")["text"]
    assert _values(bot, "U002")["New customers"] == 2.0
    bot.dm("U002", "3")
    assert _values(bot, "U002")["New customers"] == 3.0


def test_bare_numbers_follow_kpi_order_and_a_count_mismatch_is_asked(bot: Harness) -> None:
    bot.dm("U001", "45000, 2, 0.8")
    assert _values(bot, "U001") == {"Revenue": 45000.0, "New customers": 2.0, "Complaint rate": 0.8}
    bot.dm("U002", "5 6 7")
    assert _values(bot, "U002") == {}
    assert "couldn't tell which KPI" in bot.last_to("U002")["text"]


def test_bad_input_gets_a_friendly_answer_and_stores_nothing(bot: Harness) -> None:
    for text in ["", "🎉🎉🎉", "x" * 40_000]:
        bot.dm("U002", text)
        assert bot.last_to("U002")["text"]
    assert _values(bot, "U002") == {}
    assert "first 4,000 characters" in bot.last_to("U002")["text"]


def test_mentions_in_a_blocker_are_escaped_when_shown(bot: Harness) -> None:
    bot.dm("U002", "revenue 5k, 1 new client, blocked by <!channel> and <@U0MGR> <https://evil.example|click>")
    shown = str(bot.last_to("U002")["blocks"])
    assert "<!channel>" not in shown and "<@U0MGR>" not in shown and "<https://evil" not in shown
    assert "&lt;!channel&gt;" in shown


def test_looks_right_and_edit_buttons(bot: Harness) -> None:
    bot.dm("U002", "revenue 5k, 1 new client")
    confirmation = bot.last_to("U002")
    checkin_id = confirmation["blocks"][-1]["elements"][0]["value"]
    message = {"ts": bot.slack.calls_to("chat.postMessage")[-1].response["ts"], "text": confirmation["text"]}
    assert bot.click("U002", "checkin_confirm", checkin_id, message=message) == 200
    assert bot.slack.wait_for(lambda _: bool(bot.slack.calls_to("chat.update")))
    with session_scope(bot.engine) as session:
        assert session.get(Checkin, int(checkin_id)).status == "confirmed"
    # someone else's click changes nothing
    bot.click("U001", "checkin_skip", checkin_id)
    with session_scope(bot.engine) as session:
        assert session.get(Checkin, int(checkin_id)).status == "confirmed"
    assert bot.click("U002", "checkin_edit", checkin_id) == 200
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    initial = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"]}
    assert sorted(initial.values()) == ["1", "5000"]


def test_form_submission_stores_and_validates(bot: Harness) -> None:
    bot.dm("U002", "revenue 5k")
    with session_scope(bot.engine) as session:
        checkin = session.exec(select(Checkin)).one()
        kpi_ids = [m.kpi_id for m in session.exec(select(Measurement)).all()]
        from storage.tables import Kpi

        clients = session.exec(select(Kpi).where(Kpi.name == "New customers", Kpi.owner_id == checkin.person_id)).one()
    values = {
        f"kpi_{kpi_ids[0]}": {"value": {"type": "number_input", "value": "6000"}},
        f"kpi_{clients.id}": {"value": {"type": "number_input", "value": "3"}},
    }
    status, body = bot.submit("U001", "checkin_form", values, private_metadata=str(checkin.id))  # not theirs
    assert status == 200 and body["response_action"] == "errors"
    assert _values(bot, "U002") == {"Revenue": 5000.0}
    status, body = bot.submit(
        "U002",
        "checkin_form",
        {f"kpi_{clients.id}": {"value": {"type": "number_input", "value": "lots"}}},
        private_metadata=str(checkin.id),
    )
    assert body["response_action"] == "errors"
    status, body = bot.submit("U002", "checkin_form", values, private_metadata=str(checkin.id))
    assert status == 200 and not body
    assert _values(bot, "U002") == {"Revenue": 6000.0, "New customers": 3.0}


def test_one_reminder_then_missed_at_week_end(bot: Harness, services: Services) -> None:
    bot.clock.now = bot.clock.now.replace(hour=14)
    tick(services)
    bot.clock.advance(hours=23)
    assert "U002" not in tick(services).reminded
    bot.clock.advance(hours=1, minutes=1)
    assert sorted(tick(services).reminded) == ["U001", "U002", "U003"]
    bot.clock.advance(hours=30)
    assert tick(services).reminded == []  # only one reminder
    bot.clock.now = MONDAY + timedelta(days=7, hours=5)  # Monday 7 Dec, 00:00 in New York
    report = tick(services)
    assert "U002" in report.missed
    with session_scope(bot.engine) as session:
        statuses = {c.status for c in session.exec(select(Checkin).where(Checkin.period_key == "2026-W49")).all()}
    assert statuses == {"missed"}


def test_skip_snooze_and_time_off(bot: Harness, services: Services) -> None:
    bot.clock.now = bot.clock.now.replace(hour=14)
    tick(services)
    with session_scope(bot.engine) as session:
        ids = {
            p.slack_id: c.id for c, p in session.exec(select(Checkin, Person).join(Person, Person.id == Checkin.person_id)).all()
        }
    bot.click("U002", "checkin_snooze", str(ids["U002"]))
    assert bot.slack.wait_for(lambda _: any("Snoozed" in str(c.args.get("text")) for c in bot.slack.calls_to("response_url")))
    bot.clock.advance(hours=2, minutes=1)
    assert tick(services).prompted == ["U002"]
    bot.click("U003", "checkin_skip", str(ids["U003"]))
    bot.dm("U001", "下周请假")
    assert "12月13日" in bot.last_to("U001")["text"]  # the whole of next week
    bot.clock.now = MONDAY + timedelta(days=7, hours=1)  # next Monday, 09:00 Shanghai
    report = tick(services)
    assert "U001" in report.away and "U001" not in report.prompted
    with session_scope(bot.engine) as session:
        assert session.get(Checkin, ids["U003"]).status == "skipped"


def test_blocker_category_can_be_corrected_by_its_owner_only(bot: Harness) -> None:
    bot.dm("U002", "revenue 5k, 1 new client, stuck on the contract")
    with session_scope(bot.engine) as session:
        blocker = session.exec(select(Blocker)).one()
    bot.click("U001", "blocker_category", "", selected=f"{blocker.id}:capability")
    bot.click("U002", "blocker_category", "", selected=f"{blocker.id}:resources")
    with session_scope(bot.engine) as session:
        stored = session.get(Blocker, blocker.id)
        assert stored.category == "resources" and stored.category_confirmed


def test_timezone_and_locale_are_refreshed_from_slack(bot: Harness, services: Services) -> None:
    bot.slack.add_user("U002", "Emma Brown", tz="Europe/Berlin", tz_offset=3600, locale="zh-CN")
    tick(services)
    with session_scope(bot.engine) as session:
        person = session.exec(select(Person).where(Person.slack_id == "U002")).one()
        assert (person.tz, person.locale) == ("Europe/Berlin", "zh-CN")
    lookups = len(bot.slack.calls_to("users.info"))
    bot.clock.advance(days=1)
    tick(services)
    assert len(bot.slack.calls_to("users.info")) == lookups  # fresh profiles are not asked for again
    bot.clock.advance(days=7)
    tick(services)
    assert len(bot.slack.calls_to("users.info")) > lookups  # a week later they are


def test_an_implausible_value_is_stored_after_a_yes(bot: Harness) -> None:
    bot.dm("U002", "revenue 5k, 2 new clients")
    bot.dm("U002", "new clients -2")
    assert "unusual" in bot.last_to("U002")["text"]
    bot.dm("U002", "yes")
    assert _values(bot, "U002")["New customers"] == -2.0
    assert "Here is what I stored" in bot.last_to("U002")["text"]

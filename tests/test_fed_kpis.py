"""KPIs fed by a source system: shown "from CRM", not asked, disputable to the manager; silent sources reported."""

from __future__ import annotations

from sqlmodel import select

from bot.rounds import tick
from bot.services import Services
from bot.sources import add_source
from bot.values import ValueRow, store, validate
from storage.engine import session_scope
from storage.tables import Kpi, Measurement, Person, ValueAudit, ValueDispute
from tests.conftest import Harness


def feed(bot: Harness, rows: list[tuple[str, str, str, float]], source: str = "CRM") -> None:
    with session_scope(bot.engine) as session:
        resolved = validate(session, [ValueRow(f"r{i}", p, k, d, v, source) for i, (p, k, d, v) in enumerate(rows)])
        store(session, resolved, origin="source", now=bot.clock.now)


def revenue_of(bot: Harness, slack_id: str) -> dict[str, tuple[float, str]]:
    with session_scope(bot.engine) as session:
        rows = session.exec(
            select(Measurement.period_key, Measurement.value, Measurement.origin)
            .join(Kpi, Kpi.id == Measurement.kpi_id)
            .join(Person, Person.id == Kpi.owner_id)
            .where(Person.slack_id == slack_id, Kpi.name == "Revenue")
        ).all()
    return {key: (value, origin) for key, value, origin in rows}


def prompt_of(bot: Harness, user: str) -> dict:
    """The check-in prompt among what the person was sent (a retro question may come the same minute)."""
    posted = bot.slack.posted(bot.slack.dm_channel(user))
    return next(m for m in reversed(posted) if any(b.get("block_id") == "checkin_actions" for b in m.get("blocks", [])))


def buttons(message: dict) -> list[dict]:
    return [e for b in message.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def test_a_fed_kpi_is_shown_from_its_source_and_not_asked(bot: Harness, services: Services) -> None:
    feed(bot, [("U002", "Revenue", "2026-11-25", 8000)])
    bot.clock.now = bot.clock.now.replace(hour=14)  # 09:00 in New York
    assert "U002" in tick(services).prompted
    prompt = prompt_of(bot, "U002")
    body = " ".join(b["text"]["text"] for b in prompt["blocks"] if b["type"] == "section")
    assert "*Revenue* (from CRM): total so far" in body and "8,000" in body
    example = prompt["blocks"][-3]["text"]["text"]
    assert "new customers" in example and "revenue" not in example  # the example asks only for what is typed
    assert [e["text"]["text"] for e in buttons(prompt)][-1] == "Dispute Revenue"
    # a reply that mentions revenue stores only the asked KPI; no question about revenue follows
    bot.dm("U002", "revenue 9000, 3 new clients")
    assert revenue_of(bot, "U002") == {"2026-W48": (8000.0, "source")}
    confirmation = bot.last_to("U002")
    assert "Here is what I stored" in confirmation["text"]
    assert any("take their values from it" in str(b) for b in confirmation["blocks"])


def dispute_values(value: str, reason: str) -> dict:
    return {"value": {"text": {"value": value}}, "reason": {"text": {"value": reason}}}


def manager_note(bot: Harness) -> tuple[dict, str]:
    """The manager's latest DM (the dispute) and its ts, as Slack stored it."""
    channel = bot.slack.dm_channel("U0MGR")
    call = [c for c in bot.slack.calls_to("chat.postMessage") if c.args.get("channel") == channel][-1]
    return bot.slack.messages[(channel, call.response["ts"])], call.response["ts"]


def last_refusal(bot: Harness) -> str:
    return [c.args for c in bot.slack.calls if c.method == "response_url"][-1]["text"]


def dispute(bot: Harness, owner: str, value: str, reason: str) -> None:
    """``owner`` clicks Dispute on their prompt's fed KPI and sends the form."""
    button = buttons(prompt_of(bot, owner))[-1]
    opened = len(bot.slack.calls_to("views.open"))
    assert bot.click(owner, button["action_id"], button["value"]) == 200
    assert bot.slack.wait_for(lambda _: len(bot.slack.calls_to("views.open")) > opened)
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    sent = len(bot.slack.posted(bot.slack.dm_channel("U0MGR")))
    bot.submit(owner, "value_dispute", dispute_values(value, reason), private_metadata=view["private_metadata"])
    assert bot.slack.wait_for(lambda _: len(bot.slack.posted(bot.slack.dm_channel("U0MGR"))) > sent)


def test_owner_disputes_a_fed_value_and_the_manager_hears_why(bot: Harness, services: Services) -> None:
    feed(bot, [("U002", "Revenue", "2026-11-25", 8000)])
    bot.clock.now = bot.clock.now.replace(hour=14)
    tick(services)
    button = buttons(prompt_of(bot, "U002"))[-1]
    assert bot.click("U001", button["action_id"], button["value"]) == 200  # not theirs: no modal
    assert not bot.slack.calls_to("views.open")
    assert bot.click("U002", button["action_id"], button["value"]) == 200
    assert bot.slack.wait_for(lambda _: bool(bot.slack.calls_to("views.open")))
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    assert view["callback_id"] == "value_dispute" and "8,000" in view["blocks"][0]["text"]["text"]
    assert [b["block_id"] for b in view["blocks"][1:]] == ["value", "reason"]
    metadata = view["private_metadata"]
    _, body = bot.submit("U002", "value_dispute", dispute_values("7500", ""), private_metadata=metadata)
    assert body["response_action"] == "errors" and "reason" in body["errors"]
    _, body = bot.submit("U002", "value_dispute", dispute_values("about right", "refunds"), private_metadata=metadata)
    assert body["errors"] == {"value": "'about right' is not one number; type the value, e.g. 7500 or 7.5k."}
    forged = metadata.replace(":", ":9", 1)
    _, body = bot.submit("U002", "value_dispute", dispute_values("7500", "x"), private_metadata=forged)
    assert body["response_action"] == "errors"
    with session_scope(bot.engine) as session:
        assert session.exec(select(ValueDispute)).all() == []  # refused forms stored nothing
    reason = "Two deals were refunded <!channel>"
    bot.submit("U002", "value_dispute", dispute_values("7.5k", reason), private_metadata=metadata)
    assert bot.slack.wait_for(lambda _: bool(bot.slack.posted(bot.slack.dm_channel("U0MGR"))))
    note, _ = manager_note(bot)
    assert "<@U002> disputes *Revenue* for" in note["text"] and "8,000" in note["text"] and "from CRM" in note["text"]
    assert "they say it is USD 7,500" in note["text"]
    assert "&lt;!channel&gt;" in note["text"] and "<!channel>" not in note["text"]
    assert [e["text"]["text"] for e in buttons(note)] == ["Accept USD 7,500", "Reject"]
    assert "<@U0MGR>" in bot.last_to("U002")["text"]
    with session_scope(bot.engine) as session:
        row = session.exec(select(ValueDispute)).one()
        assert (row.period_key, row.value, row.corrected, row.reason, row.status) == ("2026-W48", 8000.0, 7500.0, reason, "open")


def test_the_manager_accepts_and_the_owners_value_replaces_the_fed_one(bot: Harness, services: Services) -> None:
    feed(bot, [("U002", "Revenue", "2026-11-25", 8000)])
    bot.clock.now = bot.clock.now.replace(hour=14)
    tick(services)
    dispute(bot, "U002", "7,500", "Two deals were refunded")
    note, ts = manager_note(bot)
    accept, _ = buttons(note)
    assert bot.click("U002", accept["action_id"], accept["value"], message={**note, "ts": ts}) == 200  # not their team
    assert bot.slack.wait_for(lambda _: any(c.method == "response_url" for c in bot.slack.calls))
    assert revenue_of(bot, "U002") == {"2026-W48": (8000.0, "source")}
    told = len(bot.slack.posted(bot.slack.dm_channel("U002")))
    assert bot.click("U0MGR", accept["action_id"], accept["value"], message={**note, "ts": ts}) == 200
    assert bot.slack.wait_for(lambda _: len(bot.slack.posted(bot.slack.dm_channel("U002"))) > told)
    notice = bot.last_to("U002")["text"]
    assert (
        notice.startswith("<@U0MGR> accepted your correction: *Revenue* for")
        and "is now USD 7,500 (the source said USD 8,000)" in notice
    )
    assert revenue_of(bot, "U002") == {"2026-W48": (7500.0, "dispute")}
    with session_scope(bot.engine) as session:
        trail = session.exec(select(ValueAudit).order_by(ValueAudit.id)).all()
        assert [(a.value, a.previous, a.previous_origin, a.origin) for a in trail] == [
            (8000.0, None, None, "source"),
            (7500.0, 8000.0, "source", "dispute"),  # the fed value is kept in the audit trail
        ]
        assert session.exec(select(ValueDispute.status)).one() == "accepted"
    updated, _ = manager_note(bot)
    assert "Accepted by <@U0MGR>" in str(updated["blocks"]) and not buttons(updated)  # the buttons are gone
    assert bot.click("U0MGR", accept["action_id"], accept["value"], message={**note, "ts": ts}) == 200
    assert bot.slack.wait_for(lambda _: last_refusal(bot) == "This dispute has already been answered.")
    # the source sending the disputed value again does not undo the correction; a new value from it does replace it
    feed(bot, [("U002", "Revenue", "2026-11-25", 8000)])
    assert revenue_of(bot, "U002") == {"2026-W48": (7500.0, "dispute")}
    feed(bot, [("U002", "Revenue", "2026-11-26", 7400)])
    assert revenue_of(bot, "U002") == {"2026-W48": (7400.0, "source")}


def test_the_manager_rejects_with_a_reason_and_the_owner_hears_it_in_chinese(bot: Harness, services: Services) -> None:
    feed(bot, [("U001", "Revenue", "2026-11-25", 8000)])
    bot.clock.now = bot.clock.now.replace(hour=1)  # 09:00 in Shanghai: Li Wei (zh-CN) is prompted
    assert "U001" in tick(services).prompted
    dispute(bot, "U001", "1.2万", "合同金额不对")
    note, ts = manager_note(bot)
    assert "they say it is CNY 12k" in note["text"]  # the manager reads English
    _, reject = buttons(note)
    assert bot.click("U0MGR", reject["action_id"], reject["value"], message={**note, "ts": ts}) == 200
    assert bot.slack.wait_for(lambda _: bool(bot.slack.calls_to("views.open")))
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    assert view["callback_id"] == "dispute_reject"
    metadata = view["private_metadata"]
    _, body = bot.submit("U0MGR", "dispute_reject", {"answer": {"text": {"value": " "}}}, private_metadata=metadata)
    assert body["errors"] == {"answer": "Please say why the source's value is right."}
    forged = metadata.replace(":", "9:", 1)
    _, body = bot.submit("U0MGR", "dispute_reject", {"answer": {"text": {"value": "no"}}}, private_metadata=forged)
    assert body["response_action"] == "errors"
    _, body = bot.submit("U001", "dispute_reject", {"answer": {"text": {"value": "mine"}}}, private_metadata=metadata)
    assert body["response_action"] == "errors"  # the owner cannot answer their own dispute
    told = len(bot.slack.posted(bot.slack.dm_channel("U001")))
    answer = "CRM is right: the refunds land in December"
    bot.submit("U0MGR", "dispute_reject", {"answer": {"text": {"value": answer}}}, private_metadata=metadata)
    assert bot.slack.wait_for(lambda _: len(bot.slack.posted(bot.slack.dm_channel("U001"))) > told)
    notice = bot.last_to("U001")["text"]
    assert notice.startswith("<@U0MGR> 保留了") and "保留了第48周 *Revenue* 的数据源数值（¥8,000）" in notice and answer in notice
    assert revenue_of(bot, "U001") == {"2026-W48": (8000.0, "source")}
    with session_scope(bot.engine) as session:
        row = session.exec(select(ValueDispute)).one()
        assert (row.status, row.answer, row.corrected) == ("rejected", answer, 12000.0)
    updated, _ = manager_note(bot)
    assert "Rejected by <@U0MGR>" in str(updated["blocks"]) and not buttons(updated)


def test_a_silent_source_is_reported_to_admins_once(bot: Harness, services: Services) -> None:
    with session_scope(bot.engine) as session:
        add_source(session, name="CRM", now=bot.clock.now)
        add_source(session, name="Helpdesk", now=bot.clock.now)
    bot.clock.advance(days=1)
    feed(bot, [("U002", "Revenue", "2026-11-30", 8000)], source="Helpdesk")
    bot.clock.advance(days=12)
    assert tick(services).silent_sources == []
    bot.clock.advance(days=1, minutes=1)
    assert tick(services).silent_sources == ["CRM"]
    admin_dm = bot.slack.dm_channel("U0ADMIN")
    assert "*CRM* was added on Nov 30" in bot.last_to("U0ADMIN")["text"]
    assert tick(services).silent_sources == []  # once per silence
    bot.clock.advance(days=1)
    assert tick(services).silent_sources == ["Helpdesk"]
    assert "*Helpdesk* has delivered no KPI values since Dec 1" in bot.last_to("U0ADMIN")["text"]
    feed(bot, [("U002", "Revenue", "2026-12-14", 9000)], source="CRM")
    bot.clock.advance(days=14, minutes=1)
    reported = tick(services).silent_sources
    assert reported == ["CRM"] and len(bot.slack.posted(admin_dm)) == 3  # Helpdesk: the same silence, not again

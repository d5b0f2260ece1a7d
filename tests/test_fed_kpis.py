"""KPIs fed by a source system: shown "from CRM", not asked, disputable to the manager; silent sources reported."""

from __future__ import annotations

from sqlmodel import select

from bot.rounds import tick
from bot.services import Services
from bot.sources import add_source
from bot.values import ValueRow, store, validate
from storage.engine import session_scope
from storage.tables import Kpi, Measurement, Person, ValueDispute
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


def test_owner_disputes_a_fed_value_and_the_manager_hears_why(bot: Harness, services: Services) -> None:
    feed(bot, [("U002", "Revenue", "2026-11-25", 8000)])
    bot.clock.now = bot.clock.now.replace(hour=14)
    tick(services)
    dispute = buttons(prompt_of(bot, "U002"))[-1]
    assert bot.click("U001", dispute["action_id"], dispute["value"]) == 200  # not theirs: no modal
    assert not bot.slack.calls_to("views.open")
    assert bot.click("U002", dispute["action_id"], dispute["value"]) == 200
    assert bot.slack.wait_for(lambda _: bool(bot.slack.calls_to("views.open")))
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    assert view["callback_id"] == "value_dispute" and "8000" in view["blocks"][0]["text"]["text"]
    _, body = bot.submit("U002", "value_dispute", {"reason": {"text": {"value": ""}}}, private_metadata=view["private_metadata"])
    assert body["response_action"] == "errors"
    forged = view["private_metadata"].replace(":", ":9", 1)
    _, body = bot.submit("U002", "value_dispute", {"reason": {"text": {"value": "x"}}}, private_metadata=forged)
    assert body["response_action"] == "errors"
    reason = "Two deals were refunded <!channel>"
    bot.submit("U002", "value_dispute", {"reason": {"text": {"value": reason}}}, private_metadata=view["private_metadata"])
    assert bot.slack.wait_for(lambda _: bool(bot.slack.posted(bot.slack.dm_channel("U0MGR"))))
    note = bot.last_to("U0MGR")["text"]
    assert "<@U002> disputes *Revenue* for week 48:" in note and "8,000" in note and "from CRM" in note
    assert "&lt;!channel&gt;" in note and "<!channel>" not in note
    assert "<@U0MGR>" in bot.last_to("U002")["text"]
    with session_scope(bot.engine) as session:
        row = session.exec(select(ValueDispute)).one()
        assert (row.period_key, row.value, row.reason) == ("2026-W48", 8000.0, reason)


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
    assert "*CRM* was added on 2026-11-30" in bot.last_to("U0ADMIN")["text"]
    assert tick(services).silent_sources == []  # once per silence
    bot.clock.advance(days=1)
    assert tick(services).silent_sources == ["Helpdesk"]
    assert "*Helpdesk* has delivered no KPI values since 2026-12-01" in bot.last_to("U0ADMIN")["text"]
    feed(bot, [("U002", "Revenue", "2026-12-14", 9000)], source="CRM")
    bot.clock.advance(days=14, minutes=1)
    reported = tick(services).silent_sources
    assert reported == ["CRM"] and len(bot.slack.posted(admin_dm)) == 3  # Helpdesk: the same silence, not again

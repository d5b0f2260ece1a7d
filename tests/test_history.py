"""/kpi history: past weeks, editing a week of the current period, the audit trail a manager sees.

Through the real app (signed slash commands, button clicks and view submissions, the Slack stand-in)
and a real database.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.periods import week_start_of_key
from bot.refusal import Refusal
from bot.services import Services
from bot.use_cases.history import history_page, save_week
from handlers.metadata import sign
from storage.engine import session_scope
from storage.tables import Checkin, Kpi, Measurement, Person, ValueAudit
from tests.conftest import SIGNING_SECRET, Harness


def seed(bot: Harness) -> dict[str, int]:
    """Emma's Revenue and New customers for four weeks, W46-W49; W48 was missed."""
    with session_scope(bot.engine) as session:
        emma = session.exec(select(Person).where(Person.slack_id == "U002")).one()
        kpis = {k.name: k.id or 0 for k in session.exec(select(Kpi).where(Kpi.owner_id == emma.id)).all()}
        for i, (revenue, clients) in enumerate([(7000, 1), (8000, 2), (None, None), (9000, 3)]):
            key = f"2026-W{46 + i}"
            session.add(Checkin(person_id=emma.id or 0, period_key=key, status="missed" if revenue is None else "stored"))
            for name, value in (("Revenue", revenue), ("New customers", clients)):
                if value is not None:
                    session.add(Measurement(kpi_id=kpis[name], period_key=key, week_start=week_start_of_key(key), value=value))
    return kpis


def sections(blocks: list[dict]) -> list[dict]:
    return [b for b in blocks if b["type"] == "section"]


def test_history_shows_past_weeks_with_an_edit_button_on_weeks_of_the_current_period(bot: Harness) -> None:
    seed(bot)
    status, body = bot.command("U002", "history 4")
    assert status == 200 and body["response_type"] == "ephemeral"
    weeks = sections(body["blocks"])[1:]
    assert [w["text"]["text"].split("*")[1] for w in weeks] == ["week 49", "week 48", "week 47", "week 46"]
    assert "Revenue: USD 9,000" in weeks[0]["text"]["text"] and "New customers: 3" in weeks[0]["text"]["text"]
    assert "missed" in weeks[1]["text"]["text"]
    assert all(w["accessory"]["action_id"] == "history_edit" for w in weeks)
    # 2026-Q4 began in W40: W39 and before belong to no current period and cannot be edited
    _, body = bot.command("U002", "history 12")
    weeks = sections(body["blocks"])[1:]
    editable = [w["text"]["text"].split("*")[1] for w in weeks if w.get("accessory")]
    assert editable[-1] == "week 40" and len(weeks) == 12 and len(editable) == 10


def test_editing_a_week_keeps_the_change_in_the_audit_trail(bot: Harness) -> None:
    kpis = seed(bot)
    assert bot.click("U002", "history_edit", "2026-W47") == 200
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    inputs = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"}
    assert inputs == {f"kpi_{kpis['Revenue']}": "8000", f"kpi_{kpis['New customers']}": "2"}
    values = {
        f"kpi_{kpis['Revenue']}": {"value": {"type": "number_input", "value": "8500"}},
        f"kpi_{kpis['New customers']}": {"value": {"type": "number_input", "value": "2"}},
    }
    status, body = bot.submit("U002", "history_form", values, private_metadata=view["private_metadata"])
    assert status == 200 and not body.get("errors")
    assert "USD 8,000 → USD 8,500" in bot.last_to("U002")["text"]
    with session_scope(bot.engine) as session:
        stored = session.exec(
            select(Measurement).where(Measurement.kpi_id == kpis["Revenue"], Measurement.period_key == "2026-W47")
        ).one()
        assert stored.value == 8500
        audit = session.exec(select(ValueAudit)).all()
        emma = session.exec(select(Person).where(Person.slack_id == "U002")).one()
        assert [(a.period_key, a.previous, a.value, a.origin, a.changed_by_id) for a in audit] == [
            ("2026-W47", 8000, 8500, "edit", emma.id)
        ]  # New customers did not change: no row
    # a missed week can be filled in later; that is a change too
    bot.click("U002", "history_edit", "2026-W48")
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    values = {f"kpi_{kpis['Revenue']}": {"value": {"type": "number_input", "value": "6000"}}}
    bot.submit("U002", "history_form", values, private_metadata=view["private_metadata"])
    # the manager sees the changes, read-only
    status, body = bot.command("U0MGR", "history <@U002|emma> 4")
    text = " ".join(b["text"]["text"] for b in sections(body["blocks"]))
    assert "Emma Brown" in text
    assert "week 47" in text and "USD 8,000 → USD 8,500" in text and "<@U002>" in text
    assert "- → USD 6,000" in text
    assert not any(b.get("accessory") for b in sections(body["blocks"]))


def test_others_cannot_see_or_edit_someone_elses_history(bot: Harness) -> None:
    kpis = seed(bot)
    _, body = bot.command("U001", "history <@U002|emma>")
    assert len(body["blocks"]) == 1 and "2026-W" not in body["blocks"][0]["text"]["text"]
    with session_scope(bot.engine) as session:
        emma_id = session.exec(select(Person.id).where(Person.slack_id == "U002")).one()
    values = {f"kpi_{kpis['Revenue']}": {"value": {"type": "number_input", "value": "1"}}}
    forged = sign(SIGNING_SECRET, f"{emma_id}:2026-W47")
    _, body = bot.submit("U001", "history_form", values, private_metadata=forged)  # Li Wei submits for Emma
    assert body["response_action"] == "errors"
    _, body = bot.submit("U002", "history_form", values, private_metadata=f"{emma_id}:2026-W47.bad")  # unsigned
    assert body["response_action"] == "errors"
    with session_scope(bot.engine) as session:
        assert session.exec(select(ValueAudit)).all() == []
        row = session.exec(
            select(Measurement).where(Measurement.kpi_id == kpis["Revenue"], Measurement.period_key == "2026-W47")
        ).one()
        assert row.value == 8000


def test_weeks_outside_the_current_period_and_bad_input_change_nothing(bot: Harness) -> None:
    kpis = seed(bot)
    with session_scope(bot.engine) as session:
        emma_id = session.exec(select(Person.id).where(Person.slack_id == "U002")).one()
    values = {f"kpi_{kpis['Revenue']}": {"value": {"type": "number_input", "value": "5"}}}
    for week in ("2026-W39", "2026-W50", "2026-W99", "nonsense"):
        _, body = bot.submit("U002", "history_form", values, private_metadata=sign(SIGNING_SECRET, f"{emma_id}:{week}"))
        assert body["response_action"] == "errors", week
    bad = {f"kpi_{kpis['Revenue']}": {"value": {"type": "number_input", "value": "lots"}}}
    _, body = bot.submit("U002", "history_form", bad, private_metadata=sign(SIGNING_SECRET, f"{emma_id}:2026-W47"))
    assert body["errors"] == {f"kpi_{kpis['Revenue']}": "Please enter a number, e.g. 45000 or 0.8"}
    _, body = bot.command("U002", "history lots")
    assert "/kpi history" in body["blocks"][0]["text"]["text"]
    with session_scope(bot.engine) as session:
        assert session.exec(select(ValueAudit)).all() == []


def test_history_in_chinese(bot: Harness) -> None:
    seed(bot)
    with session_scope(bot.engine) as session:
        emma = session.exec(select(Person).where(Person.slack_id == "U002")).one()
        emma.language, emma.locale = "zh", "zh-CN"
    _, body = bot.command("U002", "history 2")
    assert "最近 2 周" in body["blocks"][0]["text"]["text"]
    this_week, last_week = sections(body["blocks"])[1:3]
    assert this_week["text"]["text"].startswith("*第49周*") and "已填写" in this_week["text"]["text"]
    assert "未填写" in last_week["text"]["text"]
    week = this_week
    assert week["accessory"]["text"]["text"] == "修改"


def test_the_history_use_cases_directly(bot: Harness, services: Services) -> None:
    """bot/use_cases/history.py without Slack: who may see, who may edit, what an edit stores."""
    kpis = seed(bot)
    with session_scope(bot.engine) as session:
        people = {p.slack_id: p for p in session.exec(select(Person)).all()}
    page = history_page(services, asker=people["U0MGR"], of="U002", weeks=4)  # her manager
    assert not page.own and [w.key for w in page.weeks] == ["2026-W49", "2026-W48", "2026-W47", "2026-W46"]
    assert [w.status for w in page.weeks] == ["stored", "missed", "stored", "stored"]
    with pytest.raises(Refusal) as refused:
        history_page(services, asker=people["U001"], of="U002", weeks=4)  # a colleague
    assert refused.value.key == "history_not_allowed"
    with pytest.raises(Refusal) as refused:
        history_page(services, asker=people["U001"], of="U404", weeks=4)
    assert refused.value.key == "fb_unknown_person"
    with pytest.raises(Refusal) as refused:  # only the owner edits
        save_week(services, person=people["U0MGR"], owner_id=people["U002"].id or 0, key="2026-W48", values={})
    assert refused.value.key == "history_not_yours"
    changes = save_week(
        services, person=people["U002"], owner_id=people["U002"].id or 0, key="2026-W48", values={kpis["Revenue"]: 8500.0}
    )
    assert [(c.kpi, c.previous, c.value) for c in changes] == [("Revenue", None, 8500.0)]
    assert history_page(services, asker=people["U002"], of=None, weeks=4).trail[0].value == 8500.0

"""/kpi setup: propose a KPI set in a modal, SMART errors inline, agreement with the manager, rounds kept."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import select

from bot.proposals import parse_end
from handlers.metadata import sign
from storage.engine import session_scope
from storage.tables import Kpi, KpiProposal, Person
from tests.conftest import SIGNING_SECRET, Harness

GOOD = [
    ("Revenue", "600000 CNY", "50", "higher", "result-lagging", "share", "CRM closed-won deals"),
    ("New customers", "26 count", "30", "higher", "result-leading", "share", "CRM first paid orders"),
    ("Complaint rate", "1 percent", "20", "lower", "behaviour-leading", "", "Support tickets / orders"),
]


def _values(rows: list[tuple[str, ...]], end: str = "end of Q1", forbidden: str = "") -> dict:
    values: dict = {}
    for i in range(5):
        row = rows[i] if i < len(rows) else ("", "", "", "higher", "result-lagging", "", "")
        for field, value in zip(("name", "target", "weight", "direction", "type", "goal", "source"), row, strict=True):
            if field in {"direction", "type", "goal"}:
                values[f"kpi{i}_{field}"] = {
                    "v": {"type": "static_select", "selected_option": {"value": value} if value else None}
                }
            else:
                values[f"kpi{i}_{field}"] = {"v": {"type": "plain_text_input", "value": value}}
    values["period_end"] = {"v": {"type": "plain_text_input", "value": end}}
    values["forbidden"] = {"v": {"type": "plain_text_input", "value": forbidden}}
    return values


def _owner_metadata(bot: Harness, slack_id: str) -> str:
    with session_scope(bot.engine) as session:
        person = session.exec(select(Person).where(Person.slack_id == slack_id)).one()
    return sign(SIGNING_SECRET, str(person.id))


def test_setup_opens_a_modal_prefilled_from_the_template_or_current_kpis(bot: Harness) -> None:
    bot.slack.add_user("U0NEWBIE", "Nina New")
    with session_scope(bot.engine) as session:
        session.add(Person(slack_id="U0NEWBIE", name="Nina New", job_family="technical"))
    bot.command("U0NEWBIE", "setup")
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    names = [b["element"].get("initial_value") for b in view["blocks"] if b.get("block_id", "").endswith("_name")]
    assert names[:2] == ["Features shipped", "Change failure rate"]  # technical template
    bot.command("U002", "setup")
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    names = [b["element"].get("initial_value") for b in view["blocks"] if b.get("block_id", "").endswith("_name")]
    assert names[:2] == ["Revenue", "New customers"]  # current KPIs


def test_bad_input_gets_inline_errors_and_saves_nothing(bot: Harness) -> None:
    metadata = _owner_metadata(bot, "U002")
    cases = {
        "kpi0_weight": [("Revenue", "600000 CNY", "sixty", *GOOD[0][3:]), *GOOD[1:]],
        "kpi0_target": [("Revenue", "lots", "50", *GOOD[0][3:]), *GOOD[1:]],
        "kpi1_name": [GOOD[0], ("Revenue", *GOOD[1][1:]), GOOD[2]],
        "kpi1_goal": [GOOD[0], (*GOOD[1][:5], "nowhere", GOOD[1][6]), GOOD[2]],
    }
    for block, rows in cases.items():
        _, body = bot.submit("U002", "kpi_setup", _values(rows), private_metadata=metadata)
        assert body["response_action"] == "errors" and block in body["errors"], (block, body)
    _, body = bot.submit(
        "U002", "kpi_setup", _values([("Revenue", "600000 CNY", "110", *GOOD[0][3:]), *GOOD[1:]]), private_metadata=metadata
    )
    assert "weight must be more than 0 and at most 100" in json.dumps(body)
    _, body = bot.submit("U002", "kpi_setup", _values(GOOD, end="1 January 2020"), private_metadata=metadata)
    assert "has passed" in body["errors"]["period_end"]
    _, body = bot.submit("U002", "kpi_setup", _values([("Improve sales", *GOOD[0][1:]), *GOOD[1:]]), private_metadata=metadata)
    assert "wish, not a measure" in body["errors"]["kpi0_name"]
    _, body = bot.submit("U002", "kpi_setup", _values(GOOD[:2]), private_metadata=metadata)
    assert "keep 3-5 core KPIs" in json.dumps(body)
    with session_scope(bot.engine) as session:
        assert session.exec(select(KpiProposal)).all() == []


def test_propose_counter_accept_creates_kpis_from_the_next_period(bot: Harness) -> None:
    metadata = _owner_metadata(bot, "U002")
    _, body = bot.submit(
        "U002", "kpi_setup", _values(GOOD, forbidden="no over-promising to customers"), private_metadata=metadata
    )
    assert body == {} or not body
    assert bot.slack.wait_for(
        lambda _: any("proposes KPIs" in p["text"] for p in bot.slack.posted(bot.slack.dm_channel("U0MGR")))
    )
    to_manager = [p for p in bot.slack.posted(bot.slack.dm_channel("U0MGR")) if "proposes KPIs" in p["text"]][-1]
    proposal_id = to_manager["blocks"][-1]["elements"][0]["value"]
    assert "no over-promising" in json.dumps(to_manager["blocks"])
    bot.click("U002", "proposal_agree", proposal_id)  # the person cannot approve their own round
    bot.click("U003", "proposal_agree", proposal_id)  # nor can a colleague
    with session_scope(bot.engine) as session:
        assert session.get(KpiProposal, int(proposal_id)).status == "open"
    countered = [(*GOOD[0][:2], "40", *GOOD[0][3:]), (*GOOD[1][:2], "40", *GOOD[1][3:]), GOOD[2]]
    _, body = bot.submit(
        "U0MGR", "kpi_setup", _values(countered, forbidden="no over-promising to customers"), private_metadata=metadata
    )
    assert not body
    assert bot.slack.wait_for(
        lambda _: any("counter-proposes" in p["text"] for p in bot.slack.posted(bot.slack.dm_channel("U002")))
    )
    back = [p for p in bot.slack.posted(bot.slack.dm_channel("U002")) if "counter-proposes" in p["text"]][-1]
    second = back["blocks"][-1]["elements"][0]["value"]
    bot.click("U0MGR", "proposal_agree", second)  # the manager can't accept their own counter
    bot.click("U002", "proposal_agree", second)
    assert bot.slack.wait_for(lambda _: any("Agreed" in p["text"] for p in bot.slack.posted(bot.slack.dm_channel("U002"))))
    with session_scope(bot.engine) as session:
        rounds = session.exec(select(KpiProposal).order_by(KpiProposal.round)).all()
        assert [(r.round, r.status) for r in rounds] == [(1, "countered"), (2, "agreed")]
        person = session.exec(select(Person).where(Person.slack_id == "U002")).one()
        new = session.exec(select(Kpi).where(Kpi.owner_id == person.id, Kpi.period_start == date(2027, 1, 1))).all()
    assert sorted((k.name, k.weight) for k in new) == [("Complaint rate", 20.0), ("New customers", 40.0), ("Revenue", 40.0)]
    assert all(k.period_end == date(2027, 3, 31) and k.forbidden == ["no over-promising to customers"] for k in new)


def test_only_the_person_or_their_manager_may_work_on_a_set(bot: Harness) -> None:
    _, body = bot.command("U002", "setup <@U001|li>")
    assert "Only the person and their manager" in json.dumps(body)
    _, body = bot.submit("U002", "kpi_setup", _values(GOOD), private_metadata=_owner_metadata(bot, "U001"))
    assert "Only the person and their manager" in json.dumps(body)
    _, body = bot.submit("U002", "kpi_setup", _values(GOOD), private_metadata="5.forged")
    assert "could not be verified" in json.dumps(body)


def test_comments_reach_the_other_side(bot: Harness) -> None:
    bot.submit("U002", "kpi_setup", _values(GOOD), private_metadata=_owner_metadata(bot, "U002"))
    with session_scope(bot.engine) as session:
        proposal_id = session.exec(select(KpiProposal)).one().id
    _, body = bot.submit(
        "U0MGR",
        "proposal_comment",
        {"comment": {"v": {"type": "plain_text_input", "value": "Can we make complaints 25%?"}}},
        private_metadata=sign(SIGNING_SECRET, str(proposal_id)),
    )
    assert not body
    assert bot.slack.wait_for(
        lambda _: any(
            "Can we make complaints" in json.dumps(p.get("blocks")) for p in bot.slack.posted(bot.slack.dm_channel("U002"))
        )
    )


def test_period_end_words() -> None:
    today = date(2026, 11, 30)
    assert parse_end("end of Q3", today=today) == date(2027, 9, 30)
    assert parse_end("by 30 September", today=today) == date(2027, 9, 30)
    assert parse_end("9月底", today=today) == date(2027, 9, 30)
    assert parse_end("lots", today=today) is None


def test_a_behaviour_rating_needs_five_described_levels(bot: Harness) -> None:
    metadata = _owner_metadata(bot, "U002")
    rated = [
        *GOOD[:2],
        ("Coaching juniors", "4 rating", "20", "higher", "behaviour-leading", "", "Manager's monthly observation"),
    ]
    values = _values(rated)
    values["kpi2_anchors"] = {"v": {"type": "plain_text_input", "value": "Never helps\nHelps when asked"}}
    _, body = bot.submit("U002", "kpi_setup", values, private_metadata=metadata)
    assert "anchor text for each of the 5 levels" in body["errors"]["kpi2_anchors"]
    values["kpi2_anchors"] = {
        "v": {
            "type": "plain_text_input",
            "value": "Never helps\nHelps when asked\nHelps regularly\nCoaches proactively\nBuilds the team's skills",
        }
    }
    _, body = bot.submit("U002", "kpi_setup", values, private_metadata=metadata)
    assert not body
    with session_scope(bot.engine) as session:
        proposal = session.exec(select(KpiProposal)).one()
    assert proposal.kpis[2]["anchors"][4] == "Builds the team's skills"

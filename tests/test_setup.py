"""/kpi setup: propose a KPI set in a modal, SMART errors inline, agreement with the manager, rounds kept."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import select

from bot.proposals import parse_end
from handlers.metadata import sign
from storage.engine import session_scope
from storage.tables import Kpi, KpiProposal, Person, Team
from tests.conftest import SIGNING_SECRET, Harness

GOOD = [
    ("Revenue", "600000 CNY", "50", "higher", "result-lagging", "share", "CRM closed-won deals"),
    ("New customers", "26 count", "30", "higher", "result-leading", "share", "CRM first paid orders"),
    ("Complaint rate", "1 percent", "20", "lower", "behaviour-leading", "", "Support tickets / orders"),
]


def _values(
    rows: list[tuple[str, ...]], end: str = "end of Q1", forbidden: str = "", watch: dict[int, list[str]] | None = None
) -> dict:
    """The modal's state as Slack sends it; ``watch`` maps a row to its gaming-watch partners (a multi-select)."""
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
    for i, partners in (watch or {}).items():
        values[f"kpi{i}_watch"] = _multi(partners)
    values["period_end"] = {"v": {"type": "plain_text_input", "value": end}}
    values["forbidden"] = {"v": {"type": "plain_text_input", "value": forbidden}}
    return values


def _multi(chosen: list[str]) -> dict:
    return {
        "v": {
            "type": "multi_static_select",
            "selected_options": [{"text": {"type": "plain_text", "text": c}, "value": c} for c in chosen],
        }
    }


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
    assert bot.slack.wait_for(
        lambda _: any("Only the person and their manager" in str(c.args.get("text")) for c in bot.slack.calls_to("response_url"))
    )
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


def _block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def _proposals_to(bot: Harness, user: str, words: str) -> list[dict]:
    return [p for p in bot.slack.posted(bot.slack.dm_channel(user)) if words in p["text"]]


def test_a_gaming_watch_pair_is_picked_in_the_form_shown_to_the_manager_and_kept(bot: Harness) -> None:
    """Issue 13.4: each row offers the person's other KPIs; the pair is stored as the org file stores watch_with."""
    bot.command("U002", "setup")
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    offered = [o["value"] for o in _block(view, "kpi0_watch")["element"]["options"]]
    assert offered == ["New customers"]  # the person's other current KPI; never the row's own
    assert _block(view, "kpi0_watch")["optional"] is True
    metadata = _owner_metadata(bot, "U002")
    _, body = bot.submit("U002", "kpi_setup", _values(GOOD, watch={0: ["complaint rate"]}), private_metadata=metadata)
    assert not body
    assert bot.slack.wait_for(lambda _: _proposals_to(bot, "U0MGR", "proposes KPIs"))
    to_manager = _proposals_to(bot, "U0MGR", "proposes KPIs")[-1]
    assert "Gaming watch: Complaint rate must not worsen while this improves" in json.dumps(to_manager["blocks"])
    with session_scope(bot.engine) as session:
        proposal = session.exec(select(KpiProposal)).one()
        assert [k["watch_with"] for k in proposal.kpis] == [["Complaint rate"], [], []]  # spelled as its row spells it
    bot.command("U002", "setup")  # the open round comes back with its pair chosen
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    watch = _block(view, "kpi0_watch")["element"]
    assert [o["value"] for o in watch["options"]] == ["New customers", "Complaint rate"]
    assert [o["value"] for o in watch["initial_options"]] == ["Complaint rate"]
    bot.click("U0MGR", "proposal_agree", to_manager["blocks"][-1]["elements"][0]["value"])
    assert bot.slack.wait_for(lambda _: _proposals_to(bot, "U002", "Agreed"))
    with session_scope(bot.engine) as session:
        emma = session.exec(select(Person).where(Person.slack_id == "U002")).one()
        new = {
            k.name: k.watch_with
            for k in session.exec(select(Kpi).where(Kpi.owner_id == emma.id, Kpi.period == "2027-01-01..2027-03-31"))
        }
    assert new == {"Revenue": ["Complaint rate"], "New customers": [], "Complaint rate": []}


def test_bad_setup_input_shows_field_errors_and_stores_nothing(bot: Harness) -> None:
    """Missing fields, weights off 100, a pair with itself or with someone else's KPI, huge or forged values."""
    metadata = _owner_metadata(bot, "U002")
    meetings = ("Qualified meetings", "60 count", "20", "higher", "behaviour-leading", "", "CRM meetings marked qualified")
    own_set = [GOOD[0], GOOD[1], meetings]
    missing = _values(GOOD)
    del missing["period_end"], missing["kpi1_target"]
    cases: list[tuple[dict, str, str]] = [
        (missing, "period_end", "couldn't read that date"),
        (missing, "kpi1_target", "Give a number and a unit"),
        (_values([GOOD[0], GOOD[1], (*GOOD[2][:2], "30", *GOOD[2][3:])]), "kpi0_weight", "weights add up to 110, not 100"),
        (_values(GOOD, watch={0: ["Revenue"]}), "kpi0_watch", "can't watch itself"),
        (_values(own_set, watch={0: ["Complaint rate"]}), "kpi0_watch", "other KPIs of this set"),  # Li Wei's KPI, not Emma's
        (_values(GOOD, watch={2: ["New customers", "Nowhere"]}), "kpi2_watch", "other KPIs of this set"),
        (_values([("Revenue" * 1000, *GOOD[0][1:]), *GOOD[1:]]), "kpi0_name", "at most 200 characters"),
        (_values([(*GOOD[0][:6], "CRM " * 50_000), *GOOD[1:]]), "kpi0_source", "at most 500 characters"),
        (_values(GOOD, forbidden="x" * 5000), "forbidden", "at most 2000 characters"),
        (_values([(*GOOD[0][:3], "sideways", *GOOD[0][4:]), *GOOD[1:]]), "kpi0_direction", "didn't look like one of mine"),
    ]
    for values, block, words in cases:
        status, body = bot.submit("U002", "kpi_setup", values, private_metadata=metadata)
        assert status == 200 and body["response_action"] == "errors", (block, body)
        assert words in body["errors"].get(block, ""), (block, body)
    forged = _values(GOOD)
    forged["kpi0_watch"] = {"v": {"type": "multi_static_select", "selected_options": "Revenue"}}
    status, body = bot.submit("U002", "kpi_setup", forged, private_metadata=metadata)
    assert status == 200 and "didn't look like one of mine" in json.dumps(body)
    with session_scope(bot.engine) as session:
        assert session.exec(select(KpiProposal)).all() == []
    assert not _proposals_to(bot, "U0MGR", "proposes KPIs")


def test_a_person_without_a_manager_is_told_and_nothing_is_stored(bot: Harness) -> None:
    with session_scope(bot.engine) as session:
        for team in session.exec(select(Team)).all():
            team.manager_id = None
    _, body = bot.submit("U002", "kpi_setup", _values(GOOD), private_metadata=_owner_metadata(bot, "U002"))
    assert body["response_action"] == "errors" and "kpi0_name" in body["errors"]
    with session_scope(bot.engine) as session:
        assert session.exec(select(KpiProposal)).all() == []

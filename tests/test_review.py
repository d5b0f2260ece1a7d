"""The half-year review: evidence computed from history, asked once, keep / reweight / retire."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot.periods import week_key
from bot.review import KpiEvidence, evidence
from bot.rounds import tick
from bot.services import Services
from storage.engine import session_scope
from storage.tables import Kpi, KpiProposal, KpiReview, Measurement, Person, Team
from tests.conftest import Harness

H2 = (date(2026, 7, 1), date(2026, 12, 31))


def _history(bot: Harness, slack_id: str, name: str, weekly: list[float | None]) -> None:
    """Weekly values from 5 Oct 2026 (Q4) for one KPI; None = not reported that week."""
    with session_scope(bot.engine) as session:
        person = session.exec(select(Person).where(Person.slack_id == slack_id)).one()
        kpi = session.exec(select(Kpi).where(Kpi.owner_id == person.id, Kpi.name == name)).one()
        for i, value in enumerate(weekly):
            if value is not None:
                monday = date(2026, 10, 5) + timedelta(weeks=i)
                session.add(Measurement(kpi_id=kpi.id, period_key=week_key(monday), week_start=monday, value=value))


def _evidence(bot: Harness) -> dict:
    with session_scope(bot.engine) as session:
        team = session.exec(select(Team)).one()
        return {e.name: e for e in evidence(session, team_id=team.id, start=H2[0], end=H2[1], today=date(2026, 12, 20))}


def test_evidence_flags_too_easy_out_of_reach_unreported_and_weak_links(bot: Harness) -> None:
    # Li Wei: revenue far above pace every week (600k a quarter = ~46k a week), new customers barely moving
    _history(bot, "U001", "Revenue", [90_000] * 10)
    _history(bot, "U001", "New customers", [0.5] * 10)
    # complaint rate (leading) tracks revenue (lagging) perfectly for Li Wei
    _history(bot, "U001", "Complaint rate", [1.0 + i / 10 for i in range(10)])
    # Sam reports revenue only 3 weeks out of 11
    _history(bot, "U003", "Revenue", [9000, None, None, None, None, None, None, None, 9000, None, 9000])
    found = _evidence(bot)
    assert found["New customers"].half_way_share == 0.0  # never even half way...
    assert found["New customers"].verdict == "unreported"  # ...but Emma never reported it: that comes first
    assert found["Complaint rate"].correlation is None  # revenue is constant: no correlation is claimed
    revenue = found["Revenue"]
    assert revenue.owners == 3 and revenue.weeks_reported == 13
    assert revenue.unreported_share == pytest.approx(1 - 13 / revenue.weeks_expected)


def test_out_of_reach(bot: Harness) -> None:
    _history(bot, "U002", "Revenue", [1000] * 11)
    _history(bot, "U002", "New customers", [0.2] * 11)
    _history(bot, "U001", "New customers", [0.2] * 11)
    assert _evidence(bot)["New customers"].verdict == "out_of_reach"


def test_too_easy_and_correlation(bot: Harness) -> None:
    _history(bot, "U001", "Revenue", [90_000] * 11)  # ~46k a week is on pace for 600k a quarter
    _history(bot, "U002", "Revenue", [20_000 + 1000 * i for i in range(11)])  # ~7k a week is on pace for 90k
    _history(bot, "U003", "Revenue", [20_000] * 11)
    _history(bot, "U002", "New customers", [5 + i for i in range(11)])  # leading, moves with revenue
    found = _evidence(bot)
    assert found["Revenue"].verdict == "too_easy"
    assert found["New customers"].correlation == pytest.approx(1.0)


def test_the_manager_is_asked_once_and_can_retire_and_reweight(bot: Harness, services: Services) -> None:
    _history(bot, "U001", "Revenue", [50_000] * 10)
    bot.clock.now = datetime(2026, 12, 18, 9, tzinfo=UTC)
    assert tick(services).reviews == 1
    assert tick(services).reviews == 0  # once per team and half
    message = [p for p in bot.slack.posted(bot.slack.dm_channel("U0MGR")) if "Half-year KPI review" in p["text"]][-1]
    text = json.dumps(message["blocks"])
    assert "on pace" in text and "unreported" in text
    options = {o["text"]["text"]: o["value"] for b in message["blocks"] if b.get("accessory") for o in b["accessory"]["options"]}
    retire = next(
        v
        for b in message["blocks"]
        if "Complaint rate" in json.dumps(b) and b.get("accessory")
        for v in [b["accessory"]["options"][2]["value"]]
    )
    assert set(options) == {"Keep", "Reweight", "Retire"}
    bot.click("U002", "review_decide", "", selected=retire)  # not the manager
    with session_scope(bot.engine) as session:
        assert session.exec(select(Kpi).where(Kpi.name == "Complaint rate")).one().status == "active"
    bot.click("U0MGR", "review_decide", "", selected=retire)
    with session_scope(bot.engine) as session:
        assert session.exec(select(Kpi).where(Kpi.name == "Complaint rate")).one().status == "retired"
        assert session.exec(select(KpiReview)).one().decisions["Complaint rate"]["decision"] == "retire"
    _, body = bot.command("U001", "me")
    assert "Complaint rate" not in json.dumps(body)  # no longer asked for; the history stays in the database
    reweight = next(
        v
        for b in message["blocks"]
        if "Revenue" in json.dumps(b) and b.get("accessory")
        for v in [b["accessory"]["options"][1]["value"]]
    )
    bot.click("U0MGR", "review_decide", "", selected=reweight)
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    assert view["callback_id"] == "review_reweight"
    weights = {b["block_id"]: b["label"]["text"] for b in view["blocks"] if b["type"] == "input"}
    values = {
        block: {"v": {"type": "plain_text_input", "value": {"Revenue": "70", "New customers": "30"}.get(label, "0")}}
        for block, label in weights.items()
    }
    _, body = bot.submit("U0MGR", "review_reweight", values, private_metadata=view["private_metadata"])
    assert not body, body
    assert bot.slack.wait_for(
        lambda _: any("counter-proposes" in p["text"] for p in bot.slack.posted(bot.slack.dm_channel("U002")))
    )
    with session_scope(bot.engine) as session:
        rounds = session.exec(select(KpiProposal)).all()
    assert len(rounds) >= 2 and all(r.status == "open" for r in rounds)


def test_a_lower_is_better_leading_kpi_is_judged_by_the_direction_aware_correlation(bot: Harness) -> None:
    """Hand-checked: x = 1,2,3,4 and y = 2,1,4,3 give r = 3 / sqrt(5 * 5) = 0.6 (deviations -1.5,-.5,.5,1.5 and
    -.5,-1.5,1.5,.5). Revenue follows x; a complaint rate following y rises with revenue (raw r = +0.6): for a
    lower-is-better KPI that is the wrong way round (aligned r = -0.6), not "no link"."""
    _history(bot, "U001", "Revenue", [10_000.0 * x for x in (1, 2, 3, 4)] * 2)
    _history(bot, "U001", "Complaint rate", [1.0 + y / 10 for y in (2, 1, 4, 3)] * 2)
    complaints = _evidence(bot)["Complaint rate"]
    assert complaints.correlation == pytest.approx(0.6) and complaints.alignment == pytest.approx(-0.6)


def test_the_review_verdict_reads_the_sign_and_the_strength() -> None:
    def verdict(correlation: float, alignment: float | None) -> str:
        return KpiEvidence("Complaint rate", 1, "leading", 12, 12, 0.5, 0.8, correlation, alignment).verdict

    assert verdict(-0.56, 0.56) == "fine"  # complaints fall as revenue rises: the link a leading KPI should have
    assert verdict(0.56, -0.56) == "wrong_way"  # complaints rise with revenue: strong, but against the results
    assert verdict(0.1, -0.1) == "weak_link" and verdict(-0.15, 0.15) == "weak_link"  # |r| < 0.2 either way
    assert verdict(0.5, None) == "fine" and verdict(-0.5, None) == "wrong_way"  # a stored evidence without alignment


def test_the_review_line_names_a_link_the_wrong_way_round() -> None:
    from handlers.review import evidence_text

    item = KpiEvidence("Complaint rate", 2, "leading", 24, 22, 0.5, 0.8, 0.56, -0.56)
    assert "r=0.56" in evidence_text(item, "en-US") and "moves against the results it should drive" in evidence_text(
        item, "en-US"
    )
    assert "反向变动" in evidence_text(item, "zh-CN")


def test_the_review_names_each_kpi_in_the_readers_language(bot: Harness) -> None:
    from handlers.review import evidence_text

    with session_scope(bot.engine) as session:
        for kpi in session.exec(select(Kpi).where(Kpi.name == "Complaint rate")).all():
            kpi.names = {"zh": "投诉率"}
    _history(bot, "U001", "Revenue", [10_000.0 * x for x in (1, 2, 3, 4)] * 2)
    _history(bot, "U001", "Complaint rate", [1.0 + y / 10 for y in (3, 4, 1, 2)] * 2)
    complaints = _evidence(bot)["Complaint rate"]  # decisions still key on the plain name
    assert complaints.names == {"zh": "投诉率"} and complaints.alignment == pytest.approx(0.6)
    assert evidence_text(complaints, "zh-CN").startswith("*投诉率*") and "Complaint rate" not in evidence_text(
        complaints, "zh-CN"
    )
    assert evidence_text(complaints, "en-US").startswith("*Complaint rate*")

"""The setup form's use cases (bot.kpi_setup), called directly against the real database (SQLite and PostgreSQL).

The same flow through the real app (signed requests, the Slack stand-in) is in
tests/test_setup.py; here each use case's answers and what it stores are checked
without Slack in between.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot.gaming_watch import watch_questions
from bot.messages import AgreedMessage, Notice, ProposalMessage
from bot.proposals import Row
from bot.refusal import Refusal
from bot.services import Services
from bot.use_cases.kpi_setup import FormInput, agree_round, comment_form, comment_round, open_form, reopen_form, submit_form
from storage.engine import session_scope
from storage.tables import Kpi, KpiProposal, Measurement, Person

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _rows(watch: tuple[str, ...] = ()) -> list[Row]:
    return [
        Row("Revenue", "600000 CNY", "50", "higher", "result-lagging", "share", "CRM closed-won deals", watch=watch),
        Row("New customers", "26 count", "30", "higher", "result-leading", "share", "CRM first paid orders"),
        Row(
            "Complaint rate", "1 percent", "20", "lower", "behaviour-leading", "", "Support tickets / orders", names="zh: 投诉率"
        ),
        Row(),
        Row(),
    ]


def _proposals(services: Services) -> list[KpiProposal]:
    with session_scope(services.engine) as session:
        return list(session.exec(select(KpiProposal)).all())


def _id(services: Services, slack_id: str) -> int:
    with session_scope(services.engine) as session:
        return session.exec(select(Person).where(Person.slack_id == slack_id)).one().id or 0


def test_the_form_is_prefilled_and_offers_the_other_kpis_as_watch_partners(services: Services, org: None) -> None:
    form = open_form(services, asker_slack_id="U001", owner_slack_id=None, now=NOW)
    assert [r["name"] for r in form.rows] == ["Revenue", "New customers", "Complaint rate"]  # current KPIs, by weight
    assert form.watch_choices(0) == ["New customers", "Complaint rate"]
    assert form.watch_choices(2) == ["Revenue", "New customers"]
    assert form.goals == [("share", "Grow market share by 3%")]
    by_manager = open_form(services, asker_slack_id="U0MGR", owner_slack_id="U001", now=NOW)
    assert by_manager.owner_id == _id(services, "U001") and by_manager.owner_name == "Li Wei"


@pytest.mark.parametrize(
    ("asker", "owner", "key"),
    [("U002", "U001", "prop_not_allowed"), ("U002", "UNOBODY", "fb_unknown_person"), ("UNOBODY", None, "not_in_org")],
)
def test_opening_someone_elses_form_is_refused(services: Services, org: None, asker: str, owner: str | None, key: str) -> None:
    with pytest.raises(Refusal) as refused:
        open_form(services, asker_slack_id=asker, owner_slack_id=owner, now=NOW)
    assert refused.value.key == key


def test_bad_forms_return_field_errors_and_store_nothing(services: Services, org: None) -> None:
    emma = _id(services, "U002")

    def errors(rows: list[Row], end: str = "end of Q1", forbidden: str = "", owner: int = emma) -> dict[str, object]:
        outcome = submit_form(services, by_slack_id="U002", owner_id=owner, form=FormInput(rows, end, forbidden), now=NOW)
        assert not outcome.outgoing
        return {block: getattr(e, "key", e) for block, e in outcome.errors.items()}

    assert errors(_rows(watch=("revenue",))) == {"kpi0_watch": "err_watch_self"}
    assert errors(_rows(watch=("Refund rate",))) == {"kpi0_watch": "err_watch_other"}
    rows = _rows()
    rows[1].weight = "40"
    assert errors(rows) == {"kpi0_weight": "smart_weights"}
    rows = _rows()
    rows[0].source = "x" * 501
    assert errors(rows) == {"kpi0_source": "err_too_long"}
    assert errors(_rows(), forbidden="y" * 2001) == {"forbidden": "err_too_long"}
    assert errors(_rows(), end="") == {"period_end": "err_end_unreadable"}
    rows = _rows()
    rows[2].type = "whatever"
    assert errors(rows) == {"kpi2_type": "bad_request"}
    assert errors(_rows(), owner=_id(services, "U001")) == {"kpi0_name": "prop_not_allowed"}
    assert errors(_rows(), owner=10**9) == {"kpi0_name": "fb_tampered"}
    assert _proposals(services) == []


def test_a_round_is_proposed_agreed_and_its_watch_pair_feeds_the_gaming_watch(services: Services, org: None) -> None:
    emma = _id(services, "U002")
    outcome = submit_form(
        services, by_slack_id="U002", owner_id=emma, form=FormInput(_rows(watch=("complaint RATE",)), "end of Q1"), now=NOW
    )
    assert outcome.errors == {}
    to_manager, receipt = outcome.outgoing
    assert isinstance(to_manager.message, ProposalMessage) and to_manager.to.slack_id == "U0MGR" and to_manager.message.to_manager
    assert to_manager.message.kpis[0]["watch_with"] == ["Complaint rate"]
    assert receipt.message == Notice("prop_sent", {"round": 1}) and receipt.to.slack_id == "U002"
    (proposal,) = _proposals(services)
    assert proposal.status == "open" and proposal.period == "2027-01-01..2027-03-31"

    with pytest.raises(Refusal) as refused:  # the person cannot approve their own round
        agree_round(services, clicker_slack_id="U002", proposal_id=proposal.id, now=NOW)
    assert refused.value.key == "prop_not_allowed"
    sent = agree_round(services, clicker_slack_id="U0MGR", proposal_id=proposal.id, now=NOW)
    assert {o.to.slack_id for o in sent} == {"U0MGR", "U002"}
    assert all(o.message == AgreedMessage("U002", 3, "2027-01-01") for o in sent)
    with pytest.raises(Refusal) as refused:
        agree_round(services, clicker_slack_id="U0MGR", proposal_id=proposal.id, now=NOW)
    assert refused.value.key == "prop_not_open"

    with session_scope(services.engine) as session:
        kpis = {k.name: k for k in session.exec(select(Kpi).where(Kpi.owner_id == emma, Kpi.period == proposal.period))}
        assert kpis["Revenue"].watch_with == ["Complaint rate"] and kpis["Complaint rate"].names == {"zh": "投诉率"}
        # January to February: revenue up while complaints rise -> the manager's question, as for an org-file pair
        for name, january, february in (("Revenue", 100.0, 200.0), ("Complaint rate", 1.0, 2.0)):
            for week, value in ((date(2027, 1, 11), january), (date(2027, 2, 8), february)):
                session.add(Measurement(kpi_id=kpis[name].id or 0, period_key=week.isoformat(), week_start=week, value=value))
        session.flush()
        team_id = session.get(Person, emma).team_id  # type: ignore[union-attr]
        questions = watch_questions(
            session, team_id=team_id or 0, month="2027-02", first=date(2027, 2, 1), last=date(2027, 3, 1) - timedelta(days=1)
        )
    assert [(q.slack_id, q.result_kpi, q.behaviour_kpi) for q in questions] == [("U002", "Revenue", "Complaint rate")]


def test_a_counter_proposal_reopens_the_round_and_comments_reach_the_other_side(services: Services, org: None) -> None:
    emma = _id(services, "U002")
    submit_form(
        services, by_slack_id="U002", owner_id=emma, form=FormInput(_rows(watch=("Complaint rate",)), "end of Q1"), now=NOW
    )
    (proposal,) = _proposals(services)
    form = reopen_form(services, clicker_slack_id="U0MGR", proposal_id=proposal.id, now=NOW)
    assert form.rows[0]["watch"] == ["Complaint rate"] and form.rows[2]["names"] == "zh: 投诉率" and form.locale == "en-US"
    with pytest.raises(Refusal):
        reopen_form(services, clicker_slack_id="U003", proposal_id=proposal.id, now=NOW)

    assert comment_form(services, clicker_slack_id="U0MGR", proposal_id=proposal.id).proposal_id == proposal.id
    with pytest.raises(Refusal) as refused:
        comment_form(services, clicker_slack_id="U003", proposal_id=proposal.id)
    assert refused.value.key == "prop_not_allowed"
    (note,) = comment_round(services, by_slack_id="U0MGR", proposal_id=proposal.id, text="Complaints at 0.8%?")
    assert note.to.slack_id == "U002" and note.message.comments == ["Mia Manager: Complaints at 0.8%?"]
    for text, key in (("   ", "prop_comment_empty"), ("z" * 1001, "err_too_long")):
        with pytest.raises(Refusal) as refused:
            comment_round(services, by_slack_id="U0MGR", proposal_id=proposal.id, text=text)
        assert refused.value.key == key
    assert _proposals(services)[0].comments == ["Mia Manager: Complaints at 0.8%?"]

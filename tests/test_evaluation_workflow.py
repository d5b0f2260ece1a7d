"""The quarterly evaluation reviewed before release, development from root causes, the star, kudos: through the real app."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text as sql
from sqlmodel import select

from bot.cli import main
from bot.periods import period_bounds, week_key
from bot.rounds import tick
from bot.services import Services
from storage.engine import make_engine, session_scope
from storage.tables import ActionItem, Blocker, Evaluation, Kpi, Kudos, Measurement, Person, Recognition, Team
from tests.conftest import Harness

JAN_2 = datetime(2027, 1, 2, 9, tzinfo=UTC)


def _weekly(bot: Harness, slack_id: str, name: str, value: float, *, period: str = "2026-Q4") -> None:
    start = period_bounds(period)[0]
    monday = start - timedelta(days=start.weekday())
    with session_scope(bot.engine) as session:
        person = session.exec(select(Person).where(Person.slack_id == slack_id)).one()
        kpi = session.exec(select(Kpi).where(Kpi.owner_id == person.id, Kpi.name == name, Kpi.period == period)).one()
        for i in range(13):
            day = monday + timedelta(weeks=i)
            session.add(Measurement(kpi_id=kpi.id, period_key=week_key(day), week_start=day, value=value))


def _texts(bot: Harness, user: str) -> str:
    return json.dumps([p.get("blocks") or p["text"] for p in bot.slack.posted(bot.slack.dm_channel(user))], ensure_ascii=False)


def _stars(bot: Harness) -> list[str]:
    return [p["text"] for p in bot.slack.posted("C0SALES") if "Star of" in p["text"]]


def _evaluations(bot: Harness) -> dict[str, Evaluation]:
    with session_scope(bot.engine) as session:
        rows = session.exec(select(Evaluation, Person).join(Person, Person.id == Evaluation.person_id)).all()
        return {p.slack_id: e for e, p in rows}


def capability_cause(bot: Harness, slack_id: str, kpi: str, step: str) -> None:
    """The person's next step for ``kpi`` with capability as its root cause (an early warning's answer, 2 Nov)."""
    with session_scope(bot.engine) as session:
        person = session.exec(select(Person).where(Person.slack_id == slack_id)).one()
        row = session.exec(select(Kpi).where(Kpi.owner_id == person.id, Kpi.name == kpi)).one()
        session.add(
            ActionItem(
                person_id=person.id,
                kpi_id=row.id,
                origin="warning",
                root_cause="capability",
                next_step=step,
                created_at=datetime(2026, 11, 2, tzinfo=UTC),
            )
        )


@pytest.fixture
def quarter(bot: Harness, services: Services) -> Harness:
    """Q4 figures (Emma on target, Li Wei far behind), Li Wei's recorded root causes, then the drafting tick."""
    _weekly(bot, "U002", "Revenue", 9_000)  # 117k of 90k
    _weekly(bot, "U002", "New customers", 3)  # 39 of 26
    _weekly(bot, "U001", "Revenue", 10_000)  # 130k of 600k
    capability_cause(bot, "U001", "Revenue", "Pair with Emma on discovery calls")
    with session_scope(bot.engine) as session:
        li = session.exec(select(Person).where(Person.slack_id == "U001")).one()
        session.add(
            Blocker(
                person_id=li.id,
                text="two more demo accounts",
                category="resources",
                reported_at=datetime(2026, 10, 12, tzinfo=UTC),
                resolved_at=datetime(2026, 10, 30, tzinfo=UTC),
            )
        )
        session.add(
            Blocker(
                person_id=li.id,
                text="contract approval takes 3 weeks",
                category="process",
                reported_at=datetime(2026, 11, 9, tzinfo=UTC),
            )
        )
        # Emma's leading KPI was on target in Q3 too: two quarters running
        emma = session.exec(select(Person).where(Person.slack_id == "U002")).one()
        start, end = period_bounds("2026-Q3")
        session.add(
            Kpi(
                owner_id=emma.id,
                name="New customers",
                unit="count",
                target=20,
                period="2026-Q3",
                period_start=start,
                period_end=end,
                weight=40,
                horizon="leading",
                source="CRM",
            )
        )
    _weekly(bot, "U002", "New customers", 2, period="2026-Q3")  # 26 of 20
    bot.clock.now = JAN_2
    assert tick(services).evaluations == 3
    assert tick(services).evaluations == 0  # drafted once per quarter
    return bot


def test_drafts_go_to_the_manager_and_admins_and_nothing_to_the_person(quarter: Harness) -> None:
    bot = quarter
    rows = _evaluations(bot)
    assert {e.status for e in rows.values()} == {"draft"}
    assert rows["U002"].total_score == pytest.approx(1.2) and rows["U001"].total_score < 0.5
    manager = _texts(bot, "U0MGR")
    assert "Evaluations Q4 2026: Sales East" in manager and "<@U001>" in manager and "*120%*" in manager
    assert "band: outstanding" in manager and "Met 2 of 2 KPIs" in manager
    assert "development list" in manager and "New customers" in manager  # Emma: leading KPI on target two quarters
    assert "I propose <@U002>" in manager  # the star proposal, not yet announced
    assert "the whole organisation" in _texts(bot, "U0ADMIN")
    for person in ("U001", "U002", "U003"):
        assert not any(label in _texts(bot, person) for label in ("Q4 2026", "2026年第四季度"))  # drafts reach nobody
    assert not _stars(bot)  # nothing announced
    _, body = bot.command("U002", "me")
    assert "evaluation" not in json.dumps(body).lower()
    _, body = bot.command("U002", "eval")
    assert "for managers and admins" in json.dumps(body)


def test_adjust_with_a_reason_then_release_once(quarter: Harness) -> None:
    bot = quarter
    refused = {
        "eval adjust <@U001> 95%": "needs a reason",
        "eval adjust <@U001> 130% great year": "outside 0-120%",
        "eval adjust <@U001> -5% bad": "outside 0-120%",
        "eval adjust <@U001> lots reason": "give the score and a reason",
    }
    for text, why in refused.items():
        _, body = bot.command("U0MGR", text)
        assert "`/kpi eval adjust` was refused" in json.dumps(body) and why in json.dumps(body), text
    _, body = bot.command("U002", "eval adjust <@U001> 90% I like him")
    assert "only Li Wei's manager or an admin" in json.dumps(body)
    assert _evaluations(bot)["U001"].adjusted_score is None  # nothing wrong stored
    _, body = bot.command("U0MGR", "eval adjust <@U001> 45% closed Acme on 30 Dec, after the data cut-off")
    assert "computed 22%, now 45%" in json.dumps(body)
    li = _evaluations(bot)["U001"]
    assert (li.total_score, li.adjusted_score, li.status) == (pytest.approx(0.2167, abs=1e-3), 0.45, "draft")
    assert li.adjust_reason == "closed Acme on 30 Dec, after the data cut-off"
    assert "2026年第四季度" not in _texts(bot, "U001")

    _, body = bot.command("U0MGR", "eval release <@U001>")
    assert "Released 1" in json.dumps(body)
    assert bot.slack.wait_for(lambda _: "你的2026年第四季度评估" in _texts(bot, "U001"), timeout=30)
    note = _texts(bot, "U001")  # Li Wei reads Chinese
    assert "计算得分 22%；经理调整为 45%：closed Acme on 30 Dec" in note
    assert "培训或辅导" in note and "Revenue" in note  # capability -> a training or coaching step
    assert "two more demo accounts" in note and "已于10月30日到位" in note  # resources: what was asked, and it came
    assert "<@U0MGR>" in note and "contract approval" in note  # process -> the owner to talk to
    assert _evaluations(bot)["U001"].status == "released"

    _, body = bot.command("U0MGR", "eval release <@U001>")
    assert "`/kpi eval release` was refused" in json.dumps(body) and "already released on Jan 2" in json.dumps(body)
    _, body = bot.command("U0MGR", "eval adjust <@U001> 60% second thoughts")
    assert "does not change" in json.dumps(body) and _evaluations(bot)["U001"].adjusted_score == 0.45
    assert _texts(bot, "U001").count("你的2026年第四季度评估") == 1  # released once

    _, body = bot.command("U0MGR", "eval release team")
    assert "Released 2" in json.dumps(body)
    assert bot.slack.wait_for(lambda _: "Your evaluation for Q4 2026" in _texts(bot, "U002"), timeout=30)
    assert "development list" in _texts(bot, "U002")
    _, body = bot.command("U002", "me")
    assert "Your evaluation for Q4 2026" in json.dumps(body) and "*120%*" in json.dumps(body)
    _, body = bot.command("U0MGR", "eval release team")
    assert "no drafts left" in json.dumps(body)
    _, body = bot.command("U0ADMIN", "eval")
    table = json.dumps(body)
    assert "the whole organisation" in table and "adjusted to *45%*" in table and "released" in table


def _draft_buttons(blocks: list[dict[str, Any]], slack_id: str) -> dict[str, dict[str, Any]]:
    """The Adjust and Release buttons under ``slack_id``'s draft in a drafts message, by action id."""
    for i, block in enumerate(blocks):
        if block["type"] == "section" and f"<@{slack_id}>" in block["text"]["text"]:
            after = blocks[i + 1] if i + 1 < len(blocks) else {}
            assert after.get("type") == "actions", f"no buttons under {slack_id}'s draft"
            return {e["action_id"]: e for e in after["elements"]}
    raise AssertionError(f"no draft of {slack_id}")


def _section_under(blocks: list[dict[str, Any]], slack_id: str) -> str:
    return next(b["text"]["text"] for b in blocks if b["type"] == "section" and f"<@{slack_id}>" in b["text"]["text"])


def _opened(bot: Harness) -> dict[str, Any]:
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    return json.loads(view) if isinstance(view, str) else view


def _answered(bot: Harness) -> str:
    return str(bot.slack.calls_to("response_url")[-1].args["text"])


def _adjust_values(score: str, reason: str) -> dict[str, Any]:
    return {
        "score": {"v": {"type": "plain_text_input", "value": score}},
        "reason": {"v": {"type": "plain_text_input", "value": reason}},
    }


def test_the_draft_buttons_adjust_in_a_modal_and_release_once(quarter: Harness) -> None:
    """The manager's drafts DM: Adjust opens a modal (errors beside the field), Release asks first, then once."""
    bot = quarter
    drafts = next(p for p in bot.slack.posted(bot.slack.dm_channel("U0MGR")) if "Evaluations Q4 2026" in p["text"])
    buttons = _draft_buttons(drafts["blocks"], "U001")
    adjust, release = buttons["eval_adjust"], buttons["eval_release"]
    assert adjust["text"]["text"] == "Adjust" and release["text"]["text"] == "Release"
    assert release["confirm"]["title"]["text"] == "Release this evaluation?"
    assert "Li Wei gets their Q4 2026 evaluation now" in release["confirm"]["text"]["text"]
    assert "Use the buttons under each draft" in json.dumps(drafts["blocks"])  # the slash commands stay in the footer
    opened = len(bot.slack.calls_to("views.open"))

    bot.click("U002", "eval_adjust", adjust["value"])  # not her team's manager: an answer, no modal
    assert _answered(bot) == "Only Li Wei's manager or an admin can review their evaluation. Nothing changed."
    assert len(bot.slack.calls_to("views.open")) == opened
    bot.click("U0MGR", "eval_adjust", adjust["value"])
    view = _opened(bot)
    assert view["callback_id"] == "eval_adjust" and "computed score *22%*" in json.dumps(view)
    metadata = view["private_metadata"]

    refused = {
        ("45%", "   "): ("reason", "An adjusted score needs a reason"),
        ("130%", "great year"): ("score", "130% is outside 0-120%"),
        ("-5%", "bad"): ("score", "-5% is outside 0-120%"),
        ("lots", "reason"): ("score", "Type a score from 0 to 120%"),
    }
    for (score, reason), (field, why) in refused.items():
        _, body = bot.submit("U0MGR", "eval_adjust", _adjust_values(score, reason), private_metadata=metadata)
        assert body["response_action"] == "errors" and why in body["errors"][field], (score, body)
    _, body = bot.submit("U002", "eval_adjust", _adjust_values("90%", "I like him"), private_metadata=metadata)
    assert "Only Li Wei's manager or an admin" in body["errors"]["score"]
    forged = metadata.replace(adjust["value"] + ".", "9999.", 1)
    _, body = bot.submit("U0MGR", "eval_adjust", _adjust_values("90%", "forged"), private_metadata=forged)
    assert body["response_action"] == "errors"
    assert _evaluations(bot)["U001"].adjusted_score is None  # nothing wrong stored

    _, body = bot.submit("U0MGR", "eval_adjust", _adjust_values("45%", "closed Acme on 30 Dec"), private_metadata=metadata)
    assert body["response_action"] == "update" and "computed 22%, now 45%" in json.dumps(body["view"])
    li = _evaluations(bot)["U001"]
    assert (li.adjusted_score, li.adjust_reason, li.status) == (0.45, "closed Acme on 30 Dec", "draft")
    assert "2026年第四季度" not in _texts(bot, "U001")

    bot.click("U002", "eval_release", release["value"])
    assert _answered(bot).startswith("Only Li Wei's manager")  # a click names no command nobody typed
    assert _answered(bot).endswith(" Nothing changed.") and "/kpi" not in _answered(bot)
    assert _evaluations(bot)["U001"].status == "draft"
    bot.click("U0MGR", "eval_release", release["value"], message=drafts)
    assert _answered(bot) == "Released 1 evaluation: Li Wei. It reaches them now."
    # the drafts message itself is updated: Li Wei's draft marked released, its buttons gone, the others' kept
    (replaced,) = [c.args for c in bot.slack.calls_to("response_url") if c.args.get("replace_original") is True]
    assert f"eval_draft_{release['value']}" not in json.dumps(replaced["blocks"])
    assert ":white_check_mark: Released" in _section_under(replaced["blocks"], "U001")
    assert _draft_buttons(replaced["blocks"], "U003")
    assert bot.slack.wait_for(lambda _: "你的2026年第四季度评估" in _texts(bot, "U001"), timeout=30)
    assert "计算得分 22%；经理调整为 45%：closed Acme on 30 Dec" in _texts(bot, "U001")
    bot.click("U0MGR", "eval_release", release["value"])  # a second release
    assert _answered(bot) == "This evaluation was already released on Jan 2. Nothing changed."
    bot.click("U0MGR", "eval_adjust", adjust["value"])  # too late to adjust: an answer, no modal
    assert "already released; a released evaluation does not change" in _answered(bot)
    assert _texts(bot, "U001").count("你的2026年第四季度评估") == 1 and _evaluations(bot)["U001"].adjusted_score == 0.45
    # the slash commands keep working beside the buttons, with a proper plural
    _, body = bot.command("U0MGR", "eval release team")
    assert "Released 2 evaluations: " in json.dumps(body) and "Each person gets theirs now." in json.dumps(body)


def test_the_draft_buttons_speak_the_managers_language(quarter: Harness) -> None:
    bot = quarter
    with session_scope(bot.engine) as session:
        session.exec(select(Person).where(Person.slack_id == "U0MGR")).one().locale = "zh-CN"
    _, body = bot.command("U0MGR", "eval")
    buttons = _draft_buttons(body["blocks"], "U001")
    assert (buttons["eval_adjust"]["text"]["text"], buttons["eval_release"]["text"]["text"]) == ("调整", "发布")
    confirm = buttons["eval_release"]["confirm"]
    assert confirm["title"]["text"] == "发布这份评估？" and confirm["deny"]["text"] == "取消"
    assert confirm["text"]["text"] == "Li Wei 会马上收到2026年第四季度评估。发布后不能再修改。"
    assert "可以用每份草稿下方的按钮" in json.dumps(body, ensure_ascii=False)
    bot.click("U0MGR", "eval_adjust", buttons["eval_adjust"]["value"])
    view = _opened(bot)
    assert view["title"]["text"] == "调整分数" and view["submit"]["text"] == "保存"
    assert "*Li Wei* · 2026年第四季度：计算得分 *22%* 。" in json.dumps(view, ensure_ascii=False)
    metadata = view["private_metadata"]
    _, body = bot.submit("U0MGR", "eval_adjust", _adjust_values("45%", ""), private_metadata=metadata)
    assert body["errors"] == {"reason": "调整分数必须写明理由，让对方明白为什么与计算结果不同。"}
    _, body = bot.submit("U0MGR", "eval_adjust", _adjust_values("130%", "全年表现好"), private_metadata=metadata)
    assert body["errors"] == {"score": "130% 超出了分数范围 0-120%。"}
    _, body = bot.submit("U0MGR", "eval_adjust", _adjust_values("很多", "全年表现好"), private_metadata=metadata)
    assert body["errors"] == {"score": "请填写 0 到 120% 之间的分数，例如 95%。"}
    _, body = bot.submit("U0MGR", "eval_adjust", _adjust_values("45%", "12月30日签下了 Acme"), private_metadata=metadata)
    assert "计算结果 22%，调整为 45%（12月30日签下了 Acme）" in json.dumps(body["view"], ensure_ascii=False)
    bot.click("U0MGR", "eval_release", buttons["eval_release"]["value"])
    assert _answered(bot) == "已发布 1 份评估：Li Wei。评估会马上发给本人。"
    bot.click("U0MGR", "eval_release", buttons["eval_release"]["value"])
    assert _answered(bot) == "这份评估已于1月2日发布过了，没有任何改动。"


def test_an_admin_previews_the_running_quarter_and_no_one_else_may(bot: Harness, services: Services) -> None:
    """`/kpi eval preview` mid-quarter: the admin sees figures so far, marked a preview, stored nowhere."""
    _weekly(bot, "U002", "Revenue", 9_000)
    with session_scope(bot.engine) as session:
        session.exec(select(Person).where(Person.slack_id == "U001")).one().locale = "zh-CN"  # his Slack locale
    bot.clock.now = datetime(2026, 11, 18, 9, tzinfo=UTC)
    _, body = bot.command("U0ADMIN", "eval preview")
    shown = json.dumps(body)
    assert "Preview of Q4 2026, figures so far: not an evaluation, stored nowhere" in shown
    assert "<@U002>" in shown and "eval_adjust" not in shown  # a preview has nothing to adjust or release
    for asker, refusal in (
        ("U0MGR", "`/kpi eval preview` was refused: previews are for admins. Nothing changed."),
        ("U001", "`/kpi eval preview` 未执行：预览仅供管理员使用。没有任何改动。"),
    ):
        _, body = bot.command(asker, "eval preview")
        assert body["blocks"][0]["text"]["text"] == refusal
    with session_scope(bot.engine) as session:
        assert session.exec(select(Evaluation)).all() == [] and session.exec(select(Recognition)).all() == []


def test_the_evaluations_report(
    quarter: Harness, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bot = quarter
    bot.command("U0MGR", "eval adjust <@U001> 45% closed Acme late")
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["report", "evaluations", "--period", "2026-Q4", "--format", "csv"]) == 0
    rows = {r["slack_id"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert set(rows) == {"U001", "U002", "U003"}
    assert (rows["U001"]["computed"], rows["U001"]["adjusted"], rows["U001"]["adjust_reason"]) == (
        "0.2167",
        "0.45",
        "closed Acme late",
    )
    assert rows["U002"]["status"] == "draft" and rows["U002"]["band"] == "outstanding"
    assert main(["report", "evaluations", "--period", "2026-Q4", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"] == {"people": 3, "released": 0, "drafts": 3}
    assert main(["report", "evaluations", "--period", "2026-Q3", "--format", "json"]) != 0


def test_the_manager_confirms_the_star_before_anything_is_announced(quarter: Harness) -> None:
    bot = quarter
    with session_scope(bot.engine) as session:
        star = session.exec(select(Recognition)).one()
    # the figures are stored, not an English sentence: each reader gets them in their language
    assert (star.status, star.reason, star.reason_params) == ("proposed", "star_reason", {"score": 1.2, "kudos": 0})
    bot.click("U002", "star_confirm", str(star.id))  # not the manager
    assert not _stars(bot)
    bot.click("U0MGR", "star_confirm", str(star.id))
    assert bot.slack.wait_for(lambda _: bool(_stars(bot)), timeout=30)
    # no kudos this quarter: the post does not announce a zero
    assert _stars(bot)[0] == ":star2: Star of Q4 2026 in Sales East: <@U002> (120% weighted score). Congratulations!"
    bot.click("U0MGR", "star_pick", "", selected=f"{star.id}:U001")  # too late: chosen already
    assert len(_stars(bot)) == 1
    with session_scope(bot.engine) as session:
        assert session.exec(select(Recognition)).one().status == "confirmed"


def _team_locale(bot: Harness, locale: str) -> None:
    with session_scope(bot.engine) as session:
        session.exec(select(Team)).one().locale = locale


def test_the_star_and_shared_kudos_go_out_in_the_teams_language(quarter: Harness) -> None:
    """The channel's language (organisation file ``locale``), not the clicker's: a Chinese team, an English manager."""
    bot = quarter
    _team_locale(bot, "zh-CN")
    with session_scope(bot.engine) as session:
        star = session.exec(select(Recognition)).one()
    bot.click("U0MGR", "star_confirm", str(star.id))
    assert bot.slack.wait_for(lambda _: bool(bot.slack.posted("C0SALES")), timeout=30)
    assert bot.last_to("C0SALES")["text"] == ":star2: Sales East 2026年第四季度之星：<@U002>（加权得分 120%）。恭喜！"
    assert "Announced in <#C0SALES>" in _answered(bot)  # the manager's own answer stays in English
    posts = len(bot.slack.posted("C0SALES"))
    _, body = bot.command("U002", "kudos <@U001> for covering my calls")
    bot.click("U002", "kudos_share", body["blocks"][1]["elements"][0]["value"])
    assert bot.slack.wait_for(lambda _: len(bot.slack.posted("C0SALES")) == posts + 1, timeout=30)
    assert bot.last_to("C0SALES")["text"] == ":clap: <@U002> 为 <@U001> 点赞：covering my calls"
    assert "Shared in <#C0SALES>" in _answered(bot)


def test_a_star_reason_stored_as_an_english_sentence_is_reworded_by_the_migration(bot: Harness) -> None:
    """Rows proposed before 0015 held "95% weighted score, 3 kudos": they become the id and its figures."""
    from alembic import command

    from storage.migrate import alembic_config, upgrade

    command.downgrade(alembic_config(bot.db_url), "0010")
    old = make_engine(bot.db_url, track=False)  # kpibot as it was at 0010: no write counters yet
    with old.begin() as conn:
        conn.execute(
            sql(
                "INSERT INTO recognition (person_id, team_id, period, kind, reason, status, created_at) "
                "SELECT p.id, p.team_id, '2026-Q3', 'star', '95% weighted score, 3 kudos', 'confirmed', CURRENT_TIMESTAMP "
                "FROM person p WHERE p.slack_id = 'U002'"
            )
        )
    old.dispose()
    upgrade(bot.db_url)
    with session_scope(bot.engine) as session:
        row = session.exec(select(Recognition)).one()
        assert (row.reason, row.reason_params) == ("star_reason", {"score": 0.95, "kudos": 3})


def test_the_manager_may_pick_another_star(quarter: Harness) -> None:
    bot = quarter
    with session_scope(bot.engine) as session:
        star = session.exec(select(Recognition)).one()
    bot.click("U0MGR", "star_pick", "", selected=f"{star.id}:U001")
    assert bot.slack.wait_for(lambda _: bool(_stars(bot)), timeout=30)
    assert "<@U001>, chosen by their manager" in _stars(bot)[0]
    with session_scope(bot.engine) as session:
        row = session.exec(select(Recognition)).one()
        li = session.exec(select(Person).where(Person.slack_id == "U001")).one()
    assert (row.person_id, row.proposed_id != li.id) == (li.id, True)


def test_kudos_reach_the_receiver_are_counted_and_the_giver_may_share(bot: Harness) -> None:
    _, body = bot.command("U002", "kudos <@U001|li> for covering my calls on Friday")
    assert "Sent to <@U001>: their 1st this quarter" in json.dumps(body)
    button = body["blocks"][1]["elements"][0]
    assert bot.slack.wait_for(lambda _: "<@U002> gave you kudos" in _texts(bot, "U001"), timeout=30)
    assert "covering my calls on Friday" in _texts(bot, "U001")
    _, body = bot.command("U0MGR", "kudos <@U001> for the Acme <!channel> demo")
    assert "their 2nd this quarter" in json.dumps(body)
    assert "&lt;!channel&gt;" in _texts(bot, "U001")
    bot.click("U001", "kudos_share", button["value"])  # only the giver shares
    assert not bot.slack.posted("C0SALES")
    bot.click("U002", "kudos_share", button["value"])
    assert bot.slack.wait_for(lambda _: bool(bot.slack.posted("C0SALES")), timeout=30)
    assert "<@U002> gave kudos to <@U001>: covering my calls" in bot.last_to("C0SALES")["text"]
    bot.click("U002", "kudos_share", button["value"])
    assert len(bot.slack.posted("C0SALES")) == 1  # shared once


def test_kudos_that_are_refused_store_nothing(bot: Harness) -> None:
    bot.slack.add_user("U0BOT", "Deploy Bot", is_bot=True)
    with session_scope(bot.engine) as session:
        session.exec(select(Person).where(Person.slack_id == "U003")).one().active = False
    refused = {
        "kudos <@U001>": "a few words",
        "kudos <@U001> for": "a few words",
        "kudos <@U002> for being me": "for someone else",
        "kudos <@U003> for last year": "Sam Gone is deactivated",
        "kudos <@U0BOT> for deploying": "that is a bot",
        "kudos for nobody": "say who",
    }
    for text, why in refused.items():
        _, body = bot.command("U002", text)
        assert "`/kpi kudos` was refused" in json.dumps(body) and why in json.dumps(body), text
    with session_scope(bot.engine) as session:
        assert session.exec(select(Kudos)).all() == []


def test_the_star_proposal_weighs_kudos(bot: Harness, services: Services) -> None:
    """Two people at 120%: the one with kudos is proposed, and the reasons say so."""
    _weekly(bot, "U002", "Revenue", 9_000)
    _weekly(bot, "U002", "New customers", 3)
    _weekly(bot, "U003", "Revenue", 9_000)
    bot.clock.now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    bot.command("U001", "kudos <@U003> for onboarding the new hire")
    bot.clock.now = JAN_2
    tick(services)
    with session_scope(bot.engine) as session:
        star = session.exec(select(Recognition)).one()
        sam = session.exec(select(Person).where(Person.slack_id == "U003")).one()
    assert star.person_id == sam.id and star.reason_params == {"score": 1.2, "kudos": 1}
    drafts = _texts(bot, "U0MGR")
    assert "Met 1 of 1 KPI;" in drafts and "Met 2 of 2 KPIs;" in drafts  # Sam has one KPI, Emma two
    assert date(2027, 1, 2) == star.created_at.date()


def _month(bot: Harness, slack_id: str, name: str, weeks: list[tuple[date, float]]) -> None:
    with session_scope(bot.engine) as session:
        person = session.exec(select(Person).where(Person.slack_id == slack_id)).one()
        kpi = session.exec(select(Kpi).where(Kpi.owner_id == person.id, Kpi.name == name)).one()
        for monday, value in weeks:
            session.add(Measurement(kpi_id=kpi.id, period_key=week_key(monday), week_start=monday, value=value))


def test_the_gaming_watch_asks_the_manager_a_question_with_the_numbers(bot: Harness, services: Services) -> None:
    """Li Wei's revenue rises from October to November while his complaint rate rises too: the manager is asked."""
    from bot.orgfile import import_org
    from tests.conftest import ORG

    watched = ORG.replace(
        "weight: 50, horizon: lagging, goal: share, source: CRM}",
        "weight: 50, horizon: lagging, goal: share, source: CRM, watch_with: [Complaint rate]}",
    )
    with session_scope(bot.engine) as session:
        import_org(session, watched)
    october = [date(2026, 10, 5) + timedelta(weeks=i) for i in range(4)]
    november = [date(2026, 11, 2) + timedelta(weeks=i) for i in range(4)]
    _month(bot, "U001", "Revenue", [(d, 30_000) for d in october] + [(d, 45_000) for d in november])
    _month(bot, "U001", "Complaint rate", [(d, 1.2) for d in october] + [(d, 1.9) for d in november])
    _month(bot, "U002", "Revenue", [(d, 9_000) for d in october] + [(d, 12_000) for d in november])  # no pair: no question
    bot.clock.now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert tick(services).retros == 1
    asked = [p["text"] for p in bot.slack.posted(bot.slack.dm_channel("U0MGR")) if "A question, not a verdict" in p["text"]]
    assert len(asked) == 1
    assert "<@U001>" in asked[0] and "Revenue improved (CNY 120k -> CNY 180k)" in asked[0]
    assert "Complaint rate worsened (1.2% -> 1.9%)" in asked[0]
    channel = json.dumps(bot.slack.posted("C0SALES"))
    assert "A question" not in channel and "Complaint rate worsened" not in channel  # privately, never in the channel


def test_a_watch_pair_must_name_a_kpi_of_the_same_person(bot: Harness) -> None:
    from bot.orgfile import OrgFileError, parse_org
    from tests.conftest import ORG

    bad = ORG.replace(
        "weight: 50, horizon: lagging, goal: share, source: CRM}",
        "weight: 50, horizon: lagging, goal: share, source: CRM, watch_with: [Refund rate]}",
    )
    with pytest.raises(OrgFileError) as refused:
        parse_org(bad)
    assert "watches 'Refund rate', which is not a KPI of U001 in 2026-Q4" in str(refused.value)


def test_a_reader_gets_no_buttons_on_their_own_draft(quarter: Harness) -> None:
    """A manager who is also in the team reviews the others, not themselves: their own row has no buttons
    (clicking them would only be refused); an admin may review every row."""
    from bot.evaluation_review import EvaluationDrafts, evaluation_rows
    from handlers.render.dispatch import render

    with session_scope(quarter.engine) as session:
        rows = evaluation_rows(session, period="2026-Q4")
    as_li = json.loads(
        json.dumps([b.to_dict() for b in render(EvaluationDrafts("2026-Q4", "Sales East", rows, reader="U001"), "en-US")[1]])
    )
    assert _draft_buttons(as_li, "U002")  # the others' drafts keep their buttons
    with pytest.raises(AssertionError, match="no buttons under U001"):
        _draft_buttons(as_li, "U001")
    as_admin = [b.to_dict() for b in render(EvaluationDrafts("2026-Q4", "", rows), "en-US")[1]]
    assert _draft_buttons(as_admin, "U001") and _draft_buttons(as_admin, "U002")


def test_the_evaluation_use_cases_directly(quarter: Harness, services: Services) -> None:
    """bot/use_cases/evaluation.py without Slack: a refused adjustment stores nothing; a release happens once."""
    from bot.evaluation_review import EvaluationRefused
    from bot.use_cases.evaluation import adjust_score, drafts_table, person_of, release_evaluations

    manager, li = person_of(services, "U0MGR"), person_of(services, "U001")
    assert manager is not None and li is not None
    with pytest.raises(EvaluationRefused) as refused:
        adjust_score(services, asker=manager, ratee_slack_id="U001", score_text="95%", reason=" ")
    assert refused.value.key == "eval_adjust_reason" and _evaluations(quarter)["U001"].adjusted_score is None
    with pytest.raises(EvaluationRefused):
        adjust_score(services, asker=li, ratee_slack_id="U001", score_text="95%", reason="me")  # not her own
    done = adjust_score(services, asker=manager, ratee_slack_id="U001", score_text="95%", reason="late win")
    assert (done.evaluation.adjusted_score, done.ratee.slack_id) == (0.95, "U001")
    released = release_evaluations(services, asker=manager, ratee_slack_id="U001")
    # released: on its way to Li Wei (the outbox delivers it and marks it "released"; the handler triggers that)
    assert released.names == ["Li Wei"] and _evaluations(quarter)["U001"].status == "releasing"
    with pytest.raises(EvaluationRefused):
        release_evaluations(services, asker=manager, ratee_slack_id="U001")
    table = drafts_table(services, asker=manager)
    assert table is not None and {r.slack_id: r.status for r in table.rows}["U001"] == "releasing"
    assert drafts_table(services, asker=li) is None


def test_the_star_reason_names_the_kudos_only_when_there_are_some() -> None:
    from bot.messages import Notice
    from handlers.render.monthly import star_reason_text

    with_kudos = Notice("star_reason", {"score": 1.2, "kudos": 3})
    assert star_reason_text(with_kudos, "zh-CN") == "加权得分 120%，本季度收到 3 个点赞"
    assert star_reason_text(with_kudos, "en-US") == "120% weighted score, 3 kudos"
    assert star_reason_text(Notice("star_reason", {"score": 1.2, "kudos": 0}), "zh-CN") == "加权得分 120%"


def test_the_evaluation_names_each_kpi_in_the_readers_language(bot: Harness, services: Services) -> None:
    """Li Wei's KPIs have Chinese names: his evaluation and his manager's drafts say 销售额, an English reader Revenue."""
    from bot.evaluation_review import evaluation_rows, note_of
    from handlers.render.dispatch import render
    from handlers.render.monthly import evaluation_summary, local_lines

    with session_scope(bot.engine) as session:
        li = session.exec(select(Person).where(Person.slack_id == "U001")).one()
        for kpi in session.exec(select(Kpi).where(Kpi.owner_id == li.id)).all():
            kpi.names = {"zh": {"Revenue": "销售额", "New customers": "新客户数"}.get(kpi.name, kpi.name)}
    _weekly(bot, "U001", "Revenue", 10_000)
    bot.clock.now = JAN_2
    tick(services)
    with session_scope(bot.engine) as session:
        evaluation = _evaluations(bot)["U001"]
        assert evaluation.details["names"]["Revenue"] == {"zh": "销售额"}
        note = note_of(evaluation)
        row = next(r for r in evaluation_rows(session, period="2026-Q4") if r.slack_id == "U001")
    zh = json.dumps([b.to_dict() for b in render(note, "zh-CN")[1]], ensure_ascii=False)
    en = json.dumps([b.to_dict() for b in render(note, "en-US")[1]], ensure_ascii=False)
    assert "• 销售额 `" in zh and "Revenue" not in zh and "• Revenue `" in en
    assert "销售额" in evaluation_summary(local_lines(row.lines, row.names, "zh-CN"), "zh-CN")

"""``kpibot demo``: the whole lifecycle with no Slack account.

A sample organisation on SQLite, the real Bolt app behind a real HTTP server,
the Slack stand-in, and a simulated clock: prompts go out at each person's
local Monday morning, people answer in English or Chinese (signed events over
HTTP, as Slack would send them), the bot asks, confirms, reminds and records
misses. By default it runs the whole quarter (13 weeks, fast-forwarded) and on
until 2 January, so the monthly retros (December's too, on 1 January in every
timezone), early warnings, the half-year review and the quarterly evaluation
(1 January, once Q4 is over everywhere) rest on full data. At the end it
prints the story in time order, each message stamped with its reader's local
time.
"""

from __future__ import annotations

import itertools
import json
import logging
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import SecretStr

import bot
from bot.app import create_app
from bot.config import Settings
from bot.orgfile import import_org
from bot.people import dm_channel_store
from bot.recognition import RecognitionStatus
from bot.rounds import tick
from bot.serve import LocalServer
from bot.services import Services
from handlers.gateway import SlackGateway, make_client
from kpibot_dev.driver import SlackDriver
from kpibot_dev.standin import Call, SlackStandIn
from storage.engine import make_engine, session_scope
from storage.migrate import upgrade

SAMPLE = Path(bot.__file__).parent / "data" / "sample_org.yaml"
SIGNING_SECRET = "demo0signing0secret0000000000000"
START = datetime(2026, 10, 5, tzinfo=UTC)  # the first Monday of 2026-Q4
LOOK = datetime(2026, 12, 18, 10, tzinfo=UTC)  # a Friday in Q4's last month: the managers' look
CRM_DAY = datetime(2026, 11, 30, 9, tzinfo=UTC)  # November's figures for Liam Wilson arrive from the CRM
QUARTER_WEEKS = 13
# A whole-quarter run goes on until 1 January has passed in every timezone (Sales West's December retro runs on
# Maria's 1 January in New York, the evaluations once Q4 is over everywhere): 36 more hourly ticks, a few seconds.
QUARTER_DONE = datetime(2027, 1, 2, 12, tzinfo=UTC)
EVENT_IDS = itertools.count(1)

PEOPLE = {
    "U0ADMIN": ("Grace Hopper", "America/New_York", "en-US"),
    "U0SALESMGR": ("Wang Fang", "Asia/Shanghai", "zh-CN"),
    "U0EASTMGR": ("Chen Jie", "Asia/Shanghai", "zh-CN"),
    "U0WESTMGR": ("Maria Garcia", "America/New_York", "en-US"),
    "U101": ("Li Wei", "Asia/Shanghai", "zh-CN"),
    "U102": ("Zhang Min", "Asia/Shanghai", "zh-CN"),
    "U103": ("Liu Yang", "Asia/Shanghai", "zh-CN"),
    "U104": ("Zhao Lei", "Asia/Shanghai", "en-US"),
    "U201": ("Emma Brown", "America/New_York", "en-US"),
    "U202": ("Noah Smith", "Europe/London", "en-GB"),
    "U203": ("Olivia Jones", "America/Los_Angeles", "en-US"),
    "U204": ("Liam Wilson", "Europe/London", "en-GB"),
}

# What each person answers, week by week: a list of messages sent one after another
# (each waits for the bot's answer). None: no answer that week.
SCRIPT: dict[str, list[list[str] | None]] = {
    "U101": [
        ["销售额4.5万，新客户2个，投诉率1.5%"],
        ["销售额5万，新客户3个，投诉率1.2%，卡在法务审批，等到下周三"],
        ["销售额5.2万，新客户2个，投诉率1.1%"],
    ],
    "U102": [["营收3.8万，新客户1个", "1.8%"], ["和上周一样"], ["营收3.5万，新客户1个，投诉率1.9%，缺人手"]],
    "U103": [None, ["下周请假"]],
    "U104": [["52000, 2, 1.1"], ["revenue 61k, 4 new clients, complaints 0.9%"], ["revenue 48k, 2 new clients, complaints 1%"]],
    "U201": [
        ["revenue 7.5k, 2 new clients, complaints 1.4%, waiting on leads from marketing since last Tuesday"],
        ["revenue 9k, 3 new clients, complaints 1.3%"],
        ["revenue 7k, 2 new clients, complaints 1.2%"],
    ],
    "U202": [
        ["sales 6k, new clients 1", "1.6%"],
        ["revenue 6.5k, 2 new clients, complaints 1.5%"],
        ["revenue 7k, 2 new clients, complaints 1.4%"],
    ],
    "U203": [
        ["revenue 8k, 1 new client, complaints 1.9%"],
        ["revenue 95k, 2 new clients, complaints 1.7%", "sorry, 9.5k"],
        ["revenue 7.2k, 2 new clients, complaints 1.5%"],
    ],
    "U204": [["revenue 5k, 3 new clients, complaints 2%"], ["same as last week"], None],
}

# After the scripted weeks, each person keeps a steady rhythm (weekly revenue, new customers,
# complaint rate at week 3, its change per week): some ahead, some behind, so warnings and the
# retro have something to say. Liu Yang is away every other week.
RHYTHM: dict[str, tuple[float, int, float, float]] = {
    "U101": (52_000, 2, 1.1, -0.02),
    "U102": (33_000, 1, 1.9, 0.0),
    "U103": (44_000, 2, 1.6, -0.03),
    "U104": (50_000, 3, 1.0, -0.01),
    "U201": (7_600, 2, 1.2, -0.02),
    "U202": (6_400, 2, 1.4, -0.03),
    "U203": (7_300, 2, 1.5, -0.04),
    "U204": (5_200, 2, 2.0, 0.0),
}


def reply_for(user: str, week: int) -> list[str] | None:
    """What ``user`` answers in ``week`` (0 = the first): the script, then their rhythm."""
    script = SCRIPT.get(user, [])
    if week < len(script):
        return script[week]
    if user not in RHYTHM or (user == "U103" and week % 2):
        return None
    revenue, customers, complaints, drift = RHYTHM[user]
    wobble = (week * 7919 % 11 - 5) / 100  # a deterministic +-5%: real weeks are not all alike
    revenue = round(revenue * (1 + wobble), -2)
    customers = max(0, customers + (1 if week % 3 == 0 else 0) - (1 if week % 4 == 0 else 0))
    rate = round(max(0.4, complaints + drift * (week - 2)), 1)
    if PEOPLE[user][2].startswith("zh"):
        return [f"销售额{revenue / 10_000:g}万，新客户{customers}个，投诉率{rate:g}%"]
    return [f"revenue {revenue / 1000:g}k, {customers} new clients, complaints {rate:g}%"]


@dataclass
class SimClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def epoch(self) -> float:
        return self.now.timestamp()


def run_demo(*, weeks: int, out: Path, database_url: str | None = None) -> int:
    logging.getLogger().setLevel(logging.WARNING)
    out.mkdir(parents=True, exist_ok=True)
    db_path = out / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    url = database_url or f"sqlite:///{db_path}"
    upgrade(url)
    clock = SimClock(START)
    with SlackStandIn(clock=clock.epoch) as slack:
        for slack_id, (name, tz, locale) in PEOPLE.items():
            slack.add_user(slack_id, name, tz=tz, locale=locale)
        settings = Settings(
            slack_bot_token=SecretStr(slack.token),
            slack_signing_secret=SecretStr(SIGNING_SECRET),
            slack_api_url=slack.api_url,
            database_url=url,
        )
        client = make_client(slack.token, slack.api_url)
        engine = make_engine(url)
        gateway = SlackGateway(client, remember_dm=dm_channel_store(engine))
        services = Services(settings=settings, engine=engine, gateway=gateway, clock=clock)
        with session_scope(services.engine) as session:
            report = import_org(session, SAMPLE.read_text(encoding="utf-8"))
        print(f"== Imported the sample organisation: {_counts(report.created)}")
        executor = ThreadPoolExecutor(max_workers=8)
        app = create_app(settings, services, executor=executor)
        with LocalServer(app, executor=executor) as server:
            driver = SlackDriver(server.url, SIGNING_SECRET, slack)
            end = START + timedelta(weeks=weeks) - timedelta(days=3)  # the last Friday
            if weeks >= QUARTER_WEEKS:  # the whole quarter: its December retros and quarter-end steps too
                end = max(end, QUARTER_DONE)
            story = _story(services, slack, driver, clock)
            answered: set[tuple[str, int]] = set()
            _simulate(services, slack, driver, clock, end, answered, story)
            for when, step in story:  # what the simulated weeks did not reach, fast-forwarded in order
                clock.now = max(clock.now, when)
                step()
            _quarter_end(services, slack, driver, clock)
        _print_transcripts(slack)
        _write_charts(services, out)
    print(f"\nDatabase: {url}")
    shutil.copy(SAMPLE, out / "sample_org.yaml")
    return 0


def _feedback_round(services: Services, slack: SlackStandIn, driver: SlackDriver) -> None:
    """Chen Jie starts a 360 for Li Wei; three colleagues answer in the modal; Li Wei sees the result."""
    from sqlmodel import col, select

    from handlers.metadata import sign
    from storage.tables import FeedbackRequest, Person

    _, answer = driver.command("U0EASTMGR", "360 start <@U101|li.wei> in 7 days", "C0EAST")
    print("\n== Chen Jie types /kpi 360 start @Li Wei in 7 days:")
    for line in blocks_as_text(answer.get("blocks", []), ""):
        print(f"      {line}")
    slack.wait_for(
        lambda calls: sum(1 for c in calls if c.method == "chat.postMessage" and "360" in str(c.args.get("text"))) >= 4,
        timeout=10,
    )
    answers = {
        "U102": ("4", "Always shares leads with the team"),
        "U104": ("5", "Calm with difficult customers"),
        "U0EASTMGR": ("3", ""),
    }
    with session_scope(services.engine) as session:
        requests = {
            p.slack_id: r.id
            for r, p in session.exec(
                select(FeedbackRequest, Person).join(Person, col(Person.id) == FeedbackRequest.rater_id)
            ).all()
        }
    secret = services.settings.slack_signing_secret.get_secret_value() if services.settings.slack_signing_secret else ""
    for rater, (level, comment) in answers.items():
        values: dict[str, Any] = {
            f"c_{c}": {"level": {"type": "static_select", "selected_option": {"value": level}}}
            for c in services.settings.feedback_competencies
        }
        values["comment"] = {"text": {"type": "plain_text_input", "value": comment}}
        driver.submit(rater, "feedback_form", values, private_metadata=sign(secret, str(requests[rater])))


def _say_command(driver: SlackDriver, user: str, text: str, channel: str) -> None:
    """Type a /kpi command and print the answer the way the demo prints every other one."""
    _, answer = driver.command(user, text, channel)
    print(f"\n== {PEOPLE[user][0]} types /kpi {text} in {channel}:")
    for line in blocks_as_text(answer.get("blocks", []), answer.get("text", "")):
        print(f"      {line}")


def _close_round(slack: SlackStandIn, driver: SlackDriver) -> None:
    """Chen Jie closes Li Wei's 360 round: only now are the results computed, frozen and shown to Li Wei."""
    _say_command(driver, "U0EASTMGR", "360 close <@U101|li.wei>", "C0EAST")
    slack.wait_for(
        lambda calls: any("360" in str(c.args.get("text")) and c.args.get("channel") == "D101" for c in calls), timeout=10
    )


def _kudos(slack: SlackStandIn, driver: SlackDriver) -> None:
    """Zhang Min thanks Li Wei and shares it in the team channel; a kudos without words is refused."""
    _say_command(driver, "U102", "kudos <@U101|li.wei>", "C0EAST")
    _, answer = driver.command("U102", "kudos <@U101|li.wei> for sharing her leads with the whole team", "C0EAST")
    print("\n== Zhang Min types /kpi kudos @Li Wei for sharing her leads with the whole team:")
    for line in blocks_as_text(answer.get("blocks", []), answer.get("text", "")):
        print(f"      {line}")
    share = next((b for b in answer.get("blocks", []) if b.get("type") == "actions"), None)
    if share is not None:
        driver.click("U102", "kudos_share", share["elements"][0]["value"])
        # Sales East's channel reads Chinese (organisation file ``locale``): the share goes out in it
        slack.wait_for(lambda _: any("点赞" in str(m.get("text")) for m in slack.posted("C0EAST")), timeout=10)


def _quarter_end(services: Services, slack: SlackStandIn, driver: SlackDriver, clock: SimClock) -> None:
    """The quarter's drafts went to the managers on 1 January, once Q4 was over everywhere: Chen Jie adjusts Li Wei's with the Adjust button
    (an out-of-range score is refused in the modal, then a score with its reason), releases it with the Release
    button (after Slack's confirm dialog) and the rest of the team with the slash command; a second release is
    refused; the star proposal is confirmed and only then announced."""
    from sqlmodel import col, select

    from bot.monthly_jobs import deliver_released
    from storage.tables import Recognition, Team

    clock.now = datetime(2027, 1, 4, 2, tzinfo=UTC)
    drafts = next(
        (m for m in reversed(slack.posted("D0EASTMGR")) if "eval_adjust" in str(m.get("blocks"))), None
    )  # the drafts DM of 1 January
    buttons = _draft_buttons(drafts, "U101") if drafts else {}
    if "eval_adjust" not in buttons:  # a run too short to reach the quarter's end: nothing to review
        _say_command(driver, "U0EASTMGR", "eval", "D0EASTMGR")
        return
    driver.click("U0EASTMGR", "eval_adjust", buttons["eval_adjust"]["value"], message=drafts)
    opened = slack.calls_to("views.open")[-1].args["view"]
    view: dict[str, Any] = json.loads(opened) if isinstance(opened, str) else opened
    print("\n== Chen Jie clicks [" + buttons["eval_adjust"]["text"]["text"] + "] under Li Wei's draft; a modal opens:")
    for line in blocks_as_text(view.get("blocks", []), ""):
        print(f"      {line}")
    for score, reason in (("130%", "great attitude"), ("115%", "closed the Xinhua contract on 30 Dec, after the data cut-off")):
        values = {
            "score": {"v": {"type": "plain_text_input", "value": score}},
            "reason": {"v": {"type": "plain_text_input", "value": reason}},
        }
        _, answer = driver.submit("U0EASTMGR", "eval_adjust", values, private_metadata=view["private_metadata"])
        print(f"\n== Chen Jie submits {score} ({reason}):")
        if answer.get("response_action") == "errors":
            for line in answer["errors"].values():
                print(f"      (in the modal) {line}")
        else:
            for line in blocks_as_text(answer.get("view", {}).get("blocks", []), ""):
                print(f"      {line}")
    release = buttons["eval_release"]
    for attempt in ("", " again"):
        confirm = release.get("confirm", {})
        print(
            f"\n== Chen Jie clicks [{release['text']['text']}]{attempt}; Slack asks "
            f'"{confirm.get("title", {}).get("text", "")} {confirm.get("text", {}).get("text", "")}"; he confirms:'
        )
        driver.click("U0EASTMGR", "eval_release", release["value"], message=drafts)
        print(f"      {slack.calls_to('response_url')[-1].args.get('text', '')}")
        deliver_released(services, clock.now)
    _say_command(driver, "U0EASTMGR", "eval release team", "D0EASTMGR")  # the slash commands work too
    deliver_released(services, clock.now)
    with session_scope(services.engine) as session:
        east = session.exec(select(Team).where(Team.name == "Sales East")).one()
        star = session.exec(
            select(Recognition).where(Recognition.team_id == east.id, col(Recognition.status) == RecognitionStatus.PROPOSED)
        ).first()
        star_id = star.id if star else None
    if star_id is not None:
        driver.click("U0EASTMGR", "star_confirm", str(star_id))
        slack.wait_for(lambda calls: any("之星" in str(c.args.get("text")) for c in calls), timeout=10)
    _say_command(driver, "U0ADMIN", "eval", "D0ADMIN")


def _draft_buttons(message: dict[str, Any], slack_id: str) -> dict[str, dict[str, Any]]:
    """The buttons under one person's draft in a drafts message, by action id (none when it has none)."""
    blocks = message.get("blocks") or []
    for i, block in enumerate(blocks[:-1]):
        text = str((block.get("text") or {}).get("text", ""))
        if block.get("type") == "section" and f"<@{slack_id}>" in text and blocks[i + 1].get("type") == "actions":
            return {e["action_id"]: e for e in blocks[i + 1].get("elements", [])}
    return {}


def _agree_kpis(services: Services, slack: SlackStandIn, driver: SlackDriver) -> None:
    """Emma proposes next quarter's KPIs in the /kpi setup form; Maria approves."""
    from sqlmodel import select

    from handlers.metadata import sign
    from storage.tables import KpiProposal, Person

    rows = [
        ("Revenue", "95000 USD", "50", "higher", "result-lagging", "repeat", "CRM closed-won deals, net of refunds"),
        ("New customers", "28 count", "30", "higher", "result-leading", "share", "CRM accounts with a first paid order"),
        (
            "Complaint rate",
            "1 percent",
            "20",
            "lower",
            "behaviour-leading",
            "quality",
            "Support tickets tagged complaint / orders",
        ),
    ]
    values: dict[str, Any] = {}
    for i in range(5):
        row = rows[i] if i < len(rows) else ("", "", "", "higher", "result-lagging", "", "")
        for field, value in zip(("name", "target", "weight", "direction", "type", "goal", "source"), row, strict=True):
            kind = "static_select" if field in {"direction", "type", "goal"} else "plain_text_input"
            values[f"kpi{i}_{field}"] = {
                "v": {"type": kind, "value": value, "selected_option": {"value": value} if value else None}
            }
    # revenue watched with the complaint rate (the gaming watch, as the org file's watch_with)
    values["kpi0_watch"] = {"v": {"type": "multi_static_select", "selected_options": [{"value": "Complaint rate"}]}}
    values["period_end"] = {"v": {"type": "plain_text_input", "value": "end of Q1 2027"}}
    values["forbidden"] = {"v": {"type": "plain_text_input", "value": "No discounts below cost to hit the number"}}
    secret = services.settings.slack_signing_secret.get_secret_value() if services.settings.slack_signing_secret else ""
    with session_scope(services.engine) as session:
        emma = session.exec(select(Person).where(Person.slack_id == "U201")).one()
    driver.submit("U201", "kpi_setup", values, private_metadata=sign(secret, str(emma.id)))
    with session_scope(services.engine) as session:
        proposal = session.exec(select(KpiProposal)).first()
    if proposal is not None:
        driver.click("U0WESTMGR", "proposal_agree", str(proposal.id))
        slack.wait_for(lambda calls: any("Agreed" in str(c.args.get("text")) for c in calls), timeout=10)


def _story(services: Services, slack: SlackStandIn, driver: SlackDriver, clock: SimClock) -> list[tuple[datetime, Any]]:
    """What happens besides the weekly check-ins, each at its moment: the simulation runs a step when its
    clock passes it (the scheduler's own jobs, retros and follow-ups included, run in every tick); a
    shorter run fast-forwards through the rest. Every job is idempotent, so calling it again is safe."""
    from bot.followup_jobs import run as followups
    from bot.monthly_jobs import evaluations, retros
    from bot.review_jobs import run as review_jobs

    def escalation() -> None:  # Li Wei's "卡在法务审批" is 16 days old: escalated to Chen Jie; then resolved
        followups(services, clock.now)
        _say(slack, driver, "U101", "法务审批下来了", "EvLoop0001", clock)

    def october_retro() -> None:
        retros(services, clock.now)
        _answer_retro(services, driver)

    def november_items() -> None:
        _close_items(services, driver)

    def november_retro() -> None:
        followups(services, clock.now)  # one reminder for items left open past their due date
        retros(services, clock.now)

    def managers_week() -> None:
        _feedback_round(services, slack, driver)
        _close_round(slack, driver)
        _kudos(slack, driver)
        _agree_kpis(services, slack, driver)
        _managers_look(driver, clock)

    return [
        (datetime(2026, 10, 28, 1, tzinfo=UTC), escalation),
        (datetime(2026, 11, 1, 10, tzinfo=UTC), october_retro),
        (datetime(2026, 11, 18, 3, tzinfo=UTC), november_items),
        (CRM_DAY, lambda: _crm_november(services)),
        (datetime(2026, 12, 1, 10, tzinfo=UTC), november_retro),
        (datetime(2026, 12, 18, 9, tzinfo=UTC), lambda: review_jobs(services, clock.now)),
        (LOOK, managers_week),
        (datetime(2027, 1, 2, 9, tzinfo=UTC), lambda: evaluations(services, clock.now)),  # once Q4 is over everywhere
    ]


def _answer_retro(services: Services, driver: SlackDriver) -> None:
    """The October retro asked: three people answer in the modal (root cause, change, owner, due date)."""
    from sqlmodel import col, select

    from handlers.metadata import secret_of, sign
    from storage.tables import Person, RetroAsk

    with session_scope(services.engine) as session:
        asks = [
            (a.id, p.slack_id, list(a.kpis))
            for a, p in session.exec(
                select(RetroAsk, Person).join(Person, col(Person.id) == RetroAsk.person_id).order_by(col(RetroAsk.id))
            ).all()
        ]
    secret = secret_of(services)
    steps = ["请法务预先审核合同模板", "Pair with a senior rep on two calls a week", "Ask marketing for 20 warm leads"]
    for n, (ask_id, slack_id, kpis) in enumerate(asks[:3]):
        driver.click(slack_id, "retro_answer", str(ask_id))
        values: dict[str, Any] = {}
        for k in kpis:
            i = k["kpi_id"]
            values[f"k{i}_cause"] = {
                "v": {"type": "static_select", "selected_option": {"value": "process" if n == 0 else "capability"}}
            }
            values[f"k{i}_change"] = {"v": {"type": "plain_text_input", "value": steps[n % len(steps)]}}
            values[f"k{i}_owner"] = {"v": {"type": "users_select", "selected_user": slack_id}}
            values[f"k{i}_due"] = {"v": {"type": "plain_text_input", "value": "11月20日" if n == 0 else "20 Nov"}}
        driver.submit(slack_id, "retro_answers", values, private_metadata=sign(secret, str(ask_id)))


def _close_items(services: Services, driver: SlackDriver) -> None:
    """One action item is done, one dropped with a reason."""
    from sqlmodel import col, select

    from handlers.metadata import secret_of, sign
    from storage.tables import ActionItem, Person

    with session_scope(services.engine) as session:
        items = [
            (i.id, p.slack_id)
            for i, p in session.exec(
                select(ActionItem, Person).join(Person, col(Person.id) == ActionItem.person_id).order_by(col(ActionItem.id))
            ).all()
        ]
    if items:
        driver.click(items[0][1], "action_done", str(items[0][0]))
    if len(items) > 1:
        item_id, owner = items[-1]
        reason = {"reason": {"text": {"type": "plain_text_input", "value": "Marketing now runs the lead campaign"}}}
        driver.submit(owner, "action_drop", reason, private_metadata=sign(secret_of(services), str(item_id)))


def _crm_november(services: Services) -> None:
    """November's figures for Liam Wilson arrive from the CRM (revenue up, complaints up too): the gaming
    watch asks his manager about it with the November retro."""
    from bot.values import ValueRow, store, validate

    november = [f"2026-11-{d:02d}" for d in (2, 9, 16, 23)]
    rows = [ValueRow(f"row {i}", "U204", "Revenue", day, 9000) for i, day in enumerate(november)]
    rows += [ValueRow(f"row {i + 4}", "U204", "Complaint rate", day, 2.6) for i, day in enumerate(november)]
    with session_scope(services.engine) as session:
        store(session, validate(session, rows), origin="import", now=CRM_DAY)


def _managers_look(driver: SlackDriver, clock: SimClock) -> None:
    """Each manager types /kpi team (private), and one shares the team totals in the channel."""
    for user, text, channel in (
        ("U0EASTMGR", "team", "C0EAST"),
        ("U0WESTMGR", "team", "C0WEST"),
        ("U0WESTMGR", "team share", "C0WEST"),
        ("U101", "me", "D101"),
        ("U101", "360 results", "D101"),
        ("U0ADMIN", "goals", "D0ADMIN"),
    ):
        _, answer = driver.command(user, text, channel)
        who = PEOPLE[user][0]
        where = "only they see" if answer.get("response_type") == "ephemeral" else f"posted in {channel}"
        print(f"\n== {_local(clock.now, user)}  {who} types /kpi {text} in {channel} ({where}):")
        for line in blocks_as_text(answer.get("blocks", []), answer.get("text", "")):
            print(f"      {line}")


def _write_charts(services: Services, out: Path) -> None:
    """What `/kpi me chart` (Li Wei) and `/kpi team chart` (each team's manager) upload when asked after the
    quarter: the same use cases, so the quarter just ended, in the reader's language."""
    from bot.charts import render_png
    from bot.use_cases.asker import asker
    from bot.use_cases.charts import my_chart, team_chart

    now = services.clock()
    li = asker(services, "U101")
    if li is not None:
        series, title = my_chart(services, asker=li, now=now)
        (out / "chart-U101.png").write_bytes(render_png(series, title, li.locale))
    for manager_id, team in (("U0EASTMGR", "Sales East"), ("U0WESTMGR", "Sales West")):
        reader = asker(services, manager_id)
        if reader is not None:
            series, title = team_chart(services, asker=reader, name=team, now=now)
            name = team.lower().replace(" ", "-")
            (out / f"chart-team-{name}.png").write_bytes(render_png(series, title, reader.locale))
    print(f"\nTrend charts (what /kpi me chart and /kpi team chart send on {now:%d %b}): {out}/chart-*.png")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in counts.items())


def _simulate(
    services: Services,
    slack: SlackStandIn,
    driver: SlackDriver,
    clock: SimClock,
    end: datetime,
    answered: set[tuple[str, int]],
    story: list[tuple[datetime, Any]],
) -> None:
    """Tick the scheduler every simulated hour until ``end``; people answer their prompts two hours later,
    and each story step runs (and leaves the list) when the clock passes its moment."""
    step = timedelta(hours=1)
    while clock.now < end:
        report = tick(services, clock.now)
        while story and story[0][0] <= clock.now:
            story.pop(0)[1]()
        for slack_id in report.missed:
            slack.calls.append(
                Call("missed", {"channel": "D" + slack_id[1:], "user": slack_id}, clock.epoch(), 200, {"ok": True})
            )
        week = (clock.now - START).days // 7
        for prompt in slack.calls_to("chat.postMessage"):
            meta = (prompt.args.get("metadata") or {}).get("event_payload") or {}
            if not meta or meta.get("reminder"):
                continue
            user = "U" + str(prompt.args["channel"])[1:]
            key = (user, week)
            if key in answered or clock.now - datetime.fromtimestamp(prompt.at, UTC) < timedelta(hours=2):
                continue
            if (datetime.fromtimestamp(prompt.at, UTC) - START).days // 7 != week:
                continue
            answered.add(key)
            for text in reply_for(user, week) or []:
                _say(slack, driver, user, text, f"Ev{next(EVENT_IDS):08d}", clock)
        clock.now += step


def _say(slack: SlackStandIn, driver: SlackDriver, user: str, text: str, event_id: str, clock: SimClock) -> None:
    """``user`` DMs the bot and reads its whole answer before typing again, as a person would.

    The bot's answer can be several messages (an early warning, then the question); the App Home
    refresh comes after the last of them. Waiting only for the first let the next reply overtake the
    rest, so an answered question showed up after its answer's confirmation.
    """
    channel = slack.dm_channel(user)
    before = len(slack.posted(channel))
    published = _home_refreshes(slack, user)
    ts = f"{clock.epoch():.6f}"
    slack.calls.append(_user_call(user, channel, text, clock))
    status = driver.message(user, text, ts=ts, event_id=event_id)
    if status != 200:
        raise RuntimeError(f"the app answered {status} to a DM")
    slack.wait_for(lambda calls: len(slack.posted(channel)) > before, timeout=10)
    slack.wait_for(lambda calls: _home_refreshes(slack, user) > published, timeout=10)
    clock.now += timedelta(minutes=1)


def _home_refreshes(slack: SlackStandIn, user: str) -> int:
    return sum(1 for c in slack.calls_to("views.publish") if c.args.get("user_id") == user)


def _user_call(user: str, channel: str, text: str, clock: SimClock) -> Call:
    return Call("user_says", {"channel": channel, "user": user, "text": text}, clock.epoch(), 200, {"ok": True})


def _local(moment: datetime, user: str | None) -> str:
    """``Mon 05 Oct 09:00 Asia/Shanghai``: a moment on the wall clock of the person it concerns (UTC for channels)."""
    tz = PEOPLE[user][1] if user in PEOPLE else "UTC"
    return f"{moment.astimezone(ZoneInfo(tz)):%a %d %b %H:%M} {tz}"


def _print_transcripts(slack: SlackStandIn) -> None:
    """The story in time order: every message to or from a person, stamped with that person's local time."""
    names = {("D" + uid[1:]): (uid, name) for uid, (name, _, _) in PEOPLE.items()}
    print("\n== The quarter, in time order (each line in its reader's local time; channels in UTC)")
    calls = [c for c in slack.calls if c.method in {"chat.postMessage", "user_says", "missed"} and c.response.get("ok")]
    for call in sorted(calls, key=lambda c: c.at):
        channel = str(call.args.get("channel"))
        user, name = names.get(channel, (None, channel))
        when = _local(datetime.fromtimestamp(call.at, UTC), user)
        if call.method == "missed":
            print(f"\n[{when}] {name} missed the week")
        elif call.method == "user_says":
            print(f"[{when}] {name} > {call.args['text']}")
        else:
            print(f"\n[{when}] kpibot -> {name}:")
            for line in blocks_as_text(call.args.get("blocks") or [], call.args.get("text", "")):
                print(f"      {line}")


def blocks_as_text(blocks: list[dict[str, Any]], fallback: str) -> list[str]:
    """Block Kit as a person would read it, for the terminal."""
    if not blocks:
        return fallback.splitlines()
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in {"section", "header"}:
            text = block.get("text") or {}
            lines.extend(str(text.get("text", "")).splitlines())
        elif kind == "context":
            lines.extend(f"({e.get('text', '')})" for e in block.get("elements", []))
        elif kind == "actions":
            lines.append("  ".join(_element_as_text(e) for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("---")
        elif kind == "input":  # a modal's field: its label, and the hint under it
            hint = (block.get("hint") or {}).get("text")
            lines.append(f"{(block.get('label') or {}).get('text', '')}: ____" + (f"  ({hint})" if hint else ""))
    return lines


def _element_as_text(element: dict[str, Any]) -> str:
    """``[Confirm]`` for a button; ``[Pick someone else ▾]`` for a menu, which has a placeholder, not a text."""
    if "text" in element:
        return f"[{(element.get('text') or {}).get('text', '')}]"
    placeholder = (element.get("placeholder") or {}).get("text", "")
    return f"[{placeholder} ▾]"

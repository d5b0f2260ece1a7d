"""360 feedback on Slack: `/kpi 360 ...`, `/kpi feedback @someone`, the invitation button and the modal.

The modal's private_metadata is signed (HMAC with the signing secret) and the
submitting user must be the invited rater, so neither a forged view_submission
nor edited metadata can answer someone else's request.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View
from sqlmodel import Session, select

from bot import i18n
from bot.dates import read_date
from bot.feedback import (
    FeedbackRefused,
    Results,
    can_manage,
    close_now,
    confirm_nominations,
    min_raters,
    nominate,
    request_for,
    results,
    save_response,
    scales,
    start_cycle,
    unsolicited_request,
)
from bot.feedback_jobs import send_pending
from bot.messages import ConfirmNominees, FeedbackInvite, FeedbackReleased, NominatePeers, Notice
from bot.people import local_now, manager_of, zone
from bot.services import Services
from bot.team_view import NotAllowed, UnknownTeam, resolve_team
from handlers.context import services_of
from handlers.metadata import secret_of, sign, verify
from handlers.render.dispatch import Rendered, render
from handlers.render.escape import clip, escape
from storage.engine import session_scope
from storage.queries import person_by_slack_id
from storage.tables import Person

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")

i18n.register(
    {
        "fb_invite": {
            "en": "{ratee} would value your 360 feedback{closes}. It takes two minutes; your name is never shown to them.",
            "zh": "{ratee} 希望得到你的 360 反馈{closes}。只需两分钟，对方永远看不到你的名字。",
        },
        "fb_invite_by": {
            "en": "{starter} started a 360 round for {ratee} and would value your feedback{closes}. It takes two minutes; your name is never shown. Results are released only when the round closes.",
            "zh": "{starter} 为 {ratee} 发起了一轮 360 反馈，希望听到你的意见{closes}。只需两分钟，不会显示你的名字。结果在本轮结束时才会公布。",
        },
        "fb_close_not_allowed": {
            "en": "`/kpi 360 close` was refused: only {name}'s manager or an admin can close their round. Nothing changed.",
            "zh": "`/kpi 360 close` 未执行：只有 {name} 的经理或管理员可以结束这一轮。没有任何改动。",
        },
        "fb_no_open_round": {
            "en": "`/kpi 360 close` was refused: {name} has no open 360 round. Nothing changed.",
            "zh": "`/kpi 360 close` 未执行：{name} 目前没有进行中的 360。没有任何改动。",
        },
        "fb_close_usage": {
            "en": "`/kpi 360 close` needs a person: `/kpi 360 close @person`. Nothing changed.",
            "zh": "`/kpi 360 close` 需要指定一个人：`/kpi 360 close @某人`。没有任何改动。",
        },
        "fb_closed_now": {
            "en": "The 360 round for {ratee} is closed and released ({n} answers); they have been told.",
            "zh": "{ratee} 的这一轮 360 已结束并公布（{n} 份回答），已通知本人。",
        },
        "fb_counted": {
            "en": "That feedback was already counted in a released round, which never changes. Use `/kpi feedback @person` again: new feedback joins their next round.",
            "zh": "这份反馈已计入已公布的一轮，结果不会再变。请再次使用 `/kpi feedback @某人`：新的反馈会计入下一轮。",
        },
        "fb_released_title": {
            "en": "Your 360 round closed on {date}{by}.",
            "zh": "你的 360 反馈已于 {date} 结束{by}。",
        },
        "fb_released_by": {"en": " ({name} closed it)", "zh": "（由 {name} 结束）"},
        "fb_released_too_few": {
            "en": "Only {n} people answered; at least {k} are needed so nobody can tell who said what, so nothing is shown for this round. Their answers stay private and are not carried over.",
            "zh": "只有 {n} 人回答；至少需要 {k} 人才能保证无法推断是谁说的，所以本轮不显示任何结果。这些回答会保持私密，也不会计入下一轮。",
        },
        "fb_results_none": {
            "en": "No 360 round has been released for {ratee} yet.{open} Results are shown only when a round closes.",
            "zh": "{ratee} 还没有已公布的 360 结果。{open}结果只在一轮结束时公布。",
        },
        "fb_results_open": {"en": " The open round closes {date}.", "zh": "进行中的一轮将于 {date} 结束。"},
        "fb_results_released": {"en": "released {date}", "zh": "公布于 {date}"},
        "fb_invite_reminder": {
            "en": "Reminder: your 360 feedback for {ratee} is still open{closes}.",
            "zh": "提醒：你对 {ratee} 的 360 反馈还未提交{closes}。",
        },
        "fb_closes": {"en": " (until {date})", "zh": "（截止 {date}）"},
        "fb_button": {"en": "Give feedback", "zh": "填写反馈"},
        "fb_nominate": {
            "en": "A 360 feedback round about you has started (closing {date}). Your teammates and manager are asked; you can add peers who know your work.",
            "zh": "关于你的 360 反馈已开始（截止 {date}）。已邀请你的同事和经理；你也可以提名了解你工作的其他同事。",
        },
        "fb_nominate_button": {"en": "Nominate peers", "zh": "提名同事"},
        "fb_nominate_label": {"en": "Peers to ask (your manager confirms)", "zh": "想邀请的同事（需经理确认）"},
        "fb_confirm_nominees": {
            "en": "<@{ratee}> nominated {names} for their 360. Confirm to invite them.",
            "zh": "<@{ratee}> 为 360 提名了 {names}。确认后将发出邀请。",
        },
        "fb_confirm_button": {"en": "Confirm", "zh": "确认"},
        "fb_confirmed": {
            "en": "Confirmed: {count} nominated peers are invited.",
            "zh": "已确认：已邀请 {count} 位被提名的同事。",
        },
        "fb_title": {"en": "360 feedback", "zh": "360 反馈"},
        "fb_about": {
            "en": "Feedback for *{ratee}*. Ratings are shown only as averages once enough people answered; comments without names.",
            "zh": "对 *{ratee}* 的反馈。只有足够多的人回答后才会显示平均分；评论不署名。",
        },
        "fb_comment": {"en": "Comments (optional)", "zh": "评论（可选）"},
        "fb_pick": {"en": "Pick the level that fits best", "zh": "选择最符合的等级"},
        "fb_saved": {
            "en": "Thank you, your feedback for {ratee} is saved. You can change it until the cycle closes.",
            "zh": "谢谢，你对 {ratee} 的反馈已保存。截止前可以修改。",
        },
        "fb_replaced": {
            "en": "Updated: your earlier answer for {ratee} was replaced.",
            "zh": "已更新：你之前对 {ratee} 的回答已被替换。",
        },
        "fb_started": {
            "en": "360 feedback for {ratee} started: {count} people invited, closing {date}.",
            "zh": "{ratee} 的 360 反馈已开始：邀请了 {count} 人，截止 {date}。",
        },
        "fb_usage": {
            "en": "Usage: `/kpi 360 start @person [closing date]`, `/kpi 360 start team [closing date]`, `/kpi 360 close @person`, `/kpi 360 results @person`, `/kpi feedback @person`.",
            "zh": "用法：`/kpi 360 start @某人 [截止日期]`、`/kpi 360 start team [截止日期]`、`/kpi 360 close @某人`、`/kpi 360 results @某人`、`/kpi feedback @某人`。",
        },
        "fb_unknown_person": {
            "en": "I don't know that person; they need to be in the organisation file.",
            "zh": "我不认识这个人，需要先把对方加入组织文件。",
        },
        "fb_inactive": {
            "en": "That person is deactivated or a bot, so there is no feedback to give.",
            "zh": "对方已停用或是机器人，无法反馈。",
        },
        "fb_self": {"en": "You can't rate yourself; ask your peers instead.", "zh": "不能给自己评分，请邀请同事来评。"},
        "fb_not_manager": {
            "en": "Only their manager or an admin can start a 360 for them.",
            "zh": "只有对方的经理或管理员可以发起 360。",
        },
        "fb_past_date": {"en": "The closing date must be in the future.", "zh": "截止日期必须在未来。"},
        "fb_already_open": {"en": "A 360 for {name} is already open.", "zh": "{name} 的 360 已经在进行中。"},
        "fb_not_invited": {
            "en": "This feedback request isn't yours, so nothing was saved.",
            "zh": "这不是你的反馈请求，未保存任何内容。",
        },
        "fb_closed": {"en": "This 360 has closed; answers can no longer change.", "zh": "这次 360 已截止，无法再修改。"},
        "fb_tampered": {
            "en": "This form could not be verified; please open it again from the invitation.",
            "zh": "无法验证此表单，请从邀请中重新打开。",
        },
        "fb_results_title": {
            "en": "*360 feedback for {ratee}* ({n} answers, {released})",
            "zh": "*{ratee} 的 360 反馈*（{n} 份回答，{released}）",
        },
        "fb_results_hidden": {
            "en": "360 feedback for {ratee}: the last round closed on {date} with {n} answers. At least {k} are needed to keep raters anonymous, so nothing is shown.",
            "zh": "{ratee} 的 360 反馈：上一轮于 {date} 结束，只有 {n} 份回答。至少需要 {k} 份才能保护匿名，所以不显示结果。",
        },
        "fb_comments": {"en": "*Comments* (no names, shuffled)", "zh": "*评论*（不署名，随机顺序）"},
        "rel_peer": {"en": "peers", "zh": "同事"},
        "rel_manager": {"en": "manager", "zh": "经理"},
        "rel_report": {"en": "reports", "zh": "下属"},
        "rel_other": {"en": "others", "zh": "其他"},
        "comp_collaboration": {"en": "Collaboration", "zh": "协作"},
        "comp_customer focus": {"en": "Customer focus", "zh": "客户导向"},
        "comp_ownership": {"en": "Ownership", "zh": "主人翁精神"},
        "comp_innovation": {"en": "Innovation", "zh": "创新"},
    }
)


@render.register
def _invite(message: FeedbackInvite, locale: str) -> Rendered:
    closes = i18n.t("fb_closes", locale, date=message.closes) if message.closes else ""
    key = "fb_invite_reminder" if message.reminder else ("fb_invite_by" if message.started_by else "fb_invite")
    text = i18n.t(key, locale, ratee=escape(message.ratee), closes=closes, starter=escape(message.started_by))
    button = ButtonElement(
        text=i18n.t("fb_button", locale), action_id="feedback_open", value=str(message.request_id), style="primary"
    )
    return text, [SectionBlock(text=text), ActionsBlock(block_id="feedback", elements=[button])]


def competency_label(name: str, locale: str) -> str:
    key = f"comp_{name}"
    return i18n.t(key, locale) if key in i18n.TEXT else name.title()


def feedback_modal(request_id: int, ratee: str, locale: str, secret: str, competencies: list[str]) -> View:
    """Behaviour-anchored 1-5 ratings: each level says what it looks like, so a 4 means the same to all."""
    lang = i18n.lang(locale)
    blocks: list[Block] = [SectionBlock(text=i18n.t("fb_about", locale, ratee=escape(ratee)))]
    for competency, anchors in scales(competencies).items():
        options = [
            Option(text=clip(f"{level} – {anchor}", 75), value=str(level)) for level, anchor in enumerate(anchors[lang], start=1)
        ]
        blocks.append(
            InputBlock(
                block_id=f"c_{competency}",
                label=competency_label(competency, locale),
                element=StaticSelectElement(action_id="level", placeholder=i18n.t("fb_pick", locale), options=options),
            )
        )
    blocks.append(
        InputBlock(
            block_id="comment",
            label=i18n.t("fb_comment", locale),
            optional=True,
            element=PlainTextInputElement(action_id="text", multiline=True, max_length=3000),
        )
    )
    return View(
        type="modal",
        callback_id="feedback_form",
        private_metadata=sign(secret, str(request_id)),
        title=i18n.t("fb_title", locale),
        submit=i18n.t("form_submit", locale),
        close=i18n.t("form_cancel", locale),
        blocks=blocks,
    )


def results_blocks(found: Results, locale: str) -> list[Block]:
    """The latest released round, as frozen at its close; never a live count of an open round."""
    if found.released is None:
        still_open = i18n.t("fb_results_open", locale, date=found.open_until) if found.open_until else ""
        return [SectionBlock(text=i18n.t("fb_results_none", locale, ratee=escape(found.ratee), open=still_open))]
    if not found.shown:
        return [
            SectionBlock(
                text=i18n.t(
                    "fb_results_hidden",
                    locale,
                    ratee=escape(found.ratee),
                    date=found.released,
                    n=found.responses,
                    k=found.threshold,
                )
            )
        ]
    released = i18n.t("fb_results_released", locale, date=found.released)
    lines = [i18n.t("fb_results_title", locale, ratee=escape(found.ratee), n=found.responses, released=released)]
    for competency, average in found.averages.items():
        groups = " · ".join(
            f"{i18n.t(f'rel_{g}', locale)} {scores[competency]:.1f}"
            for g, scores in sorted(found.groups.items())
            if competency in scores
        )
        lines.append(f"• {competency_label(competency, locale)}: *{average:.1f}* / 5" + (f"  ({groups})" if groups else ""))
    blocks: list[Block] = [SectionBlock(text="\n".join(lines))]
    if found.comments:
        text = i18n.t("fb_comments", locale) + "\n" + "\n".join(f"> {escape(clip(c, 500))}" for c in found.comments[:20])
        blocks.append(SectionBlock(text=clip(text, 2900)))
    return blocks


def _closing_date(words: list[str], person: Person, now: datetime) -> datetime:
    """A date from the command's words (dateparser, the person's timezone), else two weeks from now."""
    phrase = " ".join(w for w in words if not MENTION.match(w) and w.lower() != "team")
    day = read_date(phrase, now=local_now(person, now), prefer="future") if phrase else None
    if day is None:
        return now + timedelta(days=14)
    return datetime.combine(day, time(23, 59), tzinfo=zone(person))


@render.register
def _released(message: FeedbackReleased, locale: str) -> Rendered:
    found: Results = message.results
    by = i18n.t("fb_released_by", locale, name=escape(message.closed_by)) if message.closed_by else ""
    title = i18n.t("fb_released_title", locale, date=found.released or "", by=by)
    if not found.shown:
        text = title + " " + i18n.t("fb_released_too_few", locale, n=found.responses, k=found.threshold)
        return text, [SectionBlock(text=text)]
    return title, [SectionBlock(text=title), *results_blocks(found, locale)]


def close_round(session: Session, services: Services, person: Person, mentioned: list[str], now: datetime) -> list[Block]:
    """`/kpi 360 close @person`: release the open round now (the ratee is told by the lazy listener)."""
    locale = person.locale
    if not mentioned:
        return [SectionBlock(text=i18n.t("fb_close_usage", locale))]
    ratee = person_by_slack_id(session, slack_id=mentioned[0])
    threshold = min_raters(services.settings.kpibot_feedback_min_raters)
    try:
        done = close_now(session, asker=person, ratee=ratee, threshold=threshold, now=now)
    except FeedbackRefused as refusal:
        params = {"name": escape(ratee.name) if ratee else mentioned[0], **refusal.params}
        return [SectionBlock(text=i18n.t(refusal.key, locale, **params))]
    return [SectionBlock(text=i18n.t("fb_closed_now", locale, ratee=escape(done.ratee.name), n=done.results.responses))]


def handle_360(session: Session, services: Services, person: Person, words: list[str], now: datetime) -> list[Block]:
    """`/kpi 360 start|close|results ...`. Invitations are rows; the lazy listener and the scheduler send them."""
    locale = person.locale
    if not words or words[0].lower() not in {"start", "results", "close"}:
        return [SectionBlock(text=i18n.t("fb_usage", locale))]
    mentioned = MENTION.findall(" ".join(words))
    if words[0].lower() == "close":
        return close_round(session, services, person, mentioned, now)
    if words[0].lower() == "results":
        ratee = person_by_slack_id(session, slack_id=mentioned[0]) if mentioned else person
        if ratee is None:
            return [SectionBlock(text=i18n.t("fb_unknown_person", locale))]
        if ratee.id != person.id and not can_manage(session, asker=person, ratee=ratee):
            return [SectionBlock(text=i18n.t("fb_not_manager", locale))]
        found = results(session, ratee=ratee, threshold=min_raters(services.settings.kpibot_feedback_min_raters))
        return results_blocks(found, locale)
    if mentioned:
        ratees = [person_by_slack_id(session, slack_id=m) for m in mentioned]
    elif any(w.lower() == "team" for w in words):
        try:
            team = resolve_team(session, asker=person, name=None)
        except (NotAllowed, UnknownTeam):
            return [SectionBlock(text=i18n.t("fb_not_manager", locale))]
        ratees = list(session.exec(select(Person).where(Person.team_id == team.id, Person.active)).all())
    else:
        return [SectionBlock(text=i18n.t("fb_usage", locale))]
    closes = _closing_date(words[1:], person, now)
    replies: list[str] = []
    for ratee in ratees:
        try:
            if ratee is None:
                raise FeedbackRefused("fb_unknown_person")
            _, invited = start_cycle(session, asker=person, ratee=ratee, closes_at=closes, now=now)
        except FeedbackRefused as refusal:
            replies.append(i18n.t(refusal.key, locale, **refusal.params))
            continue
        replies.append(i18n.t("fb_started", locale, ratee=escape(ratee.name), count=len(invited), date=closes.date().isoformat()))
    return [SectionBlock(text=clip("\n".join(replies), 2900))]


def open_unsolicited(
    services: Services, client: WebClient, person: Person, words: list[str], trigger_id: str, now: datetime
) -> list[Block] | None:
    """`/kpi feedback @someone`: open the modal at once; returns a refusal instead when not allowed."""
    mentioned = MENTION.findall(" ".join(words))
    if not mentioned:
        return [SectionBlock(text=i18n.t("fb_usage", person.locale))]
    with session_scope(services.engine) as session:
        ratee = person_by_slack_id(session, slack_id=mentioned[0])
        rater = person_by_slack_id(session, slack_id=person.slack_id)
        try:
            if ratee is None or rater is None:
                raise FeedbackRefused("fb_unknown_person")
            request = unsolicited_request(session, rater=rater, ratee=ratee, now=now)
        except FeedbackRefused as refusal:
            return [SectionBlock(text=i18n.t(refusal.key, person.locale, **refusal.params))]
        view = feedback_modal(
            request.id or 0, ratee.name, person.locale, secret_of(services), services.settings.feedback_competencies
        )
    client.views_open(trigger_id=trigger_id, view=view)
    return None


def own_results(session: Session, services: Services, person: Person) -> list[Block]:
    """For `/kpi me`: the person's latest released 360 round, if there is one."""
    found = results(session, ratee=person, threshold=min_raters(services.settings.kpibot_feedback_min_raters))
    return results_blocks(found, person.locale) if found.released else []


def on_feedback_open(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    ack()
    services = services_of(context)
    value = body["actions"][0].get("value", "")
    with session_scope(services.engine) as session:
        rater = person_by_slack_id(session, slack_id=body["user"]["id"])
        try:
            if rater is None or not value.isdigit():
                raise FeedbackRefused("fb_not_invited")
            request, ratee = request_for(session, request_id=int(value), rater=rater, now=services.clock())
        except FeedbackRefused as refusal:
            respond(
                text=i18n.t(refusal.key, rater.locale if rater else None, **refusal.params),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        view = feedback_modal(
            request.id or 0, ratee.name, rater.locale, secret_of(services), services.settings.feedback_competencies
        )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def on_feedback_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    values = view.get("state", {}).get("values", {})
    first = next((b for b in values if b.startswith("c_")), "comment")
    request_id = verify(secret_of(services), view.get("private_metadata", ""))
    with session_scope(services.engine) as session:
        rater = person_by_slack_id(session, slack_id=body["user"]["id"])
        locale = rater.locale if rater else None
        if request_id is None or not request_id.isdigit():
            ack(response_action="errors", errors={first: i18n.t("fb_tampered", locale)})
            return
        try:
            if rater is None:
                raise FeedbackRefused("fb_not_invited")
            request, ratee = request_for(session, request_id=int(request_id), rater=rater, now=services.clock())
        except FeedbackRefused as refusal:
            ack(response_action="errors", errors={first: i18n.t(refusal.key, locale, **refusal.params)})
            return
        ratings: dict[str, int] = {}
        errors: dict[str, str] = {}
        for competency in scales(services.settings.feedback_competencies):
            selected = (values.get(f"c_{competency}", {}).get("level", {}) or {}).get("selected_option") or {}
            level = str(selected.get("value", ""))
            if level not in {"1", "2", "3", "4", "5"}:
                errors[f"c_{competency}"] = i18n.t("fb_pick", locale)
            else:
                ratings[competency] = int(level)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        comment = str((values.get("comment", {}).get("text", {}) or {}).get("value") or "")[:3000]
        replaced = save_response(session, request=request, ratings=ratings, comment=comment, now=services.clock())
        thanks = i18n.t("fb_replaced" if replaced else "fb_saved", locale, ratee=escape(ratee.name))
        channel, slack_id = rater.dm_channel_id, rater.slack_id
    ack()
    services.gateway.send(
        channel or services.gateway.open_dm(slack_id), Notice("fb_plain", {"text": thanks}), locale=locale or "en-US"
    )


i18n.register({"fb_plain": {"en": "{text}", "zh": "{text}"}})


@render.register
def _nominate(message: NominatePeers, locale: str) -> Rendered:
    text = i18n.t("fb_nominate", locale, date=message.closes)
    button = ButtonElement(text=i18n.t("fb_nominate_button", locale), action_id="feedback_nominate", value=str(message.cycle_id))
    return text, [SectionBlock(text=text), ActionsBlock(block_id="nominate", elements=[button])]


@render.register
def _confirm_nominees(message: ConfirmNominees, locale: str) -> Rendered:
    names = ", ".join(f"<@{n}>" for n in message.nominees)
    text = i18n.t("fb_confirm_nominees", locale, ratee=message.ratee_slack_id, names=names)
    button = ButtonElement(
        text=i18n.t("fb_confirm_button", locale), action_id="feedback_confirm", value=str(message.cycle_id), style="primary"
    )
    return text, [SectionBlock(text=text), ActionsBlock(block_id="confirm_nominees", elements=[button])]


def on_nominate_open(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    ack()
    services = services_of(context)
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=body["user"]["id"])
        locale = person.locale if person else "en-US"
    view = View(
        type="modal",
        callback_id="feedback_nominees",
        private_metadata=sign(secret_of(services), body["actions"][0].get("value", "")),
        title=i18n.t("fb_title", locale),
        submit=i18n.t("form_submit", locale),
        blocks=[
            InputBlock(
                block_id="peers",
                label=i18n.t("fb_nominate_label", locale),
                element=UserMultiSelectElement(action_id="users", max_selected_items=10),
            )
        ],
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def on_nominees(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """The ratee's nominees wait for their manager's confirmation."""
    services = services_of(context)
    cycle_id = verify(secret_of(services), view.get("private_metadata", ""))
    picked = view.get("state", {}).get("values", {}).get("peers", {}).get("users", {}).get("selected_users") or []
    with session_scope(services.engine) as session:
        ratee = person_by_slack_id(session, slack_id=body["user"]["id"])
        locale = ratee.locale if ratee else None
        if ratee is None or cycle_id is None or not cycle_id.isdigit():
            ack(response_action="errors", errors={"peers": i18n.t("fb_tampered", locale)})
            return
        nominees = [p for p in (person_by_slack_id(session, slack_id=u) for u in picked) if p is not None]
        try:
            added = nominate(session, ratee=ratee, cycle_id=int(cycle_id), nominees=nominees, now=services.clock())
        except FeedbackRefused as refusal:
            ack(response_action="errors", errors={"peers": i18n.t(refusal.key, locale, **refusal.params)})
            return
        manager = manager_of(session, ratee)
        note = ConfirmNominees(int(cycle_id), ratee.slack_id, [p.slack_id for p in added]) if added and manager else None
        target = (manager.dm_channel_id, manager.slack_id, manager.locale) if manager else None
    ack()
    if note is not None and target is not None:
        services.gateway.send(target[0] or services.gateway.open_dm(target[1]), note, locale=target[2])


def on_confirm_nominees(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    services = services_of(context)
    value = body["actions"][0].get("value", "")
    with session_scope(services.engine) as session:
        manager = person_by_slack_id(session, slack_id=body["user"]["id"])
        locale = manager.locale if manager else None
        try:
            if manager is None or not value.isdigit():
                raise FeedbackRefused("fb_not_manager")
            count = confirm_nominations(session, manager=manager, cycle_id=int(value), now=services.clock())
        except FeedbackRefused as refusal:
            respond(text=i18n.t(refusal.key, locale, **refusal.params), response_type="ephemeral", replace_original=False)
            return
    send_pending(services, services.clock())
    respond(text=i18n.t("fb_confirmed", locale, count=count), response_type="ephemeral", replace_original=False)


def register(app: App) -> None:
    app.action("feedback_open")(on_feedback_open)
    app.action("feedback_nominate")(on_nominate_open)
    app.action("feedback_confirm")(on_confirm_nominees)
    app.view("feedback_form")(on_feedback_form)
    app.view("feedback_nominees")(on_nominees)

"""Block Kit for the monthly retro, the quarterly evaluation and recognition."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot import i18n
from bot.messages import EvaluationNote, RetroPost, StarPost
from handlers.render.dispatch import Rendered, render
from handlers.render.escape import escape
from handlers.render.team import bar

i18n.register(
    {
        "retro_title": {"en": "{team}: retro for {month}", "zh": "{team}：{month} 月度复盘"},
        "retro_body": {
            "en": "Check-ins answered: *{rate}* · KPIs: {on} on track, {risk} at risk, {off} behind\nBlockers raised: {blockers}\nAction items: {done} done, {open} open",
            "zh": "签到完成率：*{rate}* · KPI：{on} 项正常，{risk} 项有风险，{off} 项落后\n新增阻碍：{blockers}\n行动项：已完成 {done}，未完成 {open}",
        },
        "retro_asks": {
            "en": "The owners of the {n} KPIs that ended the month behind have been asked privately for the root cause and a next step.",
            "zh": "本月落后的 {n} 个 KPI 的负责人已被私下询问原因和下一步。",
        },
        "retro_none": {"en": "none", "zh": "无"},
        "eval_title": {"en": "Your evaluation for {period}", "zh": "你 {period} 的季度评估"},
        "eval_preview": {
            "en": "Preview of {period}, figures so far: not an evaluation. The evaluation is computed after the period ends.",
            "zh": "{period} 预览（截至目前的数据）：这不是正式评估。正式评估在周期结束后计算。",
        },
        "eval_scores": {
            "en": "Weighted score *{total}* (results {result}, behaviour {behaviour}){feedback}",
            "zh": "加权得分 *{total}*（结果 {result}，行为 {behaviour}）{feedback}",
        },
        "eval_feedback": {"en": " · 360 feedback {score} / 5", "zh": " · 360 反馈 {score} / 5"},
        "eval_star": {
            "en": ":star2: You are your team's star of the quarter. Thank you!",
            "zh": ":star2: 你是本季度团队之星，谢谢你！",
        },
        "eval_tips": {"en": "*For next quarter*", "zh": "*下季度建议*"},
        "eval_tip_resources": {
            "en": "Most misses came down to resources: agree with your manager early what you need (leads, budget, people) and by when.",
            "zh": "落后主要因为资源：尽早与经理商定需要什么（线索、预算、人手）以及何时需要。",
        },
        "eval_tip_process": {
            "en": "Process was the main obstacle: map the approval or hand-off that slows you and propose one change to your manager.",
            "zh": "流程是主要障碍：梳理拖慢你的审批或交接环节，向经理提出一项改进。",
        },
        "eval_tip_capability": {
            "en": "Capability was the gap: pick one skill to build this quarter, with a course, a mentor or pairing.",
            "zh": "能力是短板：本季度选择一项技能来提升，可以通过课程、导师或结对。",
        },
        "eval_tip_other": {
            "en": "Look at the weeks you fell behind and talk them through with your manager: what would have helped?",
            "zh": "回顾落后的那几周，和经理一起聊聊：什么会有帮助？",
        },
        "star_post": {
            "en": ":star2: Star of {period} in {team}: <@{slack_id}> ({reason}). Congratulations!",
            "zh": ":star2: {team} {period} 之星：<@{slack_id}>（{reason}）。恭喜！",
        },
    }
)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


@render.register
def _retro(message: RetroPost, locale: str) -> Rendered:
    title = i18n.t("retro_title", locale, team=escape(message.team), month=message.month)
    blockers = ", ".join(f"{i18n.t(f'cat_{c}', locale)} {n}" for c, n in sorted(message.blockers.items())) or i18n.t(
        "retro_none", locale
    )
    counts = message.status_counts
    body = i18n.t(
        "retro_body",
        locale,
        rate=_pct(message.checkin_rate),
        on=counts.get("on_track", 0),
        risk=counts.get("at_risk", 0),
        off=counts.get("off_track", 0),
        blockers=blockers,
        done=message.actions_done,
        open=message.actions_open,
    )
    blocks: list[Block] = [HeaderBlock(text=title[:150]), SectionBlock(text=body)]
    if message.missed_kpis:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=i18n.t("retro_asks", locale, n=message.missed_kpis))]))
    return title, blocks


@render.register
def _evaluation(message: EvaluationNote, locale: str) -> Rendered:
    title = i18n.t("eval_preview" if message.preview else "eval_title", locale, period=message.period)
    feedback = i18n.t("eval_feedback", locale, score=f"{message.feedback:.1f}") if message.feedback is not None else ""
    scores = i18n.t(
        "eval_scores",
        locale,
        total=_pct(message.total),
        result=_pct(message.result),
        behaviour=_pct(message.behaviour),
        feedback=feedback,
    )
    lines = "\n".join(f"• {escape(name)} `{bar(achieved)}`" for name, achieved in message.lines)
    header: Block = SectionBlock(text=f":eyes: {title}") if message.preview else HeaderBlock(text=title)
    blocks: list[Block] = [header, SectionBlock(text=f"{scores}\n{lines}")]
    if message.star:
        blocks.append(SectionBlock(text=i18n.t("eval_star", locale)))
    if message.suggestions:
        blocks.append(
            SectionBlock(
                text=i18n.t("eval_tips", locale) + "\n" + "\n".join(f"• {i18n.t(s, locale)}" for s in message.suggestions)
            )
        )
    return title, blocks


@render.register
def _star(message: StarPost, locale: str) -> Rendered:
    text = i18n.t(
        "star_post", locale, period=message.period, team=escape(message.team), slack_id=message.slack_id, reason=message.reason
    )
    return text, [SectionBlock(text=text)]

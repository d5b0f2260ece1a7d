"""Block Kit for a team's standing: packed to stay inside Slack's block and text limits."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot import i18n
from bot.checkin import CheckinStatus, format_value, nice
from bot.formats import format_day, format_share
from bot.kpi_state import KpiState, Status
from bot.names import local_name
from bot.team_view import KpiProgress, MemberRow, TeamSummary
from handlers.render.escape import clip, escape
from handlers.render.followup import team_blocker_blocks

MESSAGE_BLOCKS = 50  # Slack's limit for a message; 100 for App Home and modals
SECTION_TEXT = 2900  # under the 3,000-character limit of a section's text

STATUS_ICON: dict[str, str] = {
    Status.ON_TRACK: ":large_green_circle:",
    Status.AT_RISK: ":large_yellow_circle:",
    Status.BEHIND: ":red_circle:",
    Status.NO_DATA: ":white_circle:",
}
CHECKIN_ICON: dict[str, str] = {
    CheckinStatus.STORED: ":white_check_mark:",
    CheckinStatus.CONFIRMED: ":white_check_mark:",
    CheckinStatus.ANSWERING: ":speech_balloon:",
    CheckinStatus.AWAY: ":palm_tree:",
    CheckinStatus.SKIPPED: ":fast_forward:",
}


def bar(fraction: float | None, width: int = 8, *, label: bool = True) -> str:
    """▓▓▓▓░░░░ 50%: a text bar, as Slack has no progress element (``label=False``: the bar alone)."""
    if fraction is None:
        return "░" * width + (" –" if label else "")
    fraction = max(0.0, fraction)  # worse than the baseline shows as 0%, not "-0%"
    filled = min(width, round(fraction * width))
    return "▓" * filled + "░" * (width - filled) + (f" {fraction:.0%}" if label else "")


def figures(state: KpiState, unit: str, locale: str) -> str:
    """ "on pace 112% (131k CNY by 25 Oct) · of target 24%": the two labelled figures every view shows."""
    return i18n.t(
        "figures",
        locale,
        pace=format_share(state.pace_attainment, locale),
        on_pace=format_value(nice(state.on_pace), unit, locale),
        day=format_day(state.moment, locale),
        target=format_share(state.target_attainment, locale),
    )


def kpi_line(kpi: KpiProgress, locale: str = "en-US") -> str:
    """Icon, name, a bar of "of target", value so far / target, then on pace and of target in words."""
    head = f"{STATUS_ICON[kpi.status]} {escape(local_name(kpi.name, kpi.names, locale))} `{bar(kpi.attainment, label=False)}` "
    amounts = f"{format_value(kpi.actual, kpi.unit, locale)} / {format_value(kpi.target, kpi.unit, locale)}"
    return f"{head}{amounts} · {figures(kpi.state, kpi.unit, locale)}"


def legend_block(locale: str) -> ContextBlock:
    """One line that says what the icons and the two figures mean."""
    return ContextBlock(elements=[MarkdownTextObject(text=i18n.t("legend", locale))])


def member_text(member: MemberRow, locale: str) -> str:
    state = CHECKIN_ICON.get(member.checkin, ":hourglass:")
    scores = i18n.t(
        "member_scores", locale, pace=format_share(member.pace_score, locale), score=format_share(member.score, locale)
    )
    head = f"{state} *{escape(member.name)}* · {scores}"
    if member.missed_streak >= 2:
        head += " · :rotating_light: " + i18n.t("team_missed", locale, n=member.missed_streak)
    lines = [head, *(f"    {kpi_line(k, locale)}" for k in member.kpis)]
    if member.blockers:
        lines.append(
            "    :construction: " + ", ".join(f"{i18n.t(f'cat_{c}', locale)} {n}" for c, n in sorted(member.blockers.items()))
        )
    return "\n".join(lines)


def overview_blocks(summary: TeamSummary, locale: str, *, shared: bool = False) -> list[Block]:
    """Team-level aggregates only: what `/kpi team share` may post to a channel."""
    counts = summary.status_counts
    title = i18n.t("team_shared_title" if shared else "team_title", locale, team=escape(summary.team), week=summary.week)
    checked = len(summary.members) - len(summary.not_checked_in)
    text = i18n.t(
        "team_overview",
        locale,
        n=summary.scored_members,
        pace=format_share(summary.average_pace, locale),
        score=format_share(summary.average_score, locale),
        checked=checked,
        total=len(summary.members),
        on=counts.get(Status.ON_TRACK, 0),
        risk=counts.get(Status.AT_RISK, 0),
        off=counts.get(Status.BEHIND, 0),
        none=counts.get(Status.NO_DATA, 0),
    )
    blocks: list[Block] = [HeaderBlock(text=clip(title, 150)), SectionBlock(text=text), legend_block(locale)]
    blockers = summary.blockers_by_category
    if blockers:
        items = ", ".join(f"{i18n.t(f'cat_{c}', locale)} {n}" for c, n in sorted(blockers.items()))
        blocks.append(SectionBlock(text=i18n.t("team_blockers", locale, items=items)))
    return blocks


def team_blocks(summary: TeamSummary, locale: str, *, limit: int = MESSAGE_BLOCKS) -> list[Block]:
    """The manager's private view: overview, who needs attention, then every member, packed."""
    blocks = overview_blocks(summary, locale)
    if not summary.members:
        return [*blocks, SectionBlock(text=i18n.t("team_empty", locale))]
    if summary.not_checked_in:
        names = ", ".join(escape(m.name) for m in summary.not_checked_in)
        blocks.append(SectionBlock(text=clip(i18n.t("team_not_in", locale, names=names), SECTION_TEXT)))
    if summary.behind_two_weeks:
        items = "; ".join(f"{escape(m.name)} ({', '.join(escape(w) for w in m.warnings)})" for m in summary.behind_two_weeks)
        blocks.append(SectionBlock(text=clip(i18n.t("team_behind", locale, items=items), SECTION_TEXT)))
    blocks.extend(team_blocker_blocks(summary.open_blockers, locale, room=min(10, limit - len(blocks) - 4)))
    footer: list[Block] = []
    if summary.subteams:
        footer.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(text=i18n.t("team_subteams", locale, names=", ".join(escape(n) for n in summary.subteams)))
                ]
            )
        )
    room = limit - len(blocks) - len(footer) - 1
    packed: list[str] = []
    current = ""
    shown = 0
    for member in summary.members:
        text = clip(member_text(member, locale), SECTION_TEXT)
        if current and len(current) + len(text) + 2 > SECTION_TEXT:
            if len(packed) + 1 >= room:
                break
            packed.append(current)
            current = ""
        current = f"{current}\n\n{text}" if current else text
        shown += 1
    if current and len(packed) < room:
        packed.append(current)
    else:
        shown -= current.count("\n\n") + 1 if current else 0
    blocks.extend(SectionBlock(text=p) for p in packed)
    if shown < len(summary.members):
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=i18n.t("team_more", locale, n=len(summary.members) - shown))])
        )
    return [*blocks, *footer][:limit]

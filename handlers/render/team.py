"""Block Kit for a team's standing: packed to stay inside Slack's block and text limits."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot import i18n
from bot.checkin import CheckinStatus, format_value
from bot.formats import ATTAINMENT_CAP, attainment_percent, format_attainment, format_day, format_pace_pair, format_share
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


def figures(state: KpiState, unit: str, locale: str, direction: str | None = None) -> str:
    """ "on pace 112% (131k CNY by 25 Oct) · of target 24%": the two labelled figures every view shows."""
    return KpiLines(locale).figures(state, unit, direction)


def kpi_line(kpi: KpiProgress, locale: str = "en-US") -> str:
    """Icon, name, a bar of "of target", value so far / target, then on pace and of target in words."""
    return KpiLines(locale).line(kpi)


_LINES: dict[tuple[object, ...], str] = {}  # KpiLines.line, by everything a line is made of
_LINES_KEPT = 20_000  # lines of the last views (a 10,000-person organisation's teams), then start again


class KpiLines:
    """KPI lines in one reader's language, for a whole view: the text template is looked up once and each
    amount, share and day formatted once (a team view has 150 lines whose targets and days recur)."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.template = i18n.t("figures", locale, pace="{pace}", on_pace="{on_pace}", day="{day}", target="{target}")
        self._amounts: dict[tuple[float | None, str], str] = {}
        self._shares: dict[int | None, str] = {}
        self._days: dict[date, str] = {}
        self._attainments: dict[int | None, str] = {}
        self._pairs: dict[tuple[float | None, float, str, str | None], tuple[str, str]] = {}

    def amount(self, value: float | None, unit: str) -> str:
        text = self._amounts.get((value, unit))
        if text is None:
            text = self._amounts[value, unit] = format_value(value, unit, self.locale)
        return text

    def share(self, value: float | None) -> str:
        """A member's weighted score (``format_share``: rounded, like the evaluation shows it)."""
        percent = None if value is None else round(value * 100)  # what format_share shows: a whole percent
        text = self._shares.get(percent)
        if text is None:
            text = self._shares[percent] = format_share(value, self.locale)
        return text

    def attainment(self, value: float | None) -> str:
        """One KPI's attainment beside its status (``format_attainment``: never rounded onto a threshold, 0%..120%+)."""
        key = None if value is None else (-1 if value > ATTAINMENT_CAP + 1e-9 else attainment_percent(value))
        text = self._attainments.get(key)
        if text is None:
            text = self._attainments[key] = format_attainment(value, self.locale)
        return text

    def pair(self, state: KpiState, unit: str, direction: str | None) -> tuple[str, str]:
        """(so far, on pace) by bot.formats' rule: never contradicting the status between them."""
        key = (state.so_far, state.on_pace, unit, direction)
        found = self._pairs.get(key)
        if found is None:
            found = self._pairs[key] = format_pace_pair(state.so_far, state.on_pace, unit, self.locale, direction=direction)
        return found

    def figures(self, state: KpiState, unit: str, direction: str | None = None) -> str:
        day = self._days.get(state.moment)
        if day is None:
            day = self._days[state.moment] = format_day(state.moment, self.locale)
        return self.template.format(
            pace=self.attainment(state.pace_attainment),
            on_pace=self.pair(state, unit, direction)[1],
            day=day,
            target=self.attainment(state.target_attainment),
        )

    def line(self, kpi: KpiProgress) -> str:
        """One KPI's line; a line is pure text of its inputs, so one made for an earlier view is reused (after a
        check-in only that person's lines differ from the last `/kpi team`)."""
        key = (self.locale, kpi.name, tuple(sorted(kpi.names.items())), kpi.unit, kpi.target, kpi.direction, kpi.state)
        text = _LINES.get(key)
        if text is None:
            if len(_LINES) >= _LINES_KEPT:
                _LINES.clear()
            text = _LINES[key] = self._line(kpi)
        return text

    def _line(self, kpi: KpiProgress) -> str:
        name = escape(local_name(kpi.name, kpi.names, self.locale))
        head = f"{STATUS_ICON[kpi.status]} {name} `{bar(kpi.attainment, label=False)}` "
        so_far = self.pair(kpi.state, kpi.unit, kpi.direction)[0] if kpi.actual is not None else self.amount(None, kpi.unit)
        amounts = f"{so_far} / {self.amount(kpi.target, kpi.unit)}"
        return f"{head}{amounts} · {self.figures(kpi.state, kpi.unit, kpi.direction)}"


def legend_block(locale: str) -> ContextBlock:
    """One line that says what the icons and the two figures mean."""
    return ContextBlock(elements=[MarkdownTextObject(text=i18n.t("legend", locale))])


def member_text(member: MemberRow, locale: str, lines: KpiLines | None = None) -> str:
    state = CHECKIN_ICON.get(member.checkin, ":hourglass:")
    writer = lines or KpiLines(locale)
    scores = i18n.t("member_scores", locale, pace=writer.share(member.pace_score), score=writer.share(member.score))
    head = f"{state} *{escape(member.name)}* · {scores}"
    if member.missed_streak >= 2:
        head += " · :rotating_light: " + i18n.t("team_missed", locale, n=member.missed_streak)
    text = [head, *(f"    {writer.line(k)}" for k in member.kpis)]
    if member.blockers:
        text.append(
            "    :construction: "
            + i18n.join((f"{i18n.t(f'cat_{c}', locale)} {n}" for c, n in sorted(member.blockers.items())), locale)
        )
    return "\n".join(text)


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
        items = i18n.join((f"{i18n.t(f'cat_{c}', locale)} {n}" for c, n in sorted(blockers.items())), locale)
        blocks.append(SectionBlock(text=i18n.t("team_blockers", locale, items=items)))
    return blocks


def team_blocks(summary: TeamSummary, locale: str, *, limit: int = MESSAGE_BLOCKS) -> list[Block]:
    """The manager's private view: overview, who needs attention, then every member, packed."""
    blocks = overview_blocks(summary, locale)
    if not summary.members:
        return [*blocks, SectionBlock(text=i18n.t("team_empty", locale))]
    if summary.not_checked_in:
        names = i18n.join((escape(m.name) for m in summary.not_checked_in), locale)
        blocks.append(SectionBlock(text=clip(i18n.t("team_not_in", locale, names=names), SECTION_TEXT)))
    if summary.behind_two_weeks:
        items = i18n.t("list_separator", locale).join(
            i18n.t(
                "team_behind_item",
                locale,
                name=escape(m.name),
                kpis=i18n.join([escape(local_name(k.name, k.names, locale)) for k in m.behind_running], locale),
            )
            for m in summary.behind_two_weeks
        )
        blocks.append(SectionBlock(text=clip(i18n.t("team_behind", locale, items=items), SECTION_TEXT)))
    blocks.extend(team_blocker_blocks(summary.open_blockers, locale, room=min(10, limit - len(blocks) - 4)))
    footer: list[Block] = []
    if summary.subteams:
        footer.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=i18n.t("team_subteams", locale, names=i18n.join((escape(n) for n in summary.subteams), locale))
                    )
                ]
            )
        )
    room = limit - len(blocks) - len(footer) - 1
    lines = KpiLines(locale)  # one for the whole view: its templates and figures are shared by every member
    packed: list[str] = []
    current = ""
    shown = 0
    for member in summary.members:
        text = clip(member_text(member, locale, lines), SECTION_TEXT)
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

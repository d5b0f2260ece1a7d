"""What the bot says, as plain data. handlers.render turns each into Block Kit.

Keeping messages as data means domain code and tests can see exactly what
would be said without building Slack blocks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


@dataclass
class Notice:
    """A short text message identified by an i18n key."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class KpiLine:
    """One KPI as shown in a prompt or a confirmation."""

    kpi_id: int
    name: str
    unit: str
    target: float
    direction: str
    so_far: float | None = None
    expected: float | None = None
    value: float | None = None
    previous: float | None = None
    anchors: list[str] = field(default_factory=list)
    fed_by: str | None = None  # the source system delivering it: shown "from CRM", never asked
    period_key: str = ""
    aggregate: str = "sum"  # sum: a reply is the week's amount; average: the week's rate; latest: the value now
    status: str = "no_data"  # bot.kpi_state.Status, at the end of the check-in week
    pace_attainment: float | None = None  # "on pace"
    moment: date | None = None  # the day "on pace" is measured at: the end of the check-in week
    names: dict[str, str] = field(default_factory=dict)  # the name per language (bot.names.local_name)


@dataclass
class BlockerLine:
    blocker_id: int
    text: str
    category: str
    date: str | None = None


@dataclass
class OpenBlocker:
    """An open blocker as shown to its owner (prompt) or to a manager (team view, escalation)."""

    blocker_id: int
    text: str
    category: str
    age_days: int
    stated_date: str | None = None  # the date the person gave ("until next Wednesday"), ISO
    owner_slack_id: str = ""
    owner_name: str = ""
    comment: str = ""


class ActionState(StrEnum):
    """Where an action item stands: open until done or dropped (``ActionItem.done_at`` / ``dropped_at``)."""

    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


@dataclass
class ActionLine:
    """An action item with its dates; ``state`` is open, done or dropped."""

    item_id: int
    text: str
    due: str | None = None
    overdue: bool = False
    state: str = ActionState.OPEN
    closed_on: str | None = None  # the day it was done or dropped
    reason: str = ""


@dataclass
class CheckinPrompt:
    """The weekly DM: KPIs with target, progress and pace, an example reply, open blockers and action items."""

    checkin_id: int
    name: str
    week: str
    kpis: list[KpiLine]
    example: str
    action_items: list[ActionLine] = field(default_factory=list)
    blockers: list[OpenBlocker] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    reminder: bool = False
    moved_by: Holiday | None = None  # the public holiday that moved this week's prompt to a later day


@dataclass(frozen=True)
class Holiday:
    """A public holiday of a calendar (CN, US-NY): the surface names it in the reader's language."""

    calendar: str
    day: date


def holiday_of(state: Mapping[str, Any] | None) -> Holiday | None:
    """The holiday a check-in's state records (see bot.schedule.Due.holiday_state), if any."""
    found = (state or {}).get("holiday")
    if not isinstance(found, dict):
        return None  # none, or an older row that kept only an English name
    try:
        return Holiday(str(found["calendar"]), date.fromisoformat(str(found["day"])))
    except (KeyError, ValueError):
        return None


@dataclass
class QuestionMessage:
    """One short question about one missing, ambiguous or implausible value."""

    checkin_id: int
    kind: str
    kpi: KpiLine | None
    candidates: list[float] = field(default_factory=list)
    reason: str = ""
    stored_now: list[KpiLine] = field(default_factory=list)
    blockers_now: list[BlockerLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    options: list[KpiLine] = field(default_factory=list)  # "which KPI was it for?": one button each


@dataclass
class AliasLearned:
    """ "From now on "closed deals" means Revenue for you": said after the person picked a KPI."""

    phrase: str
    kpi_name: str
    names: dict[str, str] = field(default_factory=dict)  # the KPI's name per language (bot.names.local_name)


@dataclass
class AliasList:
    """The person's learned aliases, each with a Remove button (`/kpi me`)."""

    items: list[tuple[int, str, str]]  # (alias id, phrase, KPI name)
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # a KPI's name per language, by plain name


@dataclass
class Confirmation:
    """Exactly what was stored for the week, with Looks right / Edit."""

    checkin_id: int
    week: str
    kpis: list[KpiLine]
    blockers: list[BlockerLine]
    updated: bool = False
    confirmed: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class EarlyWarning:
    """To the owner: a KPI behind pace N weeks running, with a root-cause prompt."""

    warning_id: int
    kpi_id: int
    kpi: str
    unit: str
    weeks: int
    actual: float | None
    expected: float | None
    origin: str = "warning"  # "retro": asked by the monthly retro about a missed KPI
    names: dict[str, str] = field(default_factory=dict)  # the KPI's name per language


@dataclass
class ManagerNote:
    """To the manager: someone's KPI is behind N weeks running (no numbers beyond that)."""

    slack_id: str
    name: str
    kpis: list[str]
    weeks: int
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # a KPI's name per language, by plain name


@dataclass
class FeedbackInvite:
    """To a rater: an invitation (or the one reminder) to give 360 feedback."""

    request_id: int
    ratee: str
    closes: str | None
    reminder: bool = False
    started_by: str = ""
    started_by_reader: bool = False  # the reader started the round: "You started...", not their own name


@dataclass
class FeedbackReleased:
    """To the ratee: their 360 round closed; the frozen result, or why nothing is shown."""

    results: Any  # bot.feedback.Results
    closed_by: str | None


@dataclass
class NominatePeers:
    """To the ratee of a new cycle: propose extra peers to ask."""

    cycle_id: int
    closes: str


@dataclass
class ConfirmNominees:
    """To the ratee's manager: confirm the peers the ratee proposed."""

    cycle_id: int
    ratee_slack_id: str
    nominees: list[str]


@dataclass
class ProposalMessage:
    """A KPI set to agree: to the manager (approve / counter / comment) or back to the person (accept / answer / comment)."""

    proposal_id: int
    owner_slack_id: str
    by_slack_id: str
    round: int
    period: str
    kpis: list[dict[str, Any]]
    forbidden: list[str]
    to_manager: bool
    comments: list[str] = field(default_factory=list)


@dataclass
class AgreedMessage:
    """The set was agreed: it takes effect at the period start."""

    owner_slack_id: str
    count: int
    starts: str


@dataclass
class ReviewMessage:
    """To a manager: the half-year review of their team's KPIs, with the evidence for each."""

    review_id: int
    team: str
    half: str
    evidence: list[Any]


@dataclass
class BlockerCheck:
    """To the owner: a blocker whose stated date has passed (asked once), or several that a reply may mean."""

    blockers: list[OpenBlocker]
    kind: str = "date_passed"  # "date_passed" | "which" (a reply said resolved, but which one?)


@dataclass
class BlockerResolved:
    """To the owner: a reply's words resolved this blocker."""

    text: str
    days: int


@dataclass
class BlockerEscalation:
    """To the manager: a blocker open for more than two weeks, with its text."""

    blocker: OpenBlocker


@dataclass
class BlockerComment:
    """To the owner: their manager commented on a blocker."""

    blocker: OpenBlocker
    by_slack_id: str
    comment: str


@dataclass
class ActionDue:
    """To the owner: an action item's due date passed (one reminder)."""

    item: ActionLine


@dataclass
class ChannelProblem:
    """To a team's manager: the bot cannot post in the team's channel, and how to fix it."""

    team: str
    channel: str
    reason: str  # Slack's error: not_in_channel | is_archived | channel_not_found
    what: str = "retro"


@dataclass
class RetroKpi:
    kpi_id: int
    name: str
    status: str  # bot.kpi_state.Status: behind | at_risk
    names: dict[str, str] = field(default_factory=dict)  # the name per language (bot.names.local_name)
    # bot.kpi_state's figures at the month end, as every other surface shows them (asks stored before: none)
    unit: str = ""
    so_far: float | None = None
    on_pace: float | None = None
    moment: str = ""  # ISO day the on-pace value is measured at (the end of the reporting week)

    @classmethod
    def stored(cls, row: dict[str, object]) -> RetroKpi:
        """Back from a RetroAsk's stored ``kpis`` JSON (older rows lack the figures)."""
        so_far, on_pace = row.get("so_far"), row.get("on_pace")
        return cls(
            int(str(row["kpi_id"])),
            str(row["name"]),
            str(row["status"]),
            {str(k): str(v) for k, v in dict(row.get("names") or {}).items()},  # type: ignore[call-overload]
            str(row.get("unit") or ""),
            None if so_far is None else float(str(so_far)),
            None if on_pace is None else float(str(on_pace)),
            str(row.get("moment") or ""),
        )


@dataclass
class RetroAskMessage:
    """To one person: all their KPIs that missed or are at risk last month, answered in one modal."""

    ask_id: int
    team: str
    month: str
    kpis: list[RetroKpi]


@dataclass
class RetroAnswer:
    kpi: str
    cause: str
    change: str
    owner_slack_id: str
    due: str
    names: dict[str, str] = field(default_factory=dict)  # the KPI's name per language: the thread reads the team's


@dataclass
class RetroAnswers:
    """In the thread of the team's retro post: one person's root causes and next steps."""

    slack_id: str
    answers: list[RetroAnswer]


@dataclass
class RetroPost:
    """The monthly retro in the team channel: team-level figures only, never one person's numbers."""

    team: str
    month: str
    checkin_rate: float | None
    status_counts: dict[str, int]
    blockers: dict[str, int]
    actions_done: int
    actions_open: int
    missed_kpis: int
    actions_overdue: int = 0
    actions_dropped: int = 0
    resolution_days: dict[str, float] = field(default_factory=dict)  # median days to resolve, per category
    improved: list[str] = field(default_factory=list)  # "Revenue" (KPI names, never people)
    slipped: list[str] = field(default_factory=list)
    watch: list[str] = field(default_factory=list)  # the gaming-watch findings (issue 13) belong here
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # a KPI's name per language: the post reads the team's


@dataclass
class EvaluationNote:
    """To a person: their quarterly evaluation, with development suggestions by root cause."""

    period: str
    total: float | None
    result: float | None
    behaviour: float | None
    feedback: float | None
    lines: list[tuple[str, float | None]]
    suggestions: list[Any]  # Notice (key + params) per development step; a bare key also works
    star: bool = False
    preview: bool = False  # computed before the period ended (an admin's look): not the evaluation itself
    computed: float | None = None  # the computed total when a manager adjusted it (total is then the adjusted score)
    adjusted: float | None = None
    reason: str = ""
    band: str = ""
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # a KPI's name per language (bot.names.local_name)


@dataclass
class StarProposal:
    """To a team's manager: the bot's star of the quarter, with its reasons; confirm or pick another."""

    recognition_id: int
    team: str
    period: str
    slack_id: str
    name: str
    score: float | None
    kudos: int
    others: list[tuple[str, str]]  # (slack_id, name) of the other members, best first


@dataclass
class KudosNote:
    """To the receiver: someone's thanks, and how many they got this quarter."""

    giver_slack_id: str
    text: str
    count: int


@dataclass
class KudosPost:
    """In the team channel, shared by the giver."""

    kudos_id: int
    giver_slack_id: str
    receiver_slack_id: str
    text: str


@dataclass
class WatchQuestion:
    """To a manager with the retro: a result KPI improved while its paired behaviour KPI worsened. A question."""

    slack_id: str
    name: str
    month: str
    result_kpi: str
    result_unit: str
    result_before: float
    result_now: float
    behaviour_kpi: str
    behaviour_unit: str
    behaviour_before: float
    behaviour_now: float
    result_names: dict[str, str] = field(default_factory=dict)  # each KPI's name per language (bot.names.local_name)
    behaviour_names: dict[str, str] = field(default_factory=dict)


@dataclass
class StarPost:
    """Recognition in the team channel: the star of the quarter."""

    team: str
    period: str
    slack_id: str
    reason: Notice | None  # why (bot.recognition.star_reason), worded in the channel's language; None: the manager's pick

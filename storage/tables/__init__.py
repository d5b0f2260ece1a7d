"""Every table of kpibot; importing this package registers them on ``SQLModel.metadata``."""

from storage.tables.aliases import LearnedAlias
from storage.tables.checkins import ActionItem, Blocker, Checkin, CheckinRound, Measurement
from storage.tables.feedback import FeedbackCycle, FeedbackRequest, FeedbackResponse
from storage.tables.org import Goal, Kpi, Person, Team
from storage.tables.proposals import KpiProposal
from storage.tables.reviews import Evaluation, KpiReview, KpiWarning, Kudos, Recognition, Retro, RetroAsk
from storage.tables.revisions import TableRevision
from storage.tables.slack import AppSecret, OutboundMessage, ProcessedEvent
from storage.tables.sources import SourceRequest, SourceSystem, ValueAudit, ValueDispute

__all__ = [
    "ActionItem",
    "AppSecret",
    "Blocker",
    "Checkin",
    "CheckinRound",
    "Evaluation",
    "FeedbackCycle",
    "FeedbackRequest",
    "FeedbackResponse",
    "Goal",
    "Kpi",
    "KpiProposal",
    "KpiReview",
    "KpiWarning",
    "Kudos",
    "LearnedAlias",
    "Measurement",
    "OutboundMessage",
    "Person",
    "ProcessedEvent",
    "Recognition",
    "Retro",
    "RetroAsk",
    "SourceRequest",
    "SourceSystem",
    "TableRevision",
    "Team",
    "ValueAudit",
    "ValueDispute",
]

"""`/kpi team [NAME] [share]`: a manager's view of their team; refusals are polite."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block, SectionBlock
from sqlmodel import Session

from bot import i18n
from bot.people import local_now
from bot.retro import team_locale
from bot.team_view import resolve_team, team_summary
from handlers.render.team import overview_blocks, team_blocks
from storage.tables import Person


def team_reply(session: Session, person: Person, words: list[str], channel_id: str, now: datetime) -> tuple[str, list[Block]]:
    """(response_type, blocks) for `/kpi team ...`: private unless shared, refusals polite."""
    locale = person.locale
    share = bool(words) and words[-1].lower() == "share"
    if share:
        words = words[:-1]
    name = " ".join(words) or None
    team = resolve_team(session, asker=person, name=name)  # a refusal is answered by handlers.errors
    summary = team_summary(session, team=team, now=now, today=local_now(person, now).date())
    if share:
        if not channel_id.startswith(("C", "G")):
            return "ephemeral", [SectionBlock(text=i18n.t("share_needs_channel", locale))]
        return "in_channel", overview_blocks(summary, team_locale(team), shared=True)  # the channel reads the team's language
    return "ephemeral", team_blocks(summary, locale)

"""`/kpi team [NAME] [share]`: a manager's view of their team; refusals are answered by handlers.errors."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block, SectionBlock

from bot import i18n
from bot.retro import team_locale
from bot.services import Services
from bot.use_cases.team import team_overview
from handlers.render.team import overview_blocks, team_blocks
from storage.tables import Person


def team_reply(services: Services, person: Person, words: list[str], channel_id: str, now: datetime) -> tuple[str, list[Block]]:
    """(response_type, blocks) for `/kpi team ...`: private unless shared."""
    locale = person.locale
    share = bool(words) and words[-1].lower() == "share"
    if share:
        words = words[:-1]
    team, summary = team_overview(services, asker=person, name=" ".join(words) or None, now=now)
    if share:
        if not channel_id.startswith(("C", "G")):
            return "ephemeral", [SectionBlock(text=i18n.t("share_needs_channel", locale))]
        return "in_channel", overview_blocks(summary, team_locale(team), shared=True)  # the channel reads the team's language
    return "ephemeral", team_blocks(summary, locale)

"""`/kpi team [NAME] [share]`: a manager's view of their team; refusals are answered by handlers.errors."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from slack_sdk.models.blocks import Block, SectionBlock

from bot import i18n
from bot.retro import team_locale
from bot.services import Services
from bot.team_view import TeamSummary
from bot.use_cases.team import team_overview
from handlers.render.team import overview_blocks, team_blocks
from storage.tables import Person

# A summary kept by bot.team_views is rendered once per language: the Block Kit JSON lives as long as the summary.
_RENDERED: WeakKeyDictionary[TeamSummary, dict[str, list[dict[str, Any]]]] = WeakKeyDictionary()
_RENDERING = threading.Lock()


def team_reply(
    services: Services, person: Person, words: list[str], channel_id: str, now: datetime
) -> tuple[str, Sequence[Block | dict[str, Any]]]:
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
    return "ephemeral", private_view(summary, locale)


def private_view(summary: TeamSummary, locale: str) -> list[dict[str, Any]]:
    """``team_blocks`` as Slack JSON, made once per summary and language (callers must not change it)."""
    with _RENDERING:
        kept = _RENDERED.get(summary)
        if kept is not None and locale in kept:
            return kept[locale]
    blocks = [block.to_dict() for block in team_blocks(summary, locale)]
    with _RENDERING:
        _RENDERED.setdefault(summary, {})[locale] = blocks
    return blocks

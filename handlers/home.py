"""App Home: a personal dashboard, published with views.publish."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block, ContextBlock, DividerBlock, HeaderBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot import i18n
from bot.periods import week_key
from bot.services import Services
from bot.use_cases.home import home_page
from handlers.context import ack_event, services_of
from handlers.render.escape import clip, escape
from handlers.render.team import kpi_line, legend_block, overview_blocks, team_blocks

log = logging.getLogger(__name__)
HOME_BLOCKS = 100


def home_view(services: Services, slack_id: str) -> View:
    page = home_page(services, slack_id=slack_id, now=services.clock())
    locale = page.locale if page else "en-US"
    blocks: list[Block] = [HeaderBlock(text=i18n.t("home_title", locale))]
    if page is None:
        blocks.append(SectionBlock(text=i18n.t("home_unknown", locale)))
        return View(type="home", blocks=blocks)
    if not page.kpis:
        blocks.append(SectionBlock(text=i18n.t("home_none", locale)))
    blocks += [SectionBlock(text=kpi_line(progress, locale)) for progress in page.kpis]
    if page.kpis:
        blocks.append(legend_block(locale))
    if page.actions:
        text = i18n.t("home_actions", locale) + "\n" + "\n".join(f"• {escape(clip(step, 200))}" for step in page.actions)
        blocks.append(SectionBlock(text=clip(text, 3000)))
    for index, summary in enumerate(page.teams):
        # the first team in full; the others as totals, so several teams still fit in 100 blocks
        room = HOME_BLOCKS - len(blocks) - 2 - 3 * (len(page.teams) - index - 1)
        if room < 4:
            break
        blocks.append(DividerBlock())
        blocks.extend(team_blocks(summary, locale, limit=room) if index == 0 else overview_blocks(summary, locale)[:room])
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"{i18n.week_label(week_key(page.today), locale)} · kpibot")]))
    return View(type="home", blocks=blocks[:HOME_BLOCKS])


def refresh_home(services: Services, slack_id: str) -> None:
    """Publish the dashboard; a Slack error here must not break the conversation."""
    try:
        services.gateway.publish_home(slack_id, home_view(services, slack_id))
    except SlackApiError as exc:
        log.warning("views.publish for %s failed: %s", slack_id, exc.response.get("error"))


def on_app_home_opened(event: dict[str, Any], context: BoltContext) -> None:
    if event.get("tab") == "home" and isinstance(event.get("user"), str):
        refresh_home(services_of(context), event["user"])


def register(app: App) -> None:
    app.event("app_home_opened")(ack=ack_event, lazy=[on_app_home_opened])

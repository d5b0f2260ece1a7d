"""App Home: a personal dashboard, published with views.publish."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block, ContextBlock, DividerBlock, HeaderBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot import i18n
from bot.checkin import open_action_items
from bot.kpi_state import states_for
from bot.people import current_kpis, local_now
from bot.periods import week_key
from bot.services import Services
from bot.team_view import KpiProgress, team_summary, visible_teams
from handlers.context import ack_event, services_of
from handlers.render.escape import clip, escape
from handlers.render.team import kpi_line, legend_block, overview_blocks, team_blocks
from storage.engine import session_scope
from storage.queries import person_by_slack_id

log = logging.getLogger(__name__)
HOME_BLOCKS = 100
MAX_HOME_TEAMS = 8


def home_view(services: Services, slack_id: str) -> View:
    now = services.clock()
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=slack_id)
        locale = person.locale if person else "en-US"
        blocks: list[Block] = [HeaderBlock(text=i18n.t("home_title", locale))]
        if person is None:
            blocks.append(SectionBlock(text=i18n.t("home_unknown", locale)))
            return View(type="home", blocks=blocks)
        today = local_now(person, now).date()
        kpis = current_kpis(session, person_id=person.id or 0, day=today)
        states = states_for(session, kpis, now=now)  # the same figures as /kpi me, /kpi team and the prompt
        if not kpis:
            blocks.append(SectionBlock(text=i18n.t("home_none", locale)))
        for kpi in kpis[:20]:
            progress = KpiProgress(
                kpi.id or 0,
                kpi.name,
                kpi.unit,
                kpi.direction,
                kpi.kind,
                kpi.weight,
                kpi.target,
                states[kpi.id or 0],
                dict(kpi.names),
            )
            blocks.append(SectionBlock(text=kpi_line(progress, locale)))
        if kpis:
            blocks.append(legend_block(locale))
        items = open_action_items(session, person_id=person.id or 0)
        if items:
            text = i18n.t("home_actions", locale) + "\n" + "\n".join(f"• {escape(clip(i.next_step, 200))}" for i in items[:10])
            blocks.append(SectionBlock(text=clip(text, 3000)))
        managed = [t for t in visible_teams(session, asker=person) if t.manager_id == person.id or person.is_admin]
        for index, team in enumerate(managed[:MAX_HOME_TEAMS]):
            # the first team in full; the others as totals, so several teams still fit in 100 blocks
            summary = team_summary(session, team=team, now=now, today=today)
            room = HOME_BLOCKS - len(blocks) - 2 - 3 * (min(len(managed), MAX_HOME_TEAMS) - index - 1)
            if room < 4:
                break
            blocks.append(DividerBlock())
            blocks.extend(team_blocks(summary, locale, limit=room) if index == 0 else overview_blocks(summary, locale)[:room])
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"{week_key(today)} · kpibot")]))
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

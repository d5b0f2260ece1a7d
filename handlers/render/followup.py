"""Block Kit for closing the loop: open blockers and action items with their buttons, escalations,
reminders, and the manager's list of what blocks whom."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import i18n
from bot.messages import (
    ActionDue,
    ActionLine,
    ActionState,
    BlockerCheck,
    BlockerComment,
    BlockerEscalation,
    BlockerResolved,
    ChannelProblem,
    OpenBlocker,
)
from handlers.render.dispatch import Rendered, render
from handlers.render.escape import clip, escape
from handlers.render.inputs import text_input

TEAM_BLOCKERS_SHOWN = 8


def _category(category: str, locale: str) -> str:
    return i18n.t(f"cat_{category}", locale)


def blocker_text(blocker: OpenBlocker, locale: str, *, with_owner: bool = False) -> str:
    parts = [_category(blocker.category, locale), i18n.t("fu_age", locale, days=blocker.age_days)]
    if blocker.stated_date:
        parts.append(i18n.t("fu_until", locale, date=blocker.stated_date))
    line = i18n.t("fu_with_details", locale, text=escape(clip(blocker.text, 300)), details=" · ".join(parts))
    if with_owner and blocker.owner_slack_id:
        return i18n.t("fu_owner_line", locale, slack_id=blocker.owner_slack_id, text=line)
    return f"• {line}"


def action_text(item: ActionLine, locale: str) -> str:
    parts = []
    if item.state == ActionState.DONE and item.closed_on:
        parts.append(i18n.t("fu_done_on", locale, date=item.closed_on))
    elif item.state == ActionState.DROPPED and item.closed_on:
        parts.append(i18n.t("fu_dropped_on", locale, date=item.closed_on, reason=escape(clip(item.reason, 200))))
    elif item.due:
        parts.append(i18n.t("fu_due", locale, date=item.due))
    if item.overdue:
        parts.append(":warning: " + i18n.t("fu_overdue", locale))
    icons: dict[str, str] = {ActionState.DONE: ":white_check_mark:", ActionState.DROPPED: ":heavy_minus_sign:"}
    icon = icons.get(item.state, "•")
    text = escape(clip(item.text, 300))
    line = i18n.t("fu_with_details", locale, text=text, details=" · ".join(parts)) if parts else text
    return f"{icon} {line}"


def blocker_buttons(blocker_id: int, locale: str, *, manager: bool = False) -> ActionsBlock:
    value = str(blocker_id)
    second = (
        ButtonElement(text=i18n.t("fu_btn_comment", locale), action_id="blocker_comment", value=value)
        if manager
        else ButtonElement(text=i18n.t("fu_btn_still", locale), action_id="blocker_still", value=value)
    )
    return ActionsBlock(
        block_id=f"bk_{blocker_id}",
        elements=[
            ButtonElement(text=i18n.t("fu_btn_resolved", locale), action_id="blocker_resolved", value=value, style="primary"),
            second,
        ],
    )


def action_buttons(item_id: int, locale: str) -> ActionsBlock:
    value = str(item_id)
    return ActionsBlock(
        block_id=f"ai_{item_id}",
        elements=[
            ButtonElement(text=i18n.t("fu_btn_done", locale), action_id="action_done", value=value, style="primary"),
            ButtonElement(text=i18n.t("fu_btn_not_yet", locale), action_id="action_not_yet", value=value),
            ButtonElement(text=i18n.t("fu_btn_drop", locale), action_id="action_drop", value=value),
        ],
    )


def prompt_blocks(blockers: list[OpenBlocker], items: list[ActionLine], locale: str) -> list[Block]:
    """The part of the weekly prompt that closes the loop: each open blocker and action item with its buttons."""
    blocks: list[Block] = []
    if blockers:
        blocks.append(SectionBlock(text=i18n.t("fu_blockers", locale)))
        for blocker in blockers:
            blocks.append(SectionBlock(text=blocker_text(blocker, locale)))
            blocks.append(blocker_buttons(blocker.blocker_id, locale))
    if items:
        blocks.append(SectionBlock(text=i18n.t("fu_actions", locale)))
        for item in items:
            blocks.append(SectionBlock(text=action_text(item, locale)))
            blocks.append(action_buttons(item.item_id, locale))
    return blocks


def team_blocker_blocks(blockers: list[OpenBlocker], locale: str, *, room: int) -> list[Block]:
    """The manager's list of what blocks whom, oldest first, each with Resolve / Comment."""
    if not blockers or room < 2:
        return []
    shown = blockers[: min(TEAM_BLOCKERS_SHOWN, room - 2)]
    blocks: list[Block] = [SectionBlock(text=i18n.t("fu_team_blockers", locale))]
    for blocker in shown:
        text = blocker_text(blocker, locale, with_owner=True)
        blocks.append(
            SectionBlock(
                block_id=f"tb_{blocker.blocker_id}",
                text=clip(text, 2900),
                accessory=OverflowMenuElement(
                    action_id="blocker_manage",
                    options=[
                        Option(text=i18n.t("fu_manage_resolve", locale), value=f"resolve:{blocker.blocker_id}"),
                        Option(text=i18n.t("fu_manage_comment", locale), value=f"comment:{blocker.blocker_id}"),
                    ],
                ),
            )
        )
    if len(blockers) > len(shown):
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=i18n.t("fu_team_more", locale, n=len(blockers) - len(shown)))])
        )
    return blocks


def actions_list(items: list[ActionLine], locale: str) -> list[Block]:
    """/kpi me: open items first, then the latest done or dropped ones with their dates."""
    if not items:
        return []
    text = i18n.t("fu_your_actions", locale) + "\n" + "\n".join(action_text(i, locale) for i in items[:15])
    return [SectionBlock(text=clip(text, 2900))]


@render.register
def _check(message: BlockerCheck, locale: str) -> Rendered:
    blocks: list[Block] = []
    if message.kind == "date_passed" and message.blockers:
        first = message.blockers[0]
        title = i18n.t("fu_date_passed", locale, date=first.stated_date or "")
        blocks.append(SectionBlock(text=title))
        blocks.append(SectionBlock(text=blocker_text(first, locale)))
        blocks.append(blocker_buttons(first.blocker_id, locale))
        return title, blocks
    title = i18n.t("fu_which", locale)
    blocks.append(SectionBlock(text=title))
    for blocker in message.blockers[:10]:
        blocks.append(SectionBlock(text=blocker_text(blocker, locale)))
        blocks.append(
            ActionsBlock(
                block_id=f"bk_{blocker.blocker_id}",
                elements=[
                    ButtonElement(
                        text=i18n.t("fu_btn_resolved", locale), action_id="blocker_resolved", value=str(blocker.blocker_id)
                    )
                ],
            )
        )
    return title, blocks


@render.register
def _resolved(message: BlockerResolved, locale: str) -> Rendered:
    text = i18n.t("fu_resolved", locale, days=message.days, text=escape(clip(message.text, 200)))
    return text, [SectionBlock(text=text)]


@render.register
def _escalation(message: BlockerEscalation, locale: str) -> Rendered:
    b = message.blocker
    text = i18n.t(
        "fu_escalation",
        locale,
        slack_id=b.owner_slack_id,
        days=b.age_days,
        category=_category(b.category, locale),
        text=escape(clip(b.text, 1000)),
    )
    if b.stated_date:
        text += f"\n({i18n.t('fu_until', locale, date=b.stated_date)})"
    return text, [SectionBlock(text=text), blocker_buttons(b.blocker_id, locale, manager=True)]


@render.register
def _comment(message: BlockerComment, locale: str) -> Rendered:
    text = i18n.t(
        "fu_comment_note",
        locale,
        by=message.by_slack_id,
        text=escape(clip(message.blocker.text, 200)),
        comment=escape(clip(message.comment, 1000)),
    )
    return text, [SectionBlock(text=text), blocker_buttons(message.blocker.blocker_id, locale)]


@render.register
def _action_due(message: ActionDue, locale: str) -> Rendered:
    item = message.item
    text = i18n.t("fu_action_due", locale, date=item.due or "", text=escape(clip(item.text, 1000)))
    return text, [SectionBlock(text=text), action_buttons(item.item_id, locale)]


@render.register
def _channel_problem(message: ChannelProblem, locale: str) -> Rendered:
    key = f"fu_channel_problem_{message.reason}"
    if not i18n.has(key):
        key = "fu_channel_problem_channel_not_found"
    text = i18n.t(key, locale, what=i18n.t(f"fu_what_{message.what}", locale), team=escape(message.team), channel=message.channel)
    return text, [SectionBlock(text=text)]


def comment_modal(metadata: str, locale: str) -> View:
    return View(
        type="modal",
        callback_id="blocker_comment",
        private_metadata=metadata,
        title=i18n.t("fu_comment_title", locale),
        submit=i18n.t("fu_save", locale),
        blocks=[text_input("comment", i18n.t("fu_comment_label", locale), max_length=1000, multiline=True, action_id="text")],
    )


def drop_modal(metadata: str, locale: str) -> View:
    return View(
        type="modal",
        callback_id="action_drop",
        private_metadata=metadata,
        title=i18n.t("fu_drop_title", locale),
        submit=i18n.t("fu_save", locale),
        blocks=[text_input("reason", i18n.t("fu_drop_label", locale), max_length=500, multiline=True, action_id="text")],
    )

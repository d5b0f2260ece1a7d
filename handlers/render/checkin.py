"""Block Kit for the check-in conversation: prompt, question, confirmation."""

from __future__ import annotations

from datetime import date, timedelta

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    SectionBlock,
)

from bot import i18n
from bot.checkin import format_value
from bot.formats import format_day, format_pace_pair
from bot.holiday_calendar import holiday_name
from bot.kpi_state import Status
from bot.messages import AliasLearned, AliasList, BlockerLine, CheckinPrompt, Confirmation, KpiLine, QuestionMessage
from bot.names import local_name
from bot.periods import week_start_of_key
from handlers.render.dispatch import Rendered, render
from handlers.render.escape import clip, escape
from handlers.render.followup import prompt_blocks
from handlers.render.team import STATUS_ICON

CATEGORIES = ("resources", "process", "capability", "other")


def _day(day: date | None, locale: str) -> str:
    if day is None:
        return "-"
    return format_day(day, locale)


def standing(line: KpiLine, locale: str) -> str:
    """ "total so far 147k CNY of 600k CNY target · on pace by 25 Oct: 131k CNY 🟢": kpi_state's figures in words."""
    how = line.aggregate if line.aggregate in {"sum", "average", "latest"} else "sum"
    so_far, expected = (
        format_pace_pair(line.so_far, line.expected, line.unit, locale, direction=line.direction)
        if line.expected is not None
        else (format_value(line.so_far, line.unit, locale) if line.so_far is not None else "-", "-")
    )
    return i18n.t(
        "standing",
        locale,
        label=i18n.t(f"so_far_{how}", locale),
        so_far=so_far,
        target=format_value(line.target, line.unit, locale),
        day=_day(line.moment, locale),
        expected=expected,
        icon=STATUS_ICON.get(line.status, STATUS_ICON[Status.NO_DATA]),
    )


def _kpi_text(line: KpiLine, locale: str) -> str:
    """One KPI in the prompt: what a reply means for it (the week's amount or the value now), then where it stands."""
    how = line.aggregate if line.aggregate in {"sum", "average", "latest"} else "sum"
    lower = i18n.t("lower_better", locale) if line.direction == "lower" else ""
    ask = _fed(line, locale) if line.fed_by else i18n.t(f"ask_{how}", locale)  # a fed KPI is not asked: say where it comes from
    return i18n.t(
        "kpi_line",
        locale,
        name=escape(local_name(line.name, line.names, locale)),
        ask=ask,
        lower=lower,
        standing=standing(line, locale),
    )


def _fed(line: KpiLine, locale: str) -> str:
    """ "from CRM": the value comes from the source system, it is not typed."""
    return i18n.t("fed_from", locale, source=escape(line.fed_by or ""))


def _buttons(checkin_id: int, locale: str) -> ActionsBlock:
    value = str(checkin_id)
    return ActionsBlock(
        block_id="checkin_actions",
        elements=[
            ButtonElement(text=i18n.t("btn_form", locale), action_id="checkin_form", value=value, style="primary"),
            ButtonElement(text=i18n.t("btn_skip", locale), action_id="checkin_skip", value=value),
            ButtonElement(text=i18n.t("btn_snooze", locale), action_id="checkin_snooze", value=value),
            ButtonElement(text=i18n.t("btn_away", locale), action_id="checkin_away", value=value),
        ],
    )


@render.register
def _prompt(message: CheckinPrompt, locale: str) -> Rendered:
    title_key = "reminder_title" if message.reminder else "prompt_title"
    first = week_start_of_key(message.week)
    last = first + timedelta(days=6)
    title = i18n.t(title_key, locale, name=escape(message.name), week=message.week, first=first, last=last)
    blocks: list[Block] = [SectionBlock(text=title)]
    if message.moved_by is not None:
        holiday = message.moved_by
        name = holiday_name(holiday.calendar, holiday.day, locale) or holiday.calendar
        moved = i18n.t("prompt_moved", locale, holiday=escape(name), day=_day(holiday.day, locale))
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=moved)]))
    kpi_text = "\n".join(f"• {_kpi_text(line, locale)}" for line in message.kpis)
    blocks.append(SectionBlock(text=clip(kpi_text, 3000)))
    blocks.extend(prompt_blocks(message.blockers, message.action_items, locale))
    if message.forbidden:
        items = "\n".join(f"• {escape(item)}" for item in message.forbidden[:10])
        blocks.append(SectionBlock(text=clip(i18n.t("forbidden", locale) + "\n" + items, 3000)))
    blocks.append(SectionBlock(text=clip(i18n.t("prompt_howto", locale, example=escape(message.example)), 3000)))
    blocks.append(_buttons(message.checkin_id, locale))
    disputable = dispute_buttons(message.kpis, locale)
    if disputable is not None:
        blocks.append(disputable)
    return title, blocks


def dispute_buttons(lines: list[KpiLine], locale: str) -> ActionsBlock | None:
    """One "Dispute" button per value a source delivered: the owner can object, their manager hears it."""
    fed = [line for line in lines if line.fed_by and line.period_key and (line.value is not None or line.so_far is not None)]
    if not fed:
        return None
    return ActionsBlock(
        block_id="value_disputes",
        elements=[
            ButtonElement(
                text=clip(i18n.t("btn_dispute", locale, name=local_name(line.name, line.names, locale)), 75),
                action_id=f"value_dispute_{line.kpi_id}",
                value=f"{line.kpi_id}:{line.period_key}",
            )
            for line in fed[:20]
        ],
    )


def _category(category: str, locale: str) -> str:
    return i18n.t(f"cat_{category}", locale)


def _blocker_block(blocker: BlockerLine, locale: str) -> SectionBlock:
    text = f"• {escape(clip(blocker.text, 300))} _({_category(blocker.category, locale)})_"
    if blocker.date:
        text += f" · {format_day(date.fromisoformat(blocker.date), locale)}"
    return SectionBlock(
        block_id=f"blocker_{blocker.blocker_id}",
        text=text,
        accessory=OverflowMenuElement(
            action_id="blocker_category",
            options=[Option(text=_category(c, locale), value=f"{blocker.blocker_id}:{c}") for c in CATEGORIES],
        ),
    )


@render.register
def _question(message: QuestionMessage, locale: str) -> Rendered:
    parts: list[str] = []
    if message.stored_now:
        items = [
            f"{escape(local_name(line.name, line.names, locale))} {format_value(line.value, line.unit, locale)}"
            for line in message.stored_now
        ]
        parts.append(i18n.t("stored_now", locale, items=items))
    for blocker in message.blockers_now:
        parts.append(
            i18n.t("blocker_noted", locale, text=escape(clip(blocker.text, 300)), category=_category(blocker.category, locale))
        )
    for note in message.notes:
        if note == "nothing_understood":
            continue
        parts.append(i18n.t(note, locale))
    kpi = message.kpi
    name = escape(local_name(kpi.name, kpi.names, locale)) if kpi else ""
    unit = kpi.unit if kpi else "count"
    candidates = " / ".join(format_value(c, unit, locale) for c in message.candidates)
    if message.kind == "ambiguous" and kpi:
        parts.append(i18n.t("q_ambiguous", locale, name=name, candidates=candidates))
    elif message.kind == "implausible" and kpi:
        reason = i18n.t(f"r_{message.reason}", locale) if i18n.has(f"r_{message.reason}") else message.reason
        parts.append(
            i18n.t("q_implausible", locale, name=name, value=format_value(message.candidates[0], unit, locale), reason=reason)
        )
    elif message.kind == "unmatched":
        first = format_value(message.candidates[0], "count", locale) if message.candidates else "1"
        it = "it is" if len(message.candidates) == 1 else "they are"
        parts.append(i18n.t("q_unmatched", locale, candidates=candidates, it=it, name=name or "revenue", first=first))
    elif kpi:
        parts.append(i18n.t("q_missing", locale, name=name))
    text = "\n".join(parts)
    blocks: list[Block] = [SectionBlock(text=clip(text, 3000))]
    if kpi and kpi.anchors and message.kind == "missing":
        anchors = "\n".join(f"{i + 1}: {escape(a)}" for i, a in enumerate(kpi.anchors))
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(anchors, 2000))]))
    for blocker in message.blockers_now:
        blocks.append(_blocker_block(blocker, locale))
    if message.options:
        blocks.append(
            ActionsBlock(
                block_id=f"which_kpi_{message.checkin_id}",
                elements=[
                    ButtonElement(
                        text=clip(local_name(line.name, line.names, locale), 75),
                        action_id=f"which_kpi_{i}",
                        value=f"{message.checkin_id}:{line.kpi_id}",
                    )
                    for i, line in enumerate(message.options[:25])
                ],
            )
        )
    return text, blocks


@render.register
def _alias_learned(message: AliasLearned, locale: str) -> Rendered:
    name = local_name(message.kpi_name, message.names, locale)
    text = i18n.t("alias_learned", locale, phrase=escape(message.phrase), name=escape(name))
    return text, [SectionBlock(text=text)]


@render.register
def _alias_list(message: AliasList, locale: str) -> Rendered:
    return i18n.t("aliases_title", locale), alias_blocks(message, locale)


def alias_blocks(message: AliasList, locale: str) -> list[Block]:
    """Learned aliases in `/kpi me`, each with a Remove button."""
    if not message.items:
        return []
    blocks: list[Block] = [SectionBlock(text=i18n.t("aliases_title", locale))]
    for alias_id, phrase, name in message.items[:40]:
        blocks.append(
            SectionBlock(
                block_id=f"alias_{alias_id}",
                text=i18n.t(
                    "alias_item", locale, phrase=escape(phrase), name=escape(local_name(name, message.names.get(name), locale))
                ),
                accessory=ButtonElement(text=i18n.t("alias_remove", locale), action_id="alias_forget", value=str(alias_id)),
            )
        )
    return blocks


@render.register
def _confirmation(message: Confirmation, locale: str) -> Rendered:
    title = i18n.t("confirm_updated" if message.updated else "confirm_title", locale, week=message.week)
    lines = []
    for line in message.kpis:
        value = format_value(line.value, line.unit, locale) if line.value is not None else i18n.t("no_value", locale)
        fed = f" · {_fed(line, locale)}" if line.fed_by else ""
        lines.append(
            i18n.t(
                "confirm_line",
                locale,
                name=escape(local_name(line.name, line.names, locale)),
                value=value,
                standing=standing(line, locale),
            )
            + fed
        )
    body = clip(title + "\n" + "\n".join(lines), 3000)
    blocks: list[Block] = [SectionBlock(text=body)]
    if message.blockers:
        blocks.append(SectionBlock(text=i18n.t("blockers", locale)))
        blocks.extend(_blocker_block(b, locale) for b in message.blockers[:20])
    for note in message.notes:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=i18n.t(note, locale))]))
    if message.confirmed:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=i18n.t("confirmed", locale))]))
    else:
        blocks.append(DividerBlock())
        blocks.append(
            ActionsBlock(
                block_id="confirm_actions",
                elements=[
                    ButtonElement(
                        text=i18n.t("btn_ok", locale), action_id="checkin_confirm", value=str(message.checkin_id), style="primary"
                    ),
                    ButtonElement(text=i18n.t("btn_edit", locale), action_id="checkin_edit", value=str(message.checkin_id)),
                ],
            )
        )
    return body, blocks

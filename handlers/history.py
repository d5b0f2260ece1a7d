"""`/kpi history [weeks]`: one's past weeks, an Edit button on each week of the current period, and the audit trail.

`/kpi history @person [weeks]` shows a manager (or an admin) the same weeks
and every change made to that person's values, read-only. The edit modal's
private_metadata is signed, and only the owner may submit it.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import i18n
from bot.checkin import CheckinStatus, Outgoing
from bot.formats import format_day, format_value
from bot.history import (
    DEFAULT_WEEKS,
    MAX_WEEKS,
    Change,
    Week,
)
from bot.holiday_calendar import holiday_name
from bot.messages import Notice
from bot.names import local_name
from bot.people import zone
from bot.ports import Recipient
from bot.refusal import Refusal
from bot.services import Services
from bot.use_cases.history import clicker, history_page, save_week, week_to_edit
from handlers import payload
from handlers.context import services_of
from handlers.conversation import deliver
from handlers.errors import refusal_text
from handlers.feedback import MENTION
from handlers.metadata import secret_of, sign, verify
from handlers.render.escape import clip, escape
from storage.tables import Person

STATUS_KEYS: dict[str | None, str] = {
    CheckinStatus.STORED: i18n.N_("history_status_done"),
    CheckinStatus.CONFIRMED: i18n.N_("history_status_done"),
    CheckinStatus.MISSED: i18n.N_("history_status_missed"),
    CheckinStatus.AWAY: i18n.N_("history_status_away"),
    CheckinStatus.SKIPPED: i18n.N_("history_status_skipped"),
    None: i18n.N_("history_status_none"),
}
OPEN_KEY = i18n.N_("history_status_open")


def history_reply(services: Services, asker: Person, words: list[str]) -> list[Block]:
    """The answer to `/kpi history [@person] [weeks]` (private)."""
    locale = asker.locale
    mentioned = MENTION.findall(" ".join(words))
    rest = [w for w in words if not MENTION.fullmatch(w)]
    if len(mentioned) > 1 or len(rest) > 1 or (rest and not rest[0].isdigit()):
        return [SectionBlock(text=i18n.t("history_usage", locale, max=MAX_WEEKS))]
    weeks = min(max(int(rest[0]), 1), MAX_WEEKS) if rest else DEFAULT_WEEKS
    try:
        page = history_page(services, asker=asker, of=mentioned[0] if mentioned else None, weeks=weeks)
    except Refusal as refusal:
        return [SectionBlock(text=refusal_text(refusal, locale))]
    rows, trail, own = page.weeks, page.trail, page.own
    title = (
        i18n.tn("history_title_own", weeks, locale)
        if own
        else i18n.tn("history_title_other", weeks, locale, name=escape(page.owner.name))
    )
    blocks: list[Block] = [SectionBlock(text=title)]
    blocks += [_week_block(week, locale, editable=own and week.editable) for week in rows]
    if trail:
        lines = [_change_line(change, asker) for change in trail]
        blocks.append(SectionBlock(text=clip(i18n.t("history_changes", locale) + "\n" + "\n".join(lines), 2900)))
    elif not own:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=i18n.t("history_no_changes", locale))]))
    if own:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=i18n.t("history_hint", locale))]))
    return blocks


def _week_block(week: Week, locale: str, *, editable: bool) -> SectionBlock:
    status = i18n.t(STATUS_KEYS.get(week.status, OPEN_KEY), locale)
    if week.status == CheckinStatus.AWAY and week.holiday is not None:
        name = holiday_name(week.holiday.calendar, week.holiday.day, locale) or week.holiday.calendar
        status = i18n.t("history_status_holiday", locale, holiday=escape(name))
    lines = [
        f"• {escape(local_name(v.name, v.names, locale))}: {format_value(v.value, v.unit, locale)}" for v in week.values
    ] or [i18n.t("history_no_kpis", locale)]
    text = clip(f"*{i18n.week_label(week.key, locale)}* · {status}\n" + "\n".join(lines), 2900)
    accessory = ButtonElement(text=i18n.t("history_edit", locale), action_id="history_edit", value=week.key) if editable else None
    return SectionBlock(text=text, accessory=accessory)


def _change_line(change: Change, reader: Person) -> str:
    """One audit line, its day on the reader's calendar (changes are stored in UTC)."""
    locale = reader.locale
    before = format_value(change.previous, change.unit, locale)
    after = format_value(change.value, change.unit, locale)
    # an edit or an accepted dispute names the person who made it (the manager, for a dispute)
    who = f"<@{change.by}>" if change.origin in ("edit", "dispute") and change.by else escape(change.by or change.origin)
    return i18n.t(
        "history_change",
        locale,
        week=change.week,
        kpi=escape(local_name(change.kpi, change.names, locale)),
        before=before,
        after=after,
        who=who,
        day=format_day(_aware(change.at).astimezone(zone(reader)).date(), locale),
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def history_modal(week: Week, *, owner_id: int, locale: str, secret: str) -> View:
    blocks: list[Block] = [ContextBlock(elements=[MarkdownTextObject(text=i18n.t("history_form_intro", locale, week=week.key))])]
    for value in week.values[:20]:
        if value.fed:
            blocks.append(
                ContextBlock(
                    elements=[
                        MarkdownTextObject(
                            text=i18n.t(
                                "history_fed",
                                locale,
                                kpi=escape(local_name(value.name, value.names, locale)),
                                value=format_value(value.value, value.unit, locale),
                            )
                        )
                    ]
                )
            )
            continue
        if value.anchors:
            options = [Option(text=clip(f"{i + 1} – {a}", 75), value=str(i + 1)) for i, a in enumerate(value.anchors)]
            initial = next((o for o in options if value.value is not None and o.value == str(int(value.value))), None)
            element: Any = StaticSelectElement(action_id="value", options=options, initial_option=initial)
        else:
            element = NumberInputElement(
                action_id="value", is_decimal_allowed=True, initial_value=None if value.value is None else f"{value.value:g}"
            )
        blocks.append(
            InputBlock(
                block_id=f"kpi_{value.kpi_id}",
                label=clip(local_name(value.name, value.names, locale), 2000),
                element=element,
                optional=True,
            )
        )
    return View(
        type="modal",
        callback_id="history_form",
        private_metadata=sign(secret, f"{owner_id}:{week.key}"),
        title=i18n.t("history_form_title", locale),
        submit=i18n.t("form_submit", locale),
        close=i18n.t("form_cancel", locale),
        blocks=blocks,
    )


def on_history_edit(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    """The Edit button of a week: open the week's values in a modal, or say why not."""
    ack()
    services = services_of(context)
    key, trigger = payload.action_value(body), payload.trigger_id(body)
    person = clicker(services, slack_id=payload.user_id(body))
    if person is None:
        return
    try:
        found = week_to_edit(services, slack_id=person.slack_id, key=key)
    except Refusal as refusal:
        respond(text=refusal_text(refusal, person.locale), response_type="ephemeral", replace_original=False)
        return
    if found is None:
        return
    _, week = found
    view = history_modal(week, owner_id=person.id or 0, locale=person.locale, secret=secret_of(services))
    client.views_open(trigger_id=trigger, view=view)


def on_history_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """Save a week's edited values: inline errors and nothing saved, or every change in the audit trail."""
    services = services_of(context)
    values = payload.state_values(view)
    first = next(iter(values), "kpi")
    signed = verify(secret_of(services), payload.private_metadata(view)) or ""
    owner_id, _, key = signed.partition(":")
    person = clicker(services, slack_id=payload.user_id(body))
    locale = person.locale if person else None
    if person is None or not owner_id.isdigit() or int(owner_id) != person.id:
        ack(response_action="errors", errors={first: i18n.t("history_not_yours", locale)})
        return
    numbers: dict[int, float] = {}
    errors: dict[str, str] = {}
    for block_id in values:
        if not block_id.startswith("kpi_") or not block_id[4:].isdigit():
            continue
        state = payload.element(values, block_id, "value")
        if "selected_option" in state:
            raw = payload.selected(values, block_id, "value")
        else:
            raw = payload.input_text(values, block_id, "value")
        if raw.strip() == "":
            continue
        try:
            number = float(raw)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or len(block_id) > 22:
            errors[block_id] = i18n.t("form_not_number", locale)
        else:
            numbers[int(block_id[4:])] = number
    if errors:
        ack(response_action="errors", errors=errors)
        return
    try:
        changes = save_week(services, person=person, owner_id=int(owner_id), key=key, values=numbers)
    except Refusal as refusal:
        ack(response_action="errors", errors={first: refusal_text(refusal, locale)})
        return
    if changes:
        lines = "\n".join(
            f"• {escape(c.kpi)}: {format_value(c.previous, c.unit, person.locale)} → {format_value(c.value, c.unit, person.locale)}"
            for c in changes
        )
        notice = Notice("history_saved", {"week": key, "changes": lines})
    else:
        notice = Notice("history_unchanged", {"week": key})
    outgoing = [Outgoing(notice, person.locale)]
    to = Recipient(person.slack_id, person.dm_channel_id)
    ack()
    deliver(services, outgoing, services.gateway.dm(to))


def register(app: App) -> None:
    app.action("history_edit")(on_history_edit)
    app.view("history_form")(on_history_form)

"""`/kpi settings`: one's own check-in day and time, reminder delay, language and a pause; team defaults for managers.

Empty choices fall back a level (person -> team default -> organisation file,
see bot.schedule); bad input comes back inline and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import i18n
from bot.checkin import Outgoing
from bot.messages import Notice
from bot.ports import Recipient
from bot.schedule import REMINDER_CHOICES, Schedule
from bot.services import Services
from bot.use_cases.settings import SettingsPage, save_settings, settings_page
from handlers import payload
from handlers.context import services_of
from handlers.conversation import deliver
from handlers.render.escape import clip, escape
from storage.tables import Person

DEFAULT = "default"
WEEKDAY_KEYS = [
    i18n.N_("weekday_0"),
    i18n.N_("weekday_1"),
    i18n.N_("weekday_2"),
    i18n.N_("weekday_3"),
    i18n.N_("weekday_4"),
    i18n.N_("weekday_5"),
    i18n.N_("weekday_6"),
]


def _weekday_select(locale: str, current: int | None, default_label: str) -> StaticSelectElement:
    options = [Option(text=default_label, value=DEFAULT)] + [
        Option(text=i18n.t(WEEKDAY_KEYS[i], locale), value=str(i)) for i in range(7)
    ]
    initial = options[0] if current is None else options[current + 1]
    return StaticSelectElement(action_id="value", options=options, initial_option=initial)


def _reminder_select(locale: str, current: int | None, default_label: str) -> StaticSelectElement:
    choices = sorted({*REMINDER_CHOICES, *([current] if current is not None else [])})
    options = [Option(text=default_label, value=DEFAULT)] + [
        Option(text=i18n.t("settings_hours", locale, n=h), value=str(h)) for h in choices
    ]
    initial = options[0] if current is None else next(o for o in options if o.value == str(current))
    return StaticSelectElement(action_id="value", options=options, initial_option=initial)


def _text(value: str | None, placeholder: str) -> PlainTextInputElement:
    return PlainTextInputElement(action_id="value", initial_value=value or None, placeholder=placeholder)


def _describe(locale: str, weekday: int, at: str, hours: int) -> str:
    return f"{i18n.t(WEEKDAY_KEYS[weekday], locale)} {at}, " + i18n.t("settings_hours", locale, n=hours)


def settings_modal(page: SettingsPage) -> View:
    person = page.person
    locale = person.locale
    blocks: list[Block] = []
    if page.team_default is not None:
        effective = page.team_default  # the team's level, without personal choices
        blocks.append(
            SectionBlock(
                text=i18n.t(
                    "settings_intro",
                    locale,
                    default=_describe(locale, effective.weekday, effective.time, effective.reminder_hours),
                )
            )
        )
    label = i18n.t("settings_default", locale)
    blocks += [
        InputBlock(
            block_id="weekday",
            label=i18n.t("settings_weekday", locale),
            element=_weekday_select(locale, person.checkin_weekday, label),
        ),
        InputBlock(
            block_id="time", label=i18n.t("settings_time", locale), element=_text(person.checkin_time, "09:00"), optional=True
        ),
        InputBlock(
            block_id="reminder",
            label=i18n.t("settings_reminder", locale),
            element=_reminder_select(locale, person.reminder_after_hours, label),
        ),
        InputBlock(
            block_id="language", label=i18n.t("settings_language", locale), element=_language_select(locale, person.language)
        ),
        InputBlock(
            block_id="pause_from",
            label=i18n.t("settings_pause_from", locale),
            element=_text(person.away_from.isoformat() if person.away_from else None, "2026-12-24"),
            optional=True,
        ),
        InputBlock(
            block_id="pause_until",
            label=i18n.t("settings_pause_until", locale),
            element=_text(person.away_until.isoformat() if person.away_until else None, "2027-01-02"),
            optional=True,
        ),
    ]
    if page.holidays:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=i18n.t("settings_holidays", locale, code=escape(page.holidays)))])
        )
    file_label = i18n.t("settings_file_value", locale)
    for managed in page.managed[:5]:
        prefix = f"team{managed.id}_"
        blocks += [
            DividerBlock(),
            HeaderBlock(text=clip(i18n.t("settings_team_header", locale, team=managed.name), 150)),
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=i18n.t(
                            "settings_team_intro",
                            locale,
                            team=escape(managed.name),
                            default=_describe(
                                locale, managed.checkin_weekday, managed.checkin_time, managed.reminder_after_hours
                            ),
                        )
                    )
                ]
            ),
            InputBlock(
                block_id=f"{prefix}weekday",
                label=i18n.t("settings_weekday", locale),
                element=_weekday_select(locale, managed.default_weekday, file_label),
            ),
            InputBlock(
                block_id=f"{prefix}time",
                label=i18n.t("settings_time", locale),
                element=_text(managed.default_time, managed.checkin_time),
                optional=True,
            ),
            InputBlock(
                block_id=f"{prefix}reminder",
                label=i18n.t("settings_reminder", locale),
                element=_reminder_select(locale, managed.default_reminder_hours, file_label),
            ),
        ]
    return View(
        type="modal",
        callback_id="settings_form",
        title=i18n.t("settings_title", locale),
        submit=i18n.t("settings_save", locale),
        close=i18n.t("settings_cancel", locale),
        blocks=blocks,
    )


def _language_select(locale: str, current: str | None) -> StaticSelectElement:
    options = [
        Option(text=i18n.t("settings_slack_language", locale), value=DEFAULT),
        Option(text="English", value="en"),
        Option(text="中文", value="zh"),
    ]
    initial = next((o for o in options if o.value == (current or DEFAULT)), options[0])
    return StaticSelectElement(action_id="value", options=options, initial_option=initial)


def open_settings(services: Services, client: WebClient, person: Person, trigger_id: str) -> None:
    client.views_open(trigger_id=trigger_id, view=settings_modal(settings_page(services, person=person)))


def _field(values: dict[str, Any], block_id: str) -> str | None:
    """What the person chose or typed in a block; None for empty or "default". Malformed: BadRequest."""
    state = payload.element(values, block_id, "value")
    if "selected_option" in state:
        raw = payload.selected(values, block_id, "value")
    else:
        raw = payload.input_text(values, block_id, "value")
    raw = raw.strip()
    return None if raw in ("", DEFAULT) else raw


def on_settings_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """Validate everything, save everything or nothing (bot.use_cases.settings), confirm in the DM."""
    services = services_of(context)
    values = payload.state_values(view)
    saved = save_settings(
        services,
        slack_id=payload.user_id(body),
        blocks=set(values),
        read=lambda block_id: _field(values, block_id),
        now=services.clock(),
    )
    if saved.problems or saved.person is None:
        errors: dict[str, str] = {}
        for problem in saved.problems:
            errors.setdefault(problem.field, i18n.t(problem.key, saved.locale))
        ack(response_action="errors", errors=errors)
        return
    person = saved.person
    ack()
    to = Recipient(person.slack_id, person.dm_channel_id)
    deliver(services, [Outgoing(_saved(person, saved.schedule), person.locale)], services.gateway.dm(to))


def _saved(person: Person, schedule: Schedule | None) -> Notice:
    """The confirmation: the schedule that now applies (own choice, else team default, else the file) and any pause."""
    if schedule is None:
        return Notice("settings_saved", {"weekday": "–", "time": "–", "hours": "–", "pause": ""})
    pause = ""
    if person.away_until is not None:
        start = person.away_from or "–"
        pause = i18n.t("settings_saved_pause", person.locale, start=start, end=person.away_until)
    return Notice(
        "settings_saved",
        {
            "weekday": i18n.t(WEEKDAY_KEYS[schedule.weekday], person.locale),
            "time": schedule.time,
            "hours": schedule.reminder_hours,
            "pause": pause,
        },
    )


def register(app: App) -> None:
    app.view("settings_form")(on_settings_form)

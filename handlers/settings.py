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
from sqlmodel import Session, col, select

from bot import i18n
from bot.checkin import Outgoing
from bot.dates import read_date
from bot.messages import Notice
from bot.people import local_now
from bot.schedule import (
    REMINDER_CHOICES,
    PersonalChoice,
    SettingsError,
    TeamChoice,
    apply_personal,
    apply_team,
    check_personal,
    check_team,
    schedule_for,
)
from bot.services import Services
from handlers.context import services_of
from handlers.conversation import deliver
from handlers.render.escape import clip, escape
from storage.engine import session_scope
from storage.queries import person_by_slack_id
from storage.tables import Person, Team

DEFAULT = "default"
WEEKDAY_KEYS = [f"weekday_{i}" for i in range(7)]

i18n.register(
    {
        "weekday_0": {"en": "Monday", "zh": "周一"},
        "weekday_1": {"en": "Tuesday", "zh": "周二"},
        "weekday_2": {"en": "Wednesday", "zh": "周三"},
        "weekday_3": {"en": "Thursday", "zh": "周四"},
        "weekday_4": {"en": "Friday", "zh": "周五"},
        "weekday_5": {"en": "Saturday", "zh": "周六"},
        "weekday_6": {"en": "Sunday", "zh": "周日"},
        "settings_title": {"en": "Settings", "zh": "设置"},
        "settings_save": {"en": "Save", "zh": "保存"},
        "settings_cancel": {"en": "Cancel", "zh": "取消"},
        "settings_intro": {
            "en": "Your weekly check-in. Leave a choice on *team default* to follow your team ({default}).",
            "zh": "你的每周签到。选择“团队默认”即沿用团队设置（{default}）。",
        },
        "settings_default": {"en": "Team default", "zh": "团队默认"},
        "settings_weekday": {"en": "Check-in day", "zh": "签到日"},
        "settings_time": {
            "en": "Check-in time (HH:MM, your time zone; empty = team default)",
            "zh": "签到时间（HH:MM，你所在时区；留空即团队默认）",
        },
        "settings_reminder": {"en": "Reminder if I haven't answered", "zh": "未回复时提醒"},
        "settings_hours": {"en": "after {n} h", "zh": "{n} 小时后"},
        "settings_language": {"en": "Language", "zh": "语言"},
        "settings_slack_language": {"en": "Same as Slack", "zh": "与 Slack 相同"},
        "settings_pause_from": {
            "en": "Pause check-ins from (e.g. 24 Dec; empty = now)",
            "zh": "暂停签到，从（如 12月24日；留空即现在）",
        },
        "settings_pause_until": {"en": "Pause until, inclusive (empty = no pause)", "zh": "暂停到（含当天；留空即不暂停）"},
        "settings_holidays": {
            "en": "Public holidays ({code}) move a check-in to the next working day of its week; a week with none left is skipped.",
            "zh": "公共假期（{code}）会把签到顺延到本周下一个工作日；本周没有工作日时跳过该周。",
        },
        "settings_team_header": {"en": "Team default: {team}", "zh": "团队默认：{team}"},
        "settings_team_intro": {
            "en": "For everyone in {team} who has not chosen their own. Empty = the organisation file ({default}).",
            "zh": "适用于 {team} 中没有自行设置的成员。留空即沿用组织文件（{default}）。",
        },
        "settings_file_value": {"en": "Organisation file", "zh": "组织文件"},
        "settings_bad_weekday": {"en": "Pick a day from the list.", "zh": "请从列表中选择一天。"},
        "settings_bad_time": {"en": 'Use HH:MM, e.g. "09:30".', "zh": "请使用 HH:MM 格式，例如“09:30”。"},
        "settings_bad_reminder": {"en": "Pick a delay from the list.", "zh": "请从列表中选择。"},
        "settings_bad_language": {"en": "Pick a language from the list.", "zh": "请从列表中选择语言。"},
        "settings_bad_date": {
            "en": 'I couldn\'t read that date; try "24 Dec" or "2026-12-24".',
            "zh": "没看懂这个日期，试试“12月24日”或“2026-12-24”。",
        },
        "settings_pause_needs_end": {"en": "Say until when the pause lasts.", "zh": "请填写暂停到哪一天。"},
        "settings_pause_past": {"en": "That date has passed.", "zh": "这个日期已经过去。"},
        "settings_pause_order": {"en": "The pause ends before it starts.", "zh": "暂停的结束日期早于开始日期。"},
        "settings_saved": {
            "en": "Saved. Your check-in: {weekday} {time} (your time), reminder after {hours} h.{pause}",
            "zh": "已保存。你的签到：{weekday} {time}（你所在时区），{hours} 小时后提醒。{pause}",
        },
        "settings_saved_pause": {"en": " Paused from {start} to {end}.", "zh": "暂停：{start} 至 {end}。"},
    }
)


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


def managed_teams(session: Session, person: Person) -> list[Team]:
    """Teams whose defaults this person may set: the ones they manage directly."""
    return list(session.exec(select(Team).where(Team.manager_id == person.id).order_by(col(Team.name))).all())


def settings_modal(session: Session, person: Person) -> View:
    locale = person.locale
    team = session.get(Team, person.team_id) if person.team_id else None
    blocks: list[Block] = []
    if team is not None:
        effective = schedule_for(Person(slack_id="", name=""), team)  # the team's level, without personal choices
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
            element=_text(person.paused_from.isoformat() if person.paused_from else None, "2026-12-24"),
            optional=True,
        ),
        InputBlock(
            block_id="pause_until",
            label=i18n.t("settings_pause_until", locale),
            element=_text(person.paused_until.isoformat() if person.paused_until else None, "2027-01-02"),
            optional=True,
        ),
    ]
    holidays = person.holidays or (team.holidays if team else None)
    if holidays:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=i18n.t("settings_holidays", locale, code=escape(holidays)))])
        )
    file_label = i18n.t("settings_file_value", locale)
    for managed in managed_teams(session, person)[:5]:
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
    with session_scope(services.engine) as session:
        fresh = session.get(Person, person.id)
        if fresh is None:
            raise LookupError("the person was just read")
        view = settings_modal(session, fresh)
    client.views_open(trigger_id=trigger_id, view=view)


def _field(values: dict[str, Any], block_id: str) -> str | None:
    """What the person chose or typed in a block; None for empty or "default"."""
    field = (values.get(block_id) or {}).get("value") or {}
    raw = (field.get("selected_option") or {}).get("value") if "selected_option" in field else field.get("value")
    raw = (raw or "").strip()
    return None if raw in ("", DEFAULT) else raw


def _number(raw: str | None, block_id: str, problems: list[SettingsError], key: str) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        problems.append(SettingsError(block_id, key))
        return None


def on_settings_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """Validate everything, save everything or nothing, confirm in the DM."""
    services = services_of(context)
    values = view.get("state", {}).get("values", {})
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=body["user"]["id"])
        if person is None:
            ack(response_action="errors", errors={"weekday": i18n.t("not_in_org", None)})
            return
        locale = person.locale
        today = local_now(person, services.clock()).date()
        problems: list[SettingsError] = []
        dates = {}
        for block_id in ("pause_from", "pause_until"):
            raw = _field(values, block_id)
            dates[block_id] = read_date(raw, now=local_now(person, services.clock()), prefer="future") if raw else None
            if raw and dates[block_id] is None:
                problems.append(SettingsError(block_id, "settings_bad_date"))
        choice = PersonalChoice(
            weekday=_number(_field(values, "weekday"), "weekday", problems, "settings_bad_weekday"),
            time=_field(values, "time"),
            reminder_hours=_number(_field(values, "reminder"), "reminder", problems, "settings_bad_reminder"),
            language=_field(values, "language"),
            paused_from=dates["pause_from"],
            paused_until=dates["pause_until"],
        )
        if choice.paused_until is not None and choice.paused_from is None:
            choice.paused_from = today
        problems += check_personal(choice, today)
        team_choices: list[tuple[Team, TeamChoice]] = []
        for team in managed_teams(session, person):
            prefix = f"team{team.id}_"
            if f"{prefix}weekday" not in values:
                continue  # the modal was opened before this person managed the team
            team_choice = TeamChoice(
                weekday=_number(_field(values, f"{prefix}weekday"), f"{prefix}weekday", problems, "settings_bad_weekday"),
                time=_field(values, f"{prefix}time"),
                reminder_hours=_number(
                    _field(values, f"{prefix}reminder"), f"{prefix}reminder", problems, "settings_bad_reminder"
                ),
            )
            problems += check_team(team.id or 0, team_choice)
            team_choices.append((team, team_choice))
        if problems:
            errors: dict[str, str] = {}
            for problem in problems:
                errors.setdefault(problem.field, i18n.t(problem.key, locale))
            ack(response_action="errors", errors=errors)
            return
        apply_personal(person, choice)
        for team, team_choice in team_choices:
            apply_team(team, team_choice)
        session.flush()
        outgoing = [Outgoing(_saved(session, person), person.locale)]
        channel, slack_id = person.dm_channel_id, person.slack_id
    ack()
    deliver(services, outgoing, channel or services.gateway.open_dm(slack_id))


def _saved(session: Session, person: Person) -> Notice:
    team = session.get(Team, person.team_id) if person.team_id else None
    if team is None:
        return Notice("settings_saved", {"weekday": "–", "time": "–", "hours": "–", "pause": ""})
    schedule = schedule_for(person, team)
    pause = ""
    if person.paused_until is not None:
        start = person.paused_from.isoformat() if person.paused_from else "–"
        pause = i18n.t("settings_saved_pause", person.locale, start=start, end=person.paused_until.isoformat())
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

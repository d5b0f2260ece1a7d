"""Whose check-in goes out when: personal settings, team defaults, the organisation file, holidays, pauses.

Precedence (docs/settings.md): a person's own choice in /kpi settings wins,
then the team default a manager set in /kpi settings, then the organisation
file. The file only writes its own columns, so re-importing it never undoes
a choice made in Slack; clearing a choice in the modal falls back a level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from sqlmodel import Session, col, select

from bot.holiday_calendar import prompt_day
from bot.people import zone
from bot.periods import week_key, week_start
from storage.tables import Person, Team

TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
REMINDER_CHOICES = (2, 4, 8, 24, 48)
LANGUAGES = ("en", "zh")
T = TypeVar("T")


@dataclass(frozen=True)
class Schedule:
    """One person's effective check-in schedule."""

    weekday: int
    time: str
    reminder_hours: int
    holidays: str | None


def schedule_for(person: Person, team: Team) -> Schedule:
    """Personal setting > team default > organisation file, field by field."""
    return Schedule(
        weekday=_first(person.checkin_weekday, team.default_weekday, team.checkin_weekday),
        time=_first(person.checkin_time, team.default_time, team.checkin_time),
        reminder_hours=_first(person.reminder_after_hours, team.default_reminder_hours, team.reminder_after_hours),
        holidays=person.holidays or team.holidays,
    )


def _first(*values: T | None) -> T:
    for value in values:
        if value is not None:
            return value
    raise ValueError("the organisation file's value is never None")


def team_of(session: Session, person: Person) -> Team | None:
    return session.get(Team, person.team_id) if person.team_id else None


def managed_teams(session: Session, person: Person) -> list[Team]:
    """Teams whose defaults this person may set in /kpi settings: the ones they manage directly."""
    return list(session.exec(select(Team).where(Team.manager_id == person.id).order_by(col(Team.name))).all())


@dataclass(frozen=True)
class Due:
    """This week's prompt: its week, its moment (None when a holiday skips the week) and why it moved."""

    week: str
    moment: datetime | None
    planned: datetime
    holiday: str | None
    calendar: str | None = None  # the holiday's calendar code (CN, US-NY): readers see its name in their language

    @property
    def holiday_state(self) -> dict[str, dict[str, str]]:
        """What a check-in keeps about the holiday that moved or skipped it (shown in the prompt and in history)."""
        if self.holiday is None or self.calendar is None:
            return {}
        return {"holiday": {"calendar": self.calendar, "day": self.planned.date().isoformat()}}


def due_this_week(person: Person, team: Team, now: datetime) -> Due:
    """The week's prompt moment on the person's own clock, moved or skipped by public holidays."""
    schedule = schedule_for(person, team)
    local = now.astimezone(zone(person))
    hour, minute = (int(x) for x in schedule.time.split(":"))
    planned_day = week_start(local.date()) + timedelta(days=schedule.weekday)
    planned = datetime.combine(planned_day, time(hour, minute), tzinfo=zone(person))
    day, holiday = prompt_day(schedule.holidays, planned_day)
    moment = None if day is None else datetime.combine(day, time(hour, minute), tzinfo=zone(person))
    return Due(week_key(local.date()), moment, planned, holiday, schedule.holidays if holiday else None)


class SettingsError(ValueError):
    """A choice that cannot be saved; ``field`` is the modal block it belongs to."""

    def __init__(self, field: str, key: str) -> None:
        super().__init__(key)
        self.field, self.key = field, key


@dataclass
class PersonalChoice:
    """What the modal sends back; None means "use the team default"."""

    weekday: int | None = None
    time: str | None = None
    reminder_hours: int | None = None
    language: str | None = None
    paused_from: date | None = None
    paused_until: date | None = None


@dataclass
class TeamChoice:
    weekday: int | None = None
    time: str | None = None
    reminder_hours: int | None = None


def check_personal(choice: PersonalChoice, today: date) -> list[SettingsError]:
    """Every problem at once, each tied to its field, so the modal can show them inline."""
    problems = _check_common("", choice.weekday, choice.time, choice.reminder_hours)
    if choice.language is not None and choice.language not in LANGUAGES:
        problems.append(SettingsError("language", "settings_bad_language"))
    if choice.paused_from is not None and choice.paused_until is None:
        problems.append(SettingsError("pause_until", "settings_pause_needs_end"))
    if choice.paused_until is not None:
        if choice.paused_until < today:
            problems.append(SettingsError("pause_until", "settings_pause_past"))
        elif choice.paused_from is not None and choice.paused_from > choice.paused_until:
            problems.append(SettingsError("pause_until", "settings_pause_order"))
    return problems


def check_team(team_id: int, choice: TeamChoice) -> list[SettingsError]:
    return _check_common(f"team{team_id}_", choice.weekday, choice.time, choice.reminder_hours)


def _check_common(prefix: str, weekday: int | None, at: str | None, hours: int | None) -> list[SettingsError]:
    problems = []
    if weekday is not None and not 0 <= weekday <= 6:
        problems.append(SettingsError(f"{prefix}weekday", "settings_bad_weekday"))
    if at is not None and not TIME.match(at):
        problems.append(SettingsError(f"{prefix}time", "settings_bad_time"))
    if hours is not None and not 1 <= hours <= 72:
        problems.append(SettingsError(f"{prefix}reminder", "settings_bad_reminder"))
    return problems


def apply_personal(person: Person, choice: PersonalChoice, *, slack_locale: str | None = None) -> None:
    """Store the person's choices. Picking a language takes effect at once; "Slack's" goes back to it."""
    person.checkin_weekday = choice.weekday
    person.checkin_time = _normal_time(choice.time)
    person.reminder_after_hours = choice.reminder_hours
    # the same span as time off announced in a reply or with the I'm away button: one fact, one place
    person.away_from = choice.paused_from if choice.paused_until is not None else None
    person.away_until = choice.paused_until
    if choice.language != person.language:
        person.language = choice.language
        person.locale = locale_for(choice.language, slack_locale or person.locale)
        if choice.language is None:
            person.tz_checked_at = None  # back to Slack's language: the next tick reads it from users.info


def apply_team(team: Team, choice: TeamChoice) -> None:
    team.default_weekday = choice.weekday
    team.default_time = _normal_time(choice.time)
    team.default_reminder_hours = choice.reminder_hours


def locale_for(language: str | None, slack_locale: str) -> str:
    """The locale every surface reads (``person.locale``): the chosen language, else Slack's.

    Slack's profile refresh and user_change events go through this too, so a
    chosen language survives them.
    """
    if language == "zh":
        return "zh-CN"
    if language == "en":
        return slack_locale if slack_locale.lower().startswith("en") else "en-US"
    return slack_locale


def _normal_time(value: str | None) -> str | None:
    if value is None:
        return None
    hours, minutes = value.split(":")
    return f"{int(hours):02d}:{minutes}"

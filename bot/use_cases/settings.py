"""`/kpi settings`: what the form shows, and saving it: everything or nothing.

Choices are checked here (bot.schedule says what is allowed); each problem is
tied to its form field so the form can show them all inline at once. A
manager's team blocks count only for the teams they manage when they submit.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime

from bot.dates import read_date
from bot.people import local_now
from bot.schedule import (
    PersonalChoice,
    Schedule,
    SettingsError,
    TeamChoice,
    apply_personal,
    apply_team,
    check_personal,
    check_team,
    managed_teams,
    schedule_for,
    team_of,
)
from bot.services import Services
from storage.queries import person_by_slack_id
from storage.tables import Person, Team

Field = Callable[[str], str | None]  # a form field's choice or text by block id; None when empty or "default"


@dataclass
class SettingsPage:
    """What the settings form shows."""

    person: Person
    team_default: Schedule | None  # the team's level without personal choices; None without a team
    holidays: str | None  # the person's holiday calendar, else their team's
    managed: list[Team]  # teams whose defaults the person may set, by name


@dataclass
class SettingsSaved:
    """The form's outcome: ``problems`` (nothing saved) or the saved person and their effective schedule."""

    locale: str | None
    problems: list[SettingsError] = field(default_factory=list)
    person: Person | None = None
    schedule: Schedule | None = None  # None when the person has no team


def settings_page(services: Services, *, person: Person) -> SettingsPage:
    """The person's own choices (as stored now) and, for a manager, their teams' defaults."""
    with services.unit_of_work() as session:
        fresh = session.get(Person, person.id)
        if fresh is None:
            raise LookupError("the person was just read")
        team = team_of(session, fresh)
        default = schedule_for(Person(slack_id="", name=""), team) if team is not None else None
        return SettingsPage(fresh, default, fresh.holidays or (team.holidays if team else None), managed_teams(session, fresh))


def _number(raw: str | None, block_id: str, problems: list[SettingsError], key: str) -> int | None:
    """A whole number as our menus send it (ASCII digits); anything else is a problem of that field."""
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 4):
        problems.append(SettingsError(block_id, key))
        return None
    return int(raw)


def save_settings(services: Services, *, slack_id: str, blocks: Collection[str], read: Field, now: datetime) -> SettingsSaved:
    """Check every choice, then save them all (own and managed teams') or none.

    ``blocks`` are the form's block ids: a team missing from them was not
    managed by this person when the form opened, and keeps its defaults.
    Someone not in the organisation gets the problem "not_in_org".
    """
    with services.unit_of_work() as session:
        person = person_by_slack_id(session, slack_id=slack_id)
        if person is None:
            return SettingsSaved(None, [SettingsError("weekday", "not_in_org")])
        local = local_now(person, now)
        problems: list[SettingsError] = []
        dates = {}
        for block_id in ("pause_from", "pause_until"):
            raw = read(block_id)
            dates[block_id] = read_date(raw, now=local, prefer="future") if raw else None
            if raw and dates[block_id] is None:
                problems.append(SettingsError(block_id, "settings_bad_date"))
        choice = PersonalChoice(
            weekday=_number(read("weekday"), "weekday", problems, "settings_bad_weekday"),
            time=read("time"),
            reminder_hours=_number(read("reminder"), "reminder", problems, "settings_bad_reminder"),
            language=read("language"),
            paused_from=dates["pause_from"],
            paused_until=dates["pause_until"],
        )
        if choice.paused_until is not None and choice.paused_from is None:
            choice.paused_from = local.date()
        problems += check_personal(choice, local.date())
        team_choices: list[tuple[Team, TeamChoice]] = []
        for team in managed_teams(session, person):
            prefix = f"team{team.id}_"
            if f"{prefix}weekday" not in blocks:
                continue  # the form was opened before this person managed the team
            team_choice = TeamChoice(
                weekday=_number(read(f"{prefix}weekday"), f"{prefix}weekday", problems, "settings_bad_weekday"),
                time=read(f"{prefix}time"),
                reminder_hours=_number(read(f"{prefix}reminder"), f"{prefix}reminder", problems, "settings_bad_reminder"),
            )
            problems += check_team(team.id or 0, team_choice)
            team_choices.append((team, team_choice))
        if problems:
            return SettingsSaved(person.locale, problems)
        apply_personal(person, choice)
        for team, team_choice in team_choices:
            apply_team(team, team_choice)
        session.flush()
        own = team_of(session, person)
        return SettingsSaved(person.locale, person=person, schedule=schedule_for(person, own) if own is not None else None)

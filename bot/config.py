"""The one settings class: read from the environment, validated at start-up."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.engine import DEFAULT_DATABASE_URL

SLACK_API_DEFAULT = "https://slack.com/api/"
_PLACEHOLDERS = {"", "changeme", "xoxb-your-token", "xoxb-...", "xapp-...", "your-signing-secret", "secret"}


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


class Settings(BaseSettings):
    """Environment variables kpibot reads (documented in the README)."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    slack_bot_token: SecretStr | None = Field(default=None, description="Bot token, xoxb-...")
    slack_signing_secret: SecretStr | None = Field(default=None, description="Signing secret from Basic Information")
    slack_app_token: SecretStr | None = Field(default=None, description="App-level token xapp-...; enables Socket Mode")
    database_url: str = Field(default=DEFAULT_DATABASE_URL, description="SQLAlchemy URL of the database")
    slack_api_url: str = Field(default=SLACK_API_DEFAULT, description="Base URL of Slack's Web API")
    port: int = Field(default=3000, description="HTTP port for /slack/events")
    kpibot_post_rate: float = Field(default=20.0, description="Messages per second the bot sends at most (0 = no pacing)")
    kpibot_feedback_min_raters: int = Field(default=3, description="360 results shown from this many answers (never below 3)")
    kpibot_feedback_competencies: str = Field(
        default="collaboration,customer focus,ownership,innovation", description="360 competencies, comma-separated"
    )
    kpibot_source_rate: float = Field(default=60.0, description="Requests a minute each source system may push (0 = no limit)")
    kpibot_languages: str = Field(default="en,zh", description="Languages dateparser may use, comma-separated")

    def require_slack(self) -> None:
        """Refuse to serve with missing or placeholder tokens; never echo a token back."""
        problems: list[str] = []
        bot = _secret(self.slack_bot_token)
        if bot in _PLACEHOLDERS:
            problems.append("SLACK_BOT_TOKEN is not set (the bot token from OAuth & Permissions, xoxb-...)")
        elif problem := _token_problem(bot, "xoxb-", "a bot token", "the Bot User OAuth Token from OAuth & Permissions"):
            problems.append(f"SLACK_BOT_TOKEN does not look like a bot token: {problem}")
        if self.slack_app_token is None:
            signing = _secret(self.slack_signing_secret)
            if signing in _PLACEHOLDERS:
                problems.append("SLACK_SIGNING_SECRET is not set (Basic Information -> App Credentials)")
            elif not re.fullmatch(r"[A-Za-z0-9]{16,}", signing):
                problems.append("SLACK_SIGNING_SECRET looks malformed: it is a hex string of 32 characters")
        else:
            app_token = _secret(self.slack_app_token)
            if problem := _token_problem(app_token, "xapp-", "an app-level token", "Basic Information -> App-Level Tokens"):
                problems.append(f"SLACK_APP_TOKEN does not look like an app-level token: {problem}")
        if problems:
            raise ConfigError("kpibot cannot start:\n  - " + "\n  - ".join(problems))

    @property
    def feedback_competencies(self) -> list[str]:
        return [name.strip().lower() for name in self.kpibot_feedback_competencies.split(",") if name.strip()]

    @property
    def languages(self) -> list[str]:
        return [code.strip() for code in self.kpibot_languages.split(",") if code.strip()]


_OTHER_TOKENS = {
    "xoxp-": "a user token (xoxp-)",
    "xoxb-": "a bot token (xoxb-)",
    "xapp-": "an app-level token (xapp-)",
    "xoxe": "a token-rotation token (xoxe)",
}


def _token_problem(token: str, prefix: str, kind: str, where: str) -> str | None:
    """What is wrong with ``token`` (None when it looks right), without ever quoting it.

    A token that starts with the right prefix and is still refused must not be
    told "it must start with xoxb-": the person would stare at a prefix that is
    there. So the answer names the actual fault: another kind of token, quotes
    or spaces pasted with it, or too short to be one (e.g. a truncated copy).
    """
    if re.fullmatch(re.escape(prefix) + r"[A-Za-z0-9-]{8,}", token):
        return None
    again = f"copy {where} again"
    if token[:1] in {'"', "'"} or token[-1:] in {'"', "'"}:
        return f"it is wrapped in quotes; set it without them ({prefix}...)"
    if not token.startswith(prefix):
        for other, name in _OTHER_TOKENS.items():
            if other != prefix and token.startswith(other):
                return f"this is {name}, and kpibot needs {kind} ({prefix}...): {again}"
        return f"it must start with {prefix} ({where})"
    if re.search(r"\s", token):
        return f"it contains a space or line break; {again}"
    if not re.fullmatch(r"[A-Za-z0-9-]*", token):
        return f"it contains characters a Slack token never has (only letters, digits and -); {again}"
    return f"it is too short ({len(token)} characters; a real one has 50 or more), so it looks cut off; {again}"


def _secret(value: SecretStr | None) -> str:
    return "" if value is None else value.get_secret_value().strip()

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
        elif not re.fullmatch(r"xoxb-[A-Za-z0-9-]{8,}", bot):
            problems.append("SLACK_BOT_TOKEN does not look like a bot token: it must start with xoxb-")
        if self.slack_app_token is None:
            signing = _secret(self.slack_signing_secret)
            if signing in _PLACEHOLDERS:
                problems.append("SLACK_SIGNING_SECRET is not set (Basic Information -> App Credentials)")
            elif not re.fullmatch(r"[A-Za-z0-9]{16,}", signing):
                problems.append("SLACK_SIGNING_SECRET looks malformed: it is a hex string of 32 characters")
        else:
            app_token = _secret(self.slack_app_token)
            if not re.fullmatch(r"xapp-[A-Za-z0-9-]{8,}", app_token):
                problems.append("SLACK_APP_TOKEN does not look like an app-level token: it must start with xapp-")
        if problems:
            raise ConfigError("kpibot cannot start:\n  - " + "\n  - ".join(problems))

    @property
    def feedback_competencies(self) -> list[str]:
        return [name.strip().lower() for name in self.kpibot_feedback_competencies.split(",") if name.strip()]

    @property
    def languages(self) -> list[str]:
        return [code.strip() for code in self.kpibot_languages.split(",") if code.strip()]


def _secret(value: SecretStr | None) -> str:
    return "" if value is None else value.get_secret_value().strip()

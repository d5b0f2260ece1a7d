"""What the bot says, as plain data. handlers.render turns each into Block Kit.

Keeping messages as data means domain code and tests can see exactly what
would be said without building Slack blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Notice:
    """A short text message identified by an i18n key."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

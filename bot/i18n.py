"""User-facing text in English and Chinese; the person's Slack locale decides.

Keys, not sentences, live in the code; every key has both languages (a test
checks), so nobody gets half a translation.
"""

from __future__ import annotations

from typing import Any

TEXT: dict[str, dict[str, str]] = {
    "unknown_person": {
        "en": "Hi! I'm kpibot: I help teams keep their KPIs a weekly conversation. You are not in this workspace's organisation file yet, so I have nothing to track for you. {admins} can add you.",
        "zh": "你好！我是 kpibot，帮团队每周跟进 KPI。组织文件里还没有你，所以暂时没有需要跟踪的内容。请联系 {admins} 把你加进来。",
    },
    "no_admins": {"en": "your kpibot admin", "zh": "kpibot 管理员"},
    "sorry_error": {
        "en": "Sorry, something went wrong on my side and nothing was changed. Please try again in a minute.",
        "zh": "抱歉，我这边出了点问题，什么都没有改动。请稍后再试。",
    },
}


def lang(locale: str | None) -> str:
    """``zh`` for any Chinese locale (zh-CN, zh-TW...), else ``en``."""
    return "zh" if (locale or "").lower().startswith("zh") else "en"


def t(key: str, locale: str | None, **params: Any) -> str:
    """The text for ``key`` in the person's language, filled with ``params``."""
    entry = TEXT[key]
    return entry[lang(locale)].format(**params)


def register(texts: dict[str, dict[str, str]]) -> None:
    """Modules add their own texts at import time, keeping each feature's words beside its code."""
    for key, value in texts.items():
        if key in TEXT:
            raise KeyError(f"text key {key!r} defined twice")
        if set(value) != {"en", "zh"}:
            raise KeyError(f"text key {key!r} needs both en and zh")
        TEXT[key] = value

"""Escaping user text before it is shown in Slack.

Slack's mrkdwn treats ``<...>`` as control sequences (``<!channel>``,
``<@U123>``, ``<https://evil|click>``); escaping ``& < >`` as Slack documents
turns them into plain text, so nobody can smuggle a ping or a link into a
summary the bot posts.
"""

from __future__ import annotations


def escape(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` the way Slack's formatting docs require."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Shorten to ``limit`` characters for Block Kit's field limits, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"

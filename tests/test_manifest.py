"""app.yaml and the code stay in step: every listener is declared, no scope is unused."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).parent.parent
MANIFEST = yaml.safe_load((ROOT / "app.yaml").read_text())
SOURCE = "\n".join(p.read_text() for p in [*(ROOT / "handlers").rglob("*.py"), *(ROOT / "bot").rglob("*.py")])

# Web API methods the code may call, and the bot scopes each needs (empty: none). Reading a conversation needs the
# scope of its kind: a DM (im), a public channel (channels) or a private one (groups) -- a team channel may be private.
METHOD_SCOPES: dict[str, set[str]] = {
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "conversations_open": {"im:write"},
    "conversations_history": {"im:history", "channels:history", "groups:history"},  # a DM; a retro post after a crash
    "conversations_replies": {"channels:history", "groups:history"},  # a retro thread reply after a crash
    "users_info": {"users:read"},
    "views_open": set(),
    "views_update": set(),
    "views_publish": set(),
    "auth_test": set(),
    "files_upload_v2": {"files:write"},
}
EVENT_SCOPES = {"message.im": "im:history", "app_home_opened": None, "user_change": "users:read"}


def listened(kind: str) -> set[str]:
    return set(re.findall(rf'app\.{kind}\("([^"]+)"\)', SOURCE))


def test_every_event_listened_to_is_subscribed_and_back() -> None:
    events = listened("event")
    subscribed = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    as_manifest = {"message.im" if e == "message" else e for e in events}
    assert as_manifest == subscribed


def test_slash_commands_match() -> None:
    assert listened("command") == {c["command"] for c in MANIFEST["features"]["slash_commands"]}


def test_interactivity_is_on_when_there_are_actions_or_views() -> None:
    assert listened("action") and listened("view")
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True


def test_app_home_tabs() -> None:
    home = MANIFEST["features"]["app_home"]
    assert home["home_tab_enabled"] and home["messages_tab_enabled"] and not home["messages_tab_read_only_enabled"]


def test_scopes_are_exactly_what_the_code_needs() -> None:
    used_methods = {m for m in METHOD_SCOPES if re.search(rf"\.{m}\(", SOURCE)}
    events = {EVENT_SCOPES[e] for e in MANIFEST["settings"]["event_subscriptions"]["bot_events"]}
    needed = {s for m in used_methods for s in METHOD_SCOPES[m]} | {s for s in events if s is not None}
    needed |= {"commands"} if listened("command") else set()
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == needed
    unknown = set(re.findall(r"client\.(\w+)\(", SOURCE)) - set(METHOD_SCOPES)
    assert not unknown, f"add these Web API methods to METHOD_SCOPES: {unknown}"

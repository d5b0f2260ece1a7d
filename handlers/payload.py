"""Reading Slack payloads defensively: every value a listener uses comes through here.

Slack's payloads are signed, but a signed payload can still carry what no
button or modal of ours produced (a replayed or hand-made request, a view
from an older version of the app). Each reader checks presence and type and
raises ``BadRequest`` instead of KeyError/ValueError, so the listener answers
"that request looked wrong" and the log gets one line, not a traceback.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.refusal import BadRequest

_SLACK_ID = re.compile(r"[A-Z0-9]{2,32}")
_MAX_ID_DIGITS = 18  # fits a signed 64-bit integer column on every backend


def mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequest(what)
    return value


def text(value: Any, what: str, *, required: bool = True) -> str:
    """A string field; None/absent is "" unless ``required``."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise BadRequest(what)
    return value


def user_id(body: dict[str, Any]) -> str:
    """The acting user of an interaction payload (``user.id``)."""
    found = text(mapping(body.get("user"), "user").get("id"), "user.id")
    if not _SLACK_ID.fullmatch(found):
        raise BadRequest("user.id")
    return found


def numeric_id(value: Any, what: str = "id") -> int:
    """A database id as our buttons and modals carry it: decimal digits, nothing else."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= _MAX_ID_DIGITS:
        return int(value)
    raise BadRequest(what)


def action(body: dict[str, Any]) -> dict[str, Any]:
    """The clicked element (``actions[0]``)."""
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions:
        raise BadRequest("actions")
    return mapping(actions[0], "actions[0]")


def action_value(body: dict[str, Any]) -> str:
    """A button's ``value``."""
    return text(action(body).get("value"), "actions[0].value")


def selected_value(body: dict[str, Any]) -> str:
    """A menu's ``selected_option.value``."""
    return text(mapping(action(body).get("selected_option"), "selected_option").get("value"), "selected_option.value")


def trigger_id(body: dict[str, Any]) -> str:
    return text(body.get("trigger_id"), "trigger_id")


def message_location(body: dict[str, Any]) -> tuple[str, str]:
    """(channel id, message ts) of the message a button sits on."""
    container = mapping(body.get("container"), "container")
    return text(container.get("channel_id"), "container.channel_id"), text(container.get("message_ts"), "container.message_ts")


def message_blocks(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The blocks of the message a button sits on ([] for a button in a modal or a malformed payload)."""
    message = body.get("message")
    blocks = message.get("blocks") if isinstance(message, dict) else None
    return [b for b in blocks if isinstance(b, dict)] if isinstance(blocks, list) else []


def state_values(view: dict[str, Any]) -> dict[str, Any]:
    """``view.state.values``: block id -> action id -> element state."""
    state = mapping(view.get("state"), "view.state")
    return mapping(state.get("values", {}), "view.state.values")


def element(values: dict[str, Any], block: str, action_id: str) -> dict[str, Any]:
    """One element's state; an absent block (an optional field left out) reads as empty."""
    found = values.get(block, {})
    if not isinstance(found, dict):
        raise BadRequest(block, field=block)
    state = found.get(action_id, {})
    if not isinstance(state, dict):
        raise BadRequest(block, field=block)
    return state


def input_text(values: dict[str, Any], block: str, action_id: str) -> str:
    """A plain-text input's value ("" when left empty or absent)."""
    raw = element(values, block, action_id).get("value")
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise BadRequest(block, field=block)
    return raw


def selected(values: dict[str, Any], block: str, action_id: str) -> str:
    """A select's chosen value ("" when nothing is chosen)."""
    option = element(values, block, action_id).get("selected_option")
    if option is None:
        return ""
    found = mapping(option, block).get("value")
    if not isinstance(found, str):
        raise BadRequest(block, field=block)
    return found


def selected_many(values: dict[str, Any], block: str, action_id: str) -> list[str]:
    """A multi-select's chosen values (``[]`` when nothing is chosen)."""
    options = element(values, block, action_id).get("selected_options")
    if options is None:
        return []
    if not isinstance(options, list):
        raise BadRequest(block, field=block)
    found = [mapping(option, block).get("value") for option in options]
    if not all(isinstance(value, str) for value in found):
        raise BadRequest(block, field=block)
    return [str(value) for value in found]


def picked_date(values: dict[str, Any], block: str, action_id: str) -> date | None:
    """A date picker's ``selected_date`` (None when nothing is picked)."""
    raw = element(values, block, action_id).get("selected_date")
    if raw is None:
        return None
    try:
        return date.fromisoformat(text(raw, block))
    except ValueError as exc:
        raise BadRequest(block, field=block) from exc


def private_metadata(view: dict[str, Any]) -> str:
    return text(view.get("private_metadata"), "view.private_metadata", required=False)


def optional_id(value: Any) -> int | None:
    """A database id, or None for anything else (the caller then answers "not yours")."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= _MAX_ID_DIGITS:
        return int(value)
    return None

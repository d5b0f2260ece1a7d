"""Modal input blocks, built one way for every form (setup, next steps, blocker comments, dropped items).

Each form used to spell out ``InputBlock(... PlainTextInputElement(...))`` itself;
one builder keeps the limits Slack enforces in one place: a label is cut to
what Slack accepts, an option's text to 75 characters, an empty initial value
is left out (Slack refuses ``""``) and a select's initial option is only set
when it is one of the options.
"""

from __future__ import annotations

from collections.abc import Iterable

from slack_sdk.models.blocks import (
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticMultiSelectElement,
    StaticSelectElement,
)

from handlers.render.escape import clip

LABEL_MAX = 2000
HINT_MAX = 2000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
MAX_OPTIONS = 100


def option(text: str, value: str) -> Option:
    """A select option; the shown text is cut to Slack's 75 characters (the value must already fit)."""
    return Option(text=clip(text, OPTION_TEXT_MAX), value=value)


def text_input(
    block_id: str,
    label: str,
    *,
    max_length: int,
    initial: str | None = None,
    multiline: bool = False,
    optional: bool = False,
    hint: str | None = None,
    action_id: str = "v",
) -> InputBlock:
    """A plain-text field; ``max_length`` is required so no form forgets to bound what people type."""
    element = PlainTextInputElement(
        action_id=action_id, initial_value=initial or None, max_length=max_length, multiline=multiline
    )
    return InputBlock(
        block_id=block_id,
        label=clip(label, LABEL_MAX),
        optional=optional,
        element=element,
        hint=clip(hint, HINT_MAX) if hint else None,
    )


def select_input(
    block_id: str,
    label: str,
    options: list[Option],
    *,
    initial: str | None = None,
    optional: bool = True,
    hint: str | None = None,
    action_id: str = "v",
) -> InputBlock:
    """A single-choice menu; ``initial`` is the value to pre-select (ignored when not among the options)."""
    options = options[:MAX_OPTIONS]
    chosen = next((o for o in options if o.value == initial), None)
    return InputBlock(
        block_id=block_id,
        label=clip(label, LABEL_MAX),
        optional=optional,
        element=StaticSelectElement(action_id=action_id, options=options, initial_option=chosen),
        hint=clip(hint, HINT_MAX) if hint else None,
    )


def multi_select_input(
    block_id: str,
    label: str,
    options: list[Option],
    *,
    initial: Iterable[str] = (),
    optional: bool = True,
    hint: str | None = None,
    action_id: str = "v",
) -> InputBlock:
    """A several-choice menu; ``initial`` are the values to pre-select (those not among the options are dropped)."""
    options = options[:MAX_OPTIONS]
    wanted = set(initial)
    chosen = [o for o in options if o.value in wanted]
    return InputBlock(
        block_id=block_id,
        label=clip(label, LABEL_MAX),
        optional=optional,
        element=StaticMultiSelectElement(action_id=action_id, options=options, initial_options=chosen or None),
        hint=clip(hint, HINT_MAX) if hint else None,
    )

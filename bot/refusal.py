"""The one way the domain says no: a reason key (an i18n text) and the values that text needs.

A refusal is an expected outcome (not yours, not allowed, malformed input), not
a crash: listeners answer it politely and it is logged without a traceback.
Every feature raises this one type (a feature's own name for it is at most a
plain subclass, kept for readability), and one place in handlers/ words it
(``handlers.errors.refusal_text``): plain strings in ``params`` are user data
and get escaped there; ``Mentions`` and ``Names`` are lists that are joined
the Slack way, or replaced by an "empty" text in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mentions:
    """Slack user ids shown as mentions; ``empty`` is the text id used when there are none."""

    slack_ids: tuple[str, ...]
    empty: str


@dataclass(frozen=True)
class Names:
    """Names (user data, escaped when shown) joined with commas; ``empty`` when there are none."""

    names: tuple[str, ...]
    empty: str


class Refusal(Exception):  # noqa: N818  (a refusal with a reason key, not an error)
    """Why something was not done; ``key`` is an i18n key, ``params`` fill its placeholders.

    ``field`` names the modal block to show the message under, when the
    handler knows one (see ``handlers.errors.shown_under``).
    """

    field: str | None = None

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key, self.params = key, params


class BadRequest(Refusal):
    """A payload that is not what the app sent or Slack sends: missing fields, wrong types, forged ids.

    ``field`` names the modal block to show the message under, when there is one.
    """

    def __init__(self, what: str, *, field: str | None = None) -> None:
        super().__init__("bad_request")
        self.what, self.field = what, field

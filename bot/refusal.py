"""The one way the domain says no: a reason key (an i18n text) and the values that text needs.

A refusal is an expected outcome (not yours, not allowed, malformed input), not
a crash: listeners answer it politely and it is logged without a traceback.
"""

from __future__ import annotations


class Refusal(Exception):  # noqa: N818  (a refusal with a reason key, not an error)
    """Why something was not done; ``key`` is an i18n key, ``params`` fill its placeholders."""

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

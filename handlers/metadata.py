"""Signed private_metadata for modals: what the app put in a view is what comes back, or it is refused.

A view_submission is signed by Slack, but its private_metadata is whatever
the client sends; signing it (HMAC with the app's signing secret) means an
edited id cannot redirect a submission to someone else's record.
"""

from __future__ import annotations

import hashlib
import hmac

from bot.services import Services


def sign(secret: str, payload: str) -> str:
    """``payload.signature``: private_metadata the app can trust when it comes back."""
    mac = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{payload}.{mac}"


def verify(secret: str, metadata: str) -> str | None:
    """The payload when the signature is right, else None."""
    payload = metadata.rpartition(".")[0]
    return payload if payload and hmac.compare_digest(sign(secret, payload), metadata) else None


def secret_of(services: Services) -> str:
    value = services.settings.slack_signing_secret
    return value.get_secret_value() if value else "kpibot"

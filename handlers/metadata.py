"""Signed private_metadata for modals: what the app put in a view is what comes back, or it is refused.

A view_submission is signed by Slack, but its private_metadata is whatever
the client sends; signing it (HMAC with the app's signing secret, or a generated key when there is none) means an
edited id cannot redirect a submission to someone else's record.
"""

from __future__ import annotations

import hashlib
import hmac

from bot.services import Services
from bot.signing import metadata_secret

MAX_METADATA = 3000  # Slack keeps this many characters of private_metadata


def sign(secret: str, payload: str) -> str:
    """``payload.signature``: private_metadata the app can trust when it comes back.

    Never cut a signed value to fit: a cut signature never verifies. A payload
    too long for Slack is a bug in the caller, so it fails loudly here.
    """
    mac = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]
    signed = f"{payload}.{mac}"
    if len(signed) > MAX_METADATA:
        raise ValueError(f"signed metadata of {len(signed)} characters; Slack keeps {MAX_METADATA}")
    return signed


def verify(secret: str, metadata: str) -> str | None:
    """The payload when the signature is right, else None."""
    if not isinstance(metadata, str) or len(metadata) > MAX_METADATA:
        return None
    payload = metadata.rpartition(".")[0]
    return payload if payload and hmac.compare_digest(sign(secret, payload), metadata) else None


def secret_of(services: Services) -> str:
    """The signing secret, or the generated key stored in the database (see bot/signing.py)."""
    return metadata_secret(services)

"""The key that signs modal private_metadata: the signing secret, or a generated one that always exists.

Without a signing secret (Socket Mode needs none) the metadata key used to be
a constant anyone could read in the source; now it is 32 random bytes,
generated on first start and stored in the database, so every replica signs
and verifies with the same key and a restart does not break open modals.
"""

from __future__ import annotations

import secrets

from bot.services import Services
from storage.engine import session_scope
from storage.queries import app_secret

NAME = "metadata"


def metadata_secret(services: Services) -> str:
    """The key for signed metadata; read (or created) once per process."""
    configured = services.settings.slack_signing_secret
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value()
    if services.metadata_secret is None:
        with session_scope(services.engine) as session:
            services.metadata_secret = app_secret(session, name=NAME, candidate=secrets.token_hex(32))
    return services.metadata_secret

"""The composition root: the one place that wires Slack, the domain and storage together."""

from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient

from bot.config import Settings
from bot.people import dm_channel_store
from bot.services import Services
from bot.signing import metadata_secret
from handlers import register
from handlers.context import services_middleware
from handlers.errors import on_error
from handlers.gateway import SlackGateway, make_client
from storage.engine import make_engine

log = logging.getLogger("kpibot")


def create_services(settings: Settings, client: WebClient | None = None) -> Services:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    client = client or make_client(token, settings.slack_api_url)
    engine = make_engine(settings.database_url)
    gateway = SlackGateway(client, post_rate=settings.kpibot_post_rate or None, remember_dm=dm_channel_store(engine))
    return Services(settings=settings, engine=engine, gateway=gateway)


def create_app(settings: Settings, services: Services | None = None, *, executor: Executor | None = None) -> App:
    """A Bolt app for ``settings``. process_before_response: acks return at once, slow work is lazy.

    ``executor`` runs the lazy listeners; pass one to be able to wait for them (tests, the demo).
    """
    services = services or create_services(settings)
    metadata_secret(services)  # generated and stored on the first start without a signing secret
    gateway = services.gateway
    client: WebClient = gateway.client  # type: ignore[attr-defined]
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else "",
        process_before_response=True,
        token_verification_enabled=False,
        listener_executor=executor or ThreadPoolExecutor(max_workers=8, thread_name_prefix="kpibot-lazy"),
    )
    app.use(services_middleware(services))
    app.error(on_error)
    register(app)
    return app

"""The app factory: explicit routes and middleware, and a lifespan that owns the connections."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from arq import create_pool
from arq.connections import RedisSettings
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount

from porchlight.insight.page_views import ViewTally
from porchlight.platform.db import database
from porchlight.platform.redis_version import UnsupportedRedis, require_supported_redis
from porchlight.platform.settings import Settings
from portal import (
    admin,
    brand_assets,
    demo_index,
    hooks,
    messaging_hooks,
    ops,
    outbox,
    shopify_hooks,
)
from portal.admin import import_page, look_page
from portal.agent import auth, case_page, desk, kpi_page, queue, welcome
from portal.api import contacts, orders, track
from portal.api.openapi import openapi_route
from portal.api.payload import API_BODY_LIMIT
from portal.assets import static_routes
from portal.body import FORM_LIMIT
from portal.door import Door
from portal.errors import http_error
from portal.security import BodyLimits
from portal.shopper import (
    delivery,
    lookup,
    order_page,
    preferences,
    problems,
    ratings,
    unsubscribe,
)
from portal.state import AppState

VIEW_PUSH_SECONDS = 1.0


def _outbox_viewer(settings: Settings) -> bool:
    """Only where it is asked for: the outbox holds every brand's order and unsubscribe links."""
    return settings.outbox_viewer and "outbox" in (settings.email_backend, settings.sms_backend)


def create_app(settings: Settings) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        async with database(settings.database_url):
            arq = await create_pool(RedisSettings.from_dsn(settings.redis_url))
            try:
                await require_supported_redis(arq)
            except UnsupportedRedis:
                await arq.aclose()
                raise
            views = ViewTally()
            pusher = asyncio.create_task(views.push_every(arq, VIEW_PUSH_SECONDS))
            try:
                yield {"app": AppState(settings=settings, arq=arq, views=views)}
            finally:
                pusher.cancel()
                with suppress(asyncio.CancelledError):
                    await pusher
                await views.push(arq)
                await arq.aclose()

    https = settings.public_base_url.startswith("https://")
    api_routes = [*orders.routes, *track.routes, *contacts.routes]
    api = Mount("/api/v1", routes=api_routes)
    # Shopper routes first: what peak traffic asks for is matched before the rest is tried.
    routes = [
        *order_page.routes,
        *ops.routes,
        *preferences.routes,
        *problems.routes,
        *delivery.routes,
        *lookup.routes,
        *unsubscribe.routes,
        *ratings.routes,
        *hooks.routes,
        *messaging_hooks.routes,
        *shopify_hooks.routes,
        api,
        openapi_route(api_routes),
        *auth.routes,
        *welcome.routes,
        *queue.routes,
        *case_page.routes,
        *desk.routes,
        *kpi_page.routes,
        *admin.routes,
        *(outbox.routes if _outbox_viewer(settings) else []),
        *brand_assets.routes,
        *(demo_index.routes if settings.demo_index else []),
        *static_routes(),
    ]
    limits = BodyLimits(
        default=FORM_LIMIT,
        larger=[
            (api, API_BODY_LIMIT),
            *(
                (r, settings.max_webhook_bytes)
                for r in [*hooks.routes, *messaging_hooks.routes, *shopify_hooks.routes]
            ),
            *((r, problems.BODY_LIMIT) for r in problems.routes),
            *((r, look_page.LOGO_BODY_LIMIT) for r in look_page.upload_routes),
            *((r, import_page.CSV_BODY_LIMIT) for r in import_page.upload_routes),
        ],
    )
    middleware = [
        # Outside the door: a body refused there for its size is shown on the error page,
        # which (like every page) carries the session's CSRF token.
        Middleware(
            SessionMiddleware,
            secret_key=settings.secret_key.get_secret_value(),
            session_cookie="porchlight_session",
            same_site="lax",
            https_only=https,
        ),
        Middleware(Door, limits=limits, hsts=https, log_sample=settings.request_log_sample),
    ]
    return Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error},
    )

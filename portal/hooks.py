"""Inbound aggregator webhooks: verify, store, enqueue, answer. Nothing slow in the request.

Each aggregator has a deployment-wide route (`/hooks/easypost`, secret from the settings) and
one per brand (`/hooks/easypost/<brand>`, secret of the brand's own connected account). A
brand's route takes scans only for tracking numbers no other brand holds: one brand's
aggregator account cannot move another brand's parcels."""

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from porchlight.accounts.brands import brand_by_slug
from porchlight.carriers import aftership, easypost, shippo
from porchlight.carriers.base import CarrierAdapter, MalformedPayload, NormalizedEvent
from porchlight.connectors.accounts import aggregator_webhook_secret
from porchlight.models import Brand, Shipment
from porchlight.platform.metrics import EVENTS_RECEIVED, WEBHOOKS
from porchlight.tracking import intake
from portal.body import BodyTooLarge, error, read_limited, too_large, unsigned
from portal.state import app_state

Verifier = Callable[[Request, bytes], Awaitable[bool]]


async def _foreign(brand: Brand, events: list[NormalizedEvent]) -> set[str]:
    numbers = {event.tracking_number for event in events}
    taken = Shipment.filter(tracking_number__in=numbers).exclude(brand=brand)
    return {str(number) for number in await taken.values_list("tracking_number", flat=True)}


async def _intake(
    adapter: CarrierAdapter, request: Request, verified: Verifier, brand: Brand | None = None
) -> Response:
    state = app_state(request)
    try:
        body = await read_limited(request, state.settings.max_webhook_bytes)
    except BodyTooLarge as exc:
        return too_large(exc)
    if not await verified(request, body):
        WEBHOOKS.labels(adapter.source, "unauthenticated").inc()
        return unsigned()
    try:
        events = adapter.parse(body)
    except MalformedPayload as exc:
        WEBHOOKS.labels(adapter.source, "malformed").inc()
        return error(400, str(exc))
    ignored = 0
    if brand is not None and events:
        foreign = await _foreign(brand, events)
        kept = [event for event in events if event.tracking_number not in foreign]
        ignored, events = len(events) - len(kept), kept
    await intake.store(events)
    WEBHOOKS.labels(adapter.source, "accepted").inc()
    EVENTS_RECEIVED.labels(adapter.source).inc(len(events))
    await intake.enqueue_follow_up(state.arq, events)
    return JSONResponse({"accepted": len(events), **({"ignored": ignored} if ignored else {})})


def webhook(adapter: CarrierAdapter) -> list[Route]:
    async def with_settings(request: Request, body: bytes) -> bool:
        settings = app_state(request).settings
        return adapter.verify(settings, request.headers, request.query_params, body)

    async def endpoint(request: Request) -> Response:
        return await _intake(adapter, request, with_settings)

    async def brand_endpoint(request: Request) -> Response:
        brand = await brand_by_slug(request.path_params["brand"])

        async def with_account(request: Request, body: bytes) -> bool:
            if brand is None:
                return False
            settings = app_state(request).settings
            secret = await aggregator_webhook_secret(settings, brand, adapter.source)
            return adapter.verify_with(secret, request.headers, request.query_params, body)

        return await _intake(adapter, request, with_account, brand)

    name = adapter.source.value
    return [
        Route(f"/hooks/{name}", endpoint, methods=["POST"], name=f"hook_{name}"),
        Route(
            f"/hooks/{name}/{{brand:str}}",
            brand_endpoint,
            methods=["POST"],
            name=f"hook_{name}_brand",
        ),
    ]


routes = [*webhook(easypost.adapter), *webhook(aftership.adapter), *webhook(shippo.adapter)]

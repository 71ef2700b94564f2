"""Inbound aggregator webhooks: verify, store, enqueue, answer. Nothing slow in the request."""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from porchlight.carriers import aftership, easypost, shippo
from porchlight.carriers.base import CarrierAdapter, MalformedPayload
from porchlight.platform.metrics import EVENTS_RECEIVED, WEBHOOKS
from porchlight.tracking import intake
from portal.body import BodyTooLarge, error, read_limited, too_large, unsigned
from portal.state import app_state


def webhook(adapter: CarrierAdapter) -> Route:
    async def endpoint(request: Request) -> Response:
        state = app_state(request)
        try:
            body = await read_limited(request, state.settings.max_webhook_bytes)
        except BodyTooLarge as exc:
            return too_large(exc)
        if not adapter.verify(state.settings, request.headers, request.query_params, body):
            WEBHOOKS.labels(adapter.source, "unauthenticated").inc()
            return unsigned()
        try:
            events = adapter.parse(body)
        except MalformedPayload as exc:
            WEBHOOKS.labels(adapter.source, "malformed").inc()
            return error(400, str(exc))
        await intake.store(events)
        WEBHOOKS.labels(adapter.source, "accepted").inc()
        EVENTS_RECEIVED.labels(adapter.source).inc(len(events))
        await intake.enqueue_follow_up(state.arq, events)
        return JSONResponse({"accepted": len(events)})

    return Route(
        f"/hooks/{adapter.source}", endpoint, methods=["POST"], name=f"hook_{adapter.source}"
    )


routes = [webhook(easypost.adapter), webhook(aftership.adapter), webhook(shippo.adapter)]

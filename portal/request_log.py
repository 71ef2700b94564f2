"""One structured log line per request, tagged with a request id (taken from X-Request-ID when a
proxy set one), echoed back in the response so a shopper's complaint can be traced."""

import logging
import re
import secrets
import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from porchlight.platform.logs import correlation_id
from porchlight.platform.metrics import REQUEST_SECONDS

log = logging.getLogger("porchlight.request")
SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


# The segment after `o/`, `unsubscribe/`, `rate/` or `welcome/` (an invitation) is a link's secret,
# wherever the path puts it: a mistyped link (`/o/<token>/nope`, `/o/<token>/`) matches no route
# and must not leak it either.
SECRET_SEGMENT = re.compile(r"(?<![^/])(o|unsubscribe|rate|welcome)/[^/]+")


def _loggable_path(scope: Scope) -> str:
    """The path without the secret of an order, unsubscribe or rating link, which lets anyone
    who reads the logs open the shopper's page. Never the query string either."""
    return SECRET_SEGMENT.sub(r"\1/{token}", scope["path"])


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if SAFE_ID.match(incoming) else secrets.token_hex(8)
        token = correlation_id.set(request_id)
        started = time.perf_counter()
        status = 500

        async def tagged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            name = getattr(route, "path", "unmatched")
            REQUEST_SECONDS.labels(name).observe(elapsed)
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": _loggable_path(scope),
                    # After uvicorn's proxy headers: a configured proxy's X-Forwarded-For.
                    "client": scope["client"][0] if scope.get("client") else None,
                    "route": name,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )
            correlation_id.reset(token)

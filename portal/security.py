"""At the door: headers every response carries (a strict CSP: assets are served from here,
never a CDN; HSTS where the portal is served over https), URLs with a NUL refused, and request
bodies capped before they are read."""

from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.body import BodyTooLarge
from portal.errors import http_error

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
# A year, for the brand's tracking host alone: no includeSubDomains, since a brand may serve on
# a retailer's own domain, whose other hosts are not ours to force onto https.
HSTS = "max-age=31536000"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.headers = {**HEADERS, "Strict-Transport-Security": HSTS} if hsts else HEADERS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


class RefuseNul:
    """A NUL in the URL is never meant (PostgreSQL cannot even compare against one): refuse it
    at the door rather than in every route. Bodies are checked where they are parsed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            b"%00" in scope.get("query_string", b"") or "\x00" in scope["path"]
        ):
            response = JSONResponse({"error": "the URL contains a NUL character"}, 400)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BodyLimit:
    """No request body larger than its route allows reaches the app (413): refused on its
    Content-Length before a byte is read, and counted as a chunked one streams in. Forms get
    `default`; the routes in `larger` (the API, webhooks, the photo report) their own.
    Without it a form was parsed whole before its CSRF token was looked at: 8 parallel 190 MB
    forms took a portal from 99 MB to 991 MB."""

    def __init__(
        self, app: ASGIApp, *, default: int, larger: Sequence[tuple[BaseRoute, int]] = ()
    ) -> None:
        self.app = app
        self.default = default
        self.larger = larger

    def limit_for(self, scope: Scope) -> int:
        for route, limit in self.larger:
            if route.matches(scope)[0] is Match.FULL:
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is None and b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)  # no body (HTTP/1.1 has no third way)
            return
        size = None  # unknown (chunked, or a Content-Length that is no number): counted
        if declared is not None and declared.isdigit():
            # int() refuses 4,300 digits; 19 already say more than any limit allows
            size = int(declared[:19])
        # Only a body that may be bigger than a form needs its route looked up.
        small = size is not None and size <= self.default
        limit = self.default if small else self.limit_for(scope)
        if size is not None and size > limit:
            response = await http_error(Request(scope), BodyTooLarge(limit))
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)

"""What the door (`portal.door`) holds against: headers every response carries (a strict CSP:
assets are served from here, never a CDN; HSTS where the portal is served over https), URLs
with a NUL, and request bodies larger than their route allows."""

from collections.abc import Sequence

from starlette.routing import BaseRoute, Match
from starlette.types import Scope

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


def security_headers(hsts: bool) -> list[tuple[bytes, bytes]]:
    """The headers as ASGI sends them (lower-case names), HSTS only over https."""
    headers = {**HEADERS, "Strict-Transport-Security": HSTS} if hsts else HEADERS
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


def nul_in_url(scope: Scope) -> bool:
    """A NUL in the URL is never meant (PostgreSQL cannot even compare against one): refused at
    the door rather than in every route. Bodies are checked where they are parsed."""
    return b"%00" in scope.get("query_string", b"") or "\x00" in scope["path"]


class BodyLimits:
    """No request body larger than its route allows reaches the app (413): refused on its
    Content-Length before a byte is read, and counted as a chunked one streams in. Forms get
    `default`; the routes in `larger` (the API, webhooks, the photo report) their own.
    Without it a form was parsed whole before its CSRF token was looked at: 8 parallel 190 MB
    forms took a portal from 99 MB to 991 MB."""

    def __init__(self, *, default: int, larger: Sequence[tuple[BaseRoute, int]] = ()) -> None:
        self.default = default
        self.larger = larger

    def limit_for(self, scope: Scope) -> int:
        for route, limit in self.larger:
            if route.matches(scope)[0] is Match.FULL:
                return limit
        return self.default

    def of(self, declared: bytes | None) -> tuple[int | None, int | None]:
        """(the body's declared size, or None: counted as it streams; the limit, or None: only
        the route knows it)."""
        size = None  # unknown (chunked, or a Content-Length that is no number): counted
        if declared is not None and declared.isdigit():
            # int() refuses 4,300 digits; 19 already say more than any limit allows
            size = int(declared[:19])
        # Only a body that may be bigger than a form needs its route looked up.
        small = size is not None and size <= self.default
        return size, self.default if small else None

"""Bearer API keys: each key speaks for exactly one brand."""

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from porchlight.apikeys import brand_for_key
from porchlight.models import Brand
from portal.body import error

BrandEndpoint = Callable[[Request, Brand], Awaitable[Response]]


def requires_api_key(endpoint: BrandEndpoint) -> Callable[[Request], Awaitable[Response]]:
    @functools.wraps(endpoint)
    async def wrapped(request: Request) -> Response:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        brand = await brand_for_key(key.strip()) if scheme.lower() == "bearer" else None
        if brand is None:
            return error(401, "missing or invalid API key", hint="Authorization: Bearer <key>")
        return await endpoint(request, brand)

    return wrapped

"""Bearer API keys: each key speaks for exactly one brand, and only within its scopes."""

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from porchlight.accounts.apikeys import usable_key
from porchlight.enums import Scope
from porchlight.models import Brand
from portal.body import error

BrandEndpoint = Callable[[Request, Brand], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]

# Each guarded endpoint's scope, for the OpenAPI document (portal/api/openapi.py).
REQUIRED_SCOPE: dict[Endpoint, Scope] = {}


def requires_api_key(scope: Scope) -> Callable[[BrandEndpoint], Endpoint]:
    """A valid key (else 401) that holds `scope` (else 403 naming it)."""

    def guard(endpoint: BrandEndpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def wrapped(request: Request) -> Response:
            scheme, _, key = request.headers.get("authorization", "").partition(" ")
            api_key = await usable_key(key.strip()) if scheme.lower() == "bearer" else None
            if api_key is None:
                return error(401, "missing or invalid API key", hint="Authorization: Bearer <key>")
            if not api_key.allows(scope):
                return error(403, f"this API key lacks the scope {scope}", missing_scope=scope)
            return await endpoint(request, api_key.brand)

        REQUIRED_SCOPE[wrapped] = scope
        return wrapped

    return guard

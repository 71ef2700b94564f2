"""Error pages: JSON for machines (API, hooks), a neutral themed page for people. A 404 names
no brand, so an unknown host or a guessed link learns nothing."""

from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from portal.body import error
from portal.rendering import render

MACHINE_PREFIXES = ("/api/", "/hooks/", "/healthz", "/readyz", "/metrics")


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith(MACHINE_PREFIXES):
        return error(exc.status_code, exc.detail)
    if exc.status_code == 404:
        return render(request, None, "not_found.html", status=404)
    # Our own explanations (marked N_ where raised) are shown; Starlette's bare phrases are not.
    message = exc.detail if exc.detail != HTTPStatus(exc.status_code).phrase else ""
    return render(
        request,
        None,
        "error.html",
        {"status": exc.status_code, "message": message},
        status=exc.status_code,
        headers=dict(exc.headers or {}),
    )

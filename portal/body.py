"""Reading request bodies with a ceiling, and the JSON error shape every endpoint shares."""

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from porchlight.platform import json_input
from porchlight.tracking.status_text import N_

# Any form a person fills in (an agent's note included) fits with room to spare.
FORM_LIMIT = 64 * 1024


class BodyTooLarge(HTTPException):
    """413. Where no endpoint answers it itself, the error page (JSON for machines) does."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, N_("What you sent is larger than we accept."))
        self.limit = limit


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def unsigned() -> JSONResponse:
    """One answer for every webhook whose signature (or URL token) is missing or wrong, from
    aggregators and messaging providers alike: 403, as it is no HTTP authentication a client
    could retry with other credentials (that is the API keys' 401)."""
    return error(403, "signature missing or invalid")


def too_large(exc: BodyTooLarge) -> JSONResponse:
    return error(413, f"the body exceeds the limit of {exc.limit:,} bytes")


async def read_limited(request: Request, limit: int) -> bytes:
    """The raw body, refusing early on Content-Length and again while streaming."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


class MalformedJSON(ValueError):
    pass


def parse_json(body: bytes) -> Any:
    try:
        return json_input.loads(body)
    except json_input.BadJson as exc:
        raise MalformedJSON(str(exc)) from None

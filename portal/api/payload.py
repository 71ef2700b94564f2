"""Reading a JSON request body into a model, with the API's shared error shapes."""

from typing import TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from portal.body import BodyTooLarge, MalformedJSON, error, parse_json, read_limited, too_large

API_BODY_LIMIT = 1024 * 1024
M = TypeVar("M", bound=BaseModel)


def validation_error(exc: ValidationError) -> Response:
    fields = {".".join(str(p) for p in e["loc"]) or "body": e["msg"] for e in exc.errors()}
    return error(422, "validation failed", fields=fields)


async def payload(request: Request, model: type[M]) -> M | Response:
    try:
        data = parse_json(await read_limited(request, API_BODY_LIMIT))
    except BodyTooLarge as exc:
        return too_large(exc)
    except MalformedJSON as exc:
        return error(400, str(exc))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        return validation_error(exc)


def respond(document: BaseModel, status: int = 200) -> JSONResponse:
    return JSONResponse(document.model_dump(mode="json"), status_code=status)

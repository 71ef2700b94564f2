"""`/api/openapi.json`: operations from the endpoints' docstrings, schemas from the pydantic
models the endpoints really validate with and answer through."""

from collections.abc import Sequence
from typing import Any

from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.schemas import SchemaGenerator

from porchlight.insight.contacts import ContactIn
from porchlight.orders.payload import OrderIn, RefundIn, ReturnIn, ShipmentIn
from portal.api.auth import REQUIRED_SCOPE
from portal.api.contacts import ContactOut
from portal.api.schemas import ErrorOut, OrderOut, RefundOut, TrackOut


def _answer(description: str, model: str = "ErrorOut") -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{model}"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _components() -> dict[str, Any]:
    _, schemas = models_json_schema(
        [
            (OrderIn, "validation"),
            (ShipmentIn, "validation"),
            (ReturnIn, "validation"),
            (RefundIn, "validation"),
            (RefundOut, "serialization"),
            (ContactIn, "validation"),
            (ContactOut, "serialization"),
            (OrderOut, "serialization"),
            (TrackOut, "serialization"),
            (ErrorOut, "serialization"),
        ],
        ref_template="#/components/schemas/{model}",
    )
    return {
        "schemas": schemas["$defs"],
        "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        "responses": {
            "Order": _answer("The order as stored", "OrderOut"),
            "Contact": _answer("The contact as stored", "ContactOut"),
            "Refund": _answer("The refund as recorded", "RefundOut"),
            "Track": _answer("A short status", "TrackOut"),
            "BadRequest": _answer("The body or URL cannot be read (not JSON, a NUL character)"),
            "Unauthorized": _answer("Missing or invalid API key"),
            "Forbidden": _answer("The key lacks the operation's scope; `missing_scope` names it"),
            "RateLimited": _answer("Too many failed lookups of this order; see Retry-After"),
            "NotFound": _answer("No such order for this brand"),
            "Conflict": _answer(
                "A tracking number already belongs to another order: the brand's own (named)"
                " or another brand's (not named)"
            ),
            "TooLarge": _answer("The body exceeds 1 MiB"),
            "Invalid": _answer("Fields failed validation; `fields` names each"),
        },
    }


def openapi_document(api_routes: Sequence[BaseRoute]) -> dict[str, Any]:
    generator = SchemaGenerator(
        {
            "openapi": "3.1.0",
            "info": {"title": "Porchlight API", "version": "1"},
            "servers": [{"url": "/api/v1"}],
            "security": [{"apiKey": []}],
            "components": _components(),
        }
    )
    document = generator.get_schema(routes=list(api_routes))
    for endpoint in generator.get_endpoints(list(api_routes)):
        operation = document["paths"][endpoint.path][endpoint.http_method]
        responses = operation["responses"]
        # Every request can be refused before any route sees it (portal.security.RefuseNul).
        responses.setdefault(400, {"$ref": "#/components/responses/BadRequest"})
        responses[403] = {"$ref": "#/components/responses/Forbidden"}
        scope = REQUIRED_SCOPE[endpoint.func]
        # OpenAPI 3.1: for a scheme other than OAuth the list names the roles required.
        operation["security"] = [{"apiKey": [scope]}]
        said = operation.get("description", "")
        operation["description"] = f"Needs a key with the scope `{scope}`. {said}".strip()
    return document


def openapi_route(api_routes: Sequence[BaseRoute]) -> Route:
    document = openapi_document(api_routes)

    async def endpoint(request: Request) -> Response:
        return JSONResponse(document)

    return Route("/api/openapi.json", endpoint, methods=["GET"], include_in_schema=False)

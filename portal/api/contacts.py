"""`/api/v1/contacts`: help desks and chatbots report WISMO/WISMR contacts as they happen."""

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from porchlight.desk.helpdesk import contact_and_case
from porchlight.enums import Scope
from porchlight.insight.contacts import ContactIn
from porchlight.models import Brand
from portal.api.auth import requires_api_key
from portal.api.payload import payload, respond


class ContactOut(BaseModel):
    id: int
    external_id: str | None
    order_found: bool
    case_id: int | None = None  # the case the contact opened or joined


@requires_api_key(Scope.CONTACTS_WRITE)
async def post_contact(request: Request, brand: Brand) -> Response:
    """
    summary: Record a WISMO or WISMR contact
    description: Idempotent on external_id. An unknown order number is stored unlinked. With
      open_case, opens (or joins) a case of that type on the order's parcel; without it, a
      contact about an order with an open case joins that case.
    requestBody:
      required: true
      content: {application/json: {schema: {$ref: '#/components/schemas/ContactIn'}}}
    responses:
      200: {$ref: '#/components/responses/Contact'}
      201: {$ref: '#/components/responses/Contact'}
      400: {$ref: '#/components/responses/BadRequest'}
      401: {$ref: '#/components/responses/Unauthorized'}
      413: {$ref: '#/components/responses/TooLarge'}
      422: {$ref: '#/components/responses/Invalid'}
    """
    data = await payload(request, ContactIn)
    if isinstance(data, Response):
        return data
    contact, created, case = await contact_and_case(brand, data)
    document = ContactOut(
        id=contact.id,
        external_id=contact.external_id,
        order_found=contact.order_id is not None,  # type: ignore[attr-defined]
        case_id=case.id if case else None,
    )
    return respond(document, 201 if created else 200)


routes = [Route("/contacts", post_contact, methods=["POST"])]

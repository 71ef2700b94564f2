"""`/api/v1/orders`: retailers register orders and parcels, and read them back.

Each endpoint's docstring is its OpenAPI operation (YAML), gathered by portal/api/openapi.py."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from porchlight.connectors.registration import request_registration
from porchlight.enums import Direction, Scope
from porchlight.models import Brand, Order, Shipment
from porchlight.models.limits import width
from porchlight.orders.links import order_url
from porchlight.orders.orders import (
    TrackingNumberTaken,
    add_shipment,
    react_to_registration,
    upsert_order,
)
from porchlight.orders.payload import OrderIn, RefundIn, ReturnIn, ShipmentIn
from porchlight.orders.refunds import announce, record_refund
from porchlight.tracking import timeline
from portal.api.auth import requires_api_key
from portal.api.payload import payload, respond
from portal.api.schemas import OrderOut, ParcelOut, RefundOut
from portal.body import error
from portal.state import app_state

NUMBER_MAX = width(Order, "number")


async def _named_order(request: Request, brand: Brand) -> Order | Response:
    """The brand's order the path names, or the 404. A number longer than the column names no
    order: it is answered before the query, which the ORM would refuse with a 500."""
    number = request.path_params["number"]
    order = None
    if len(number) <= NUMBER_MAX:
        order = await Order.get_or_none(brand=brand, number=number)
    return order if order is not None else error(404, "no such order")


async def order_document(request: Request, brand: Brand, order: Order) -> OrderOut:
    parcels = await timeline.parcels(order)
    return OrderOut(
        order_number=order.number,
        placed_at=order.placed_at,
        promised_delivery_date=order.promised_delivery_date,
        expected_parcels=order.expected_parcels,
        tracking_url=await order_url(app_state(request).settings.public_base_url, brand, order),
        parcels=[ParcelOut.of(p) for p in parcels],
    )


@requires_api_key(Scope.ORDERS_WRITE)
async def put_order(request: Request, brand: Brand) -> Response:
    """
    summary: Create or update an order with its customer and parcels
    description: Idempotent on the brand's order number.
    requestBody:
      required: true
      content: {application/json: {schema: {$ref: '#/components/schemas/OrderIn'}}}
    responses:
      200: {$ref: '#/components/responses/Order'}
      201: {$ref: '#/components/responses/Order'}
      400: {$ref: '#/components/responses/BadRequest'}
      401: {$ref: '#/components/responses/Unauthorized'}
      409: {$ref: '#/components/responses/Conflict'}
      413: {$ref: '#/components/responses/TooLarge'}
      422: {$ref: '#/components/responses/Invalid'}
    """
    data = await payload(request, OrderIn)
    if isinstance(data, Response):
        return data
    try:
        order, created, changes = await upsert_order(brand, data)
    except TrackingNumberTaken as exc:
        return error(409, str(exc), fields={"shipments": str(exc)})
    await react_to_registration(app_state(request).arq, changes)
    await request_registration(
        app_state(request).arq, brand, [s.tracking_number for s in data.shipments]
    )
    return respond(await order_document(request, brand, order), 201 if created else 200)


@requires_api_key(Scope.ORDERS_WRITE)
async def post_shipment(request: Request, brand: Brand) -> Response:
    """
    summary: Add a parcel to an existing order (split shipments)
    parameters: [{name: number, in: path, required: true, schema: {type: string}}]
    requestBody:
      required: true
      content: {application/json: {schema: {$ref: '#/components/schemas/ShipmentIn'}}}
    responses:
      201: {$ref: '#/components/responses/Order'}
      400: {$ref: '#/components/responses/BadRequest'}
      401: {$ref: '#/components/responses/Unauthorized'}
      404: {$ref: '#/components/responses/NotFound'}
      409: {$ref: '#/components/responses/Conflict'}
      413: {$ref: '#/components/responses/TooLarge'}
      422: {$ref: '#/components/responses/Invalid'}
    """
    return await _add_parcel(request, brand, ShipmentIn)


@requires_api_key(Scope.ORDERS_WRITE)
async def post_return(request: Request, brand: Brand) -> Response:
    """
    summary: Register a return the shopper sends back (where is my return?)
    description: >-
      The return label's tracking number and the items in it. The parcel shows on the tracking
      page as a return with its own steps; the shopper hears "we've got your return" when the
      carrier delivers it to you. Sending the same tracking number again updates it.
    parameters: [{name: number, in: path, required: true, schema: {type: string}}]
    requestBody:
      required: true
      content: {application/json: {schema: {$ref: '#/components/schemas/ReturnIn'}}}
    responses:
      201: {$ref: '#/components/responses/Order'}
      400: {$ref: '#/components/responses/BadRequest'}
      401: {$ref: '#/components/responses/Unauthorized'}
      404: {$ref: '#/components/responses/NotFound'}
      409: {$ref: '#/components/responses/Conflict'}
      413: {$ref: '#/components/responses/TooLarge'}
      422: {$ref: '#/components/responses/Invalid'}
    """
    return await _add_parcel(request, brand, ReturnIn)


async def _add_parcel(
    request: Request, brand: Brand, schema: type[ShipmentIn] | type[ReturnIn]
) -> Response:
    """A parcel or a return added to the order the path names: stored, reacted to, registered
    at the aggregators, and the order answered (201). A return may not reuse the number of a
    parcel sent out."""
    order = await _named_order(request, brand)
    if isinstance(order, Response):
        return order
    data = await payload(request, schema)
    if isinstance(data, Response):
        return data
    parcel = data.as_shipment() if isinstance(data, ReturnIn) else data  # normalised alike
    if isinstance(data, ReturnIn) and await Shipment.exists(
        brand=brand, tracking_number=parcel.tracking_number, direction=Direction.OUTBOUND
    ):
        taken = f"tracking number {parcel.tracking_number} is an outbound parcel"
        return error(409, taken, fields={"tracking_number": taken})
    try:
        changes = await add_shipment(brand, order, parcel)
    except TrackingNumberTaken as exc:
        return error(409, str(exc), fields={"tracking_number": str(exc)})
    await react_to_registration(app_state(request).arq, changes)
    await request_registration(app_state(request).arq, brand, [parcel.tracking_number])
    return respond(await order_document(request, brand, order), 201)


@requires_api_key(Scope.ORDERS_WRITE)
async def post_refund(request: Request, brand: Brand) -> Response:
    """
    summary: Record a refund; the shopper hears "your refund is on its way"
    description: >-
      Idempotent on `external_id` (your refund's id): sending it again answers 200 with the
      refund as first recorded and sends nothing. The message goes out once per parcel and
      channel, about the order's newest return (else its first parcel).
    parameters: [{name: number, in: path, required: true, schema: {type: string}}]
    requestBody:
      required: true
      content: {application/json: {schema: {$ref: '#/components/schemas/RefundIn'}}}
    responses:
      200: {$ref: '#/components/responses/Refund'}
      201: {$ref: '#/components/responses/Refund'}
      400: {$ref: '#/components/responses/BadRequest'}
      401: {$ref: '#/components/responses/Unauthorized'}
      404: {$ref: '#/components/responses/NotFound'}
      413: {$ref: '#/components/responses/TooLarge'}
      422: {$ref: '#/components/responses/Invalid'}
    """
    order = await _named_order(request, brand)
    if isinstance(order, Response):
        return order
    data = await payload(request, RefundIn)
    if isinstance(data, Response):
        return data
    refund, created = await record_refund(
        order,
        amount=data.amount,
        currency=data.currency,
        method=data.method,
        source="api",
        external_id=data.external_id,
    )
    if created:
        await announce(app_state(request).arq, refund)
    return respond(RefundOut.of(order, refund), 201 if created else 200)


@requires_api_key(Scope.ORDERS_READ)
async def get_order(request: Request, brand: Brand) -> Response:
    """
    summary: Read an order with every parcel's status and distinct events
    parameters: [{name: number, in: path, required: true, schema: {type: string}}]
    responses:
      200: {$ref: '#/components/responses/Order'}
      401: {$ref: '#/components/responses/Unauthorized'}
      404: {$ref: '#/components/responses/NotFound'}
    """
    order = await _named_order(request, brand)
    if isinstance(order, Response):
        return order
    return respond(await order_document(request, brand, order))


routes = [
    Route("/orders", put_order, methods=["POST"]),
    Route("/orders/{number:str}", get_order, methods=["GET"]),
    Route("/orders/{number:str}/shipments", post_shipment, methods=["POST"]),
    Route("/orders/{number:str}/returns", post_return, methods=["POST"]),
    Route("/orders/{number:str}/refunds", post_refund, methods=["POST"]),
]

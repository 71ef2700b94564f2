"""The request's Host picks the brand; an unknown host learns nothing, not even a brand name."""

from starlette.exceptions import HTTPException
from starlette.requests import Request

from porchlight.accounts.brands import brand_for_host, keep_brands_current, normalize_host
from porchlight.models import Brand, Order, Shipment
from porchlight.tracking import timeline
from porchlight.tracking.timeline import Viewed
from portal.state import app_state


async def brand_of_host(request: Request) -> Brand | None:
    """The brand as last saved, whichever process saved it (a console edit shows at once)."""
    await keep_brands_current(app_state(request).arq)
    return await brand_for_host(request.headers.get("host", ""))


async def host_brand(request: Request) -> Brand:
    brand = await brand_of_host(request)
    if brand is None:
        raise HTTPException(404)
    return brand


async def viewed_order(request: Request) -> tuple[Brand, Viewed]:
    """The order behind an /o/<token> link, on its own brand's host only, with the brand as
    last saved (one query answers both: no Redis round trip on the busiest path)."""
    token = request.path_params["token"]
    viewed = None
    if 16 <= len(token) <= 64:
        viewed = await timeline.by_token(normalize_host(request.headers.get("host", "")), token)
    if viewed is None:
        raise HTTPException(404)
    return viewed.brand, viewed


async def order_for_token(request: Request) -> tuple[Brand, Order]:
    brand, viewed = await viewed_order(request)
    return brand, viewed.order


async def shipment_for_token(request: Request) -> tuple[Brand, Order, Shipment]:
    """A parcel of the order behind the link, for the forms posted about it."""
    brand, order = await order_for_token(request)
    shipment = await Shipment.get_or_none(id=request.path_params["shipment_id"], order=order)
    if shipment is None:
        raise HTTPException(404)
    return brand, order, shipment

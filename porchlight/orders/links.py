"""Links shoppers follow: the brand's own host, with the deployment's scheme and port."""

from porchlight.models import Brand, BrandHost, Order


async def brand_base_url(public_base_url: str, brand: Brand) -> str:
    """The brand's first host with PUBLIC_BASE_URL's scheme and port (the base alone without
    a host)."""
    scheme, _, rest = public_base_url.partition("://")
    netloc = rest.split("/", 1)[0]
    port = netloc.rsplit(":", 1)[1] if ":" in netloc and not netloc.endswith("]") else ""
    host = await BrandHost.filter(brand=brand).order_by("id").first()
    if host is None:
        return public_base_url
    return f"{scheme}://{host.host}{':' + port if port else ''}"


async def order_url(public_base_url: str, brand: Brand, order: Order) -> str:
    return order_link(await brand_base_url(public_base_url, brand), order)


def order_link(base_url: str, order: Order) -> str:
    """The order's page under a brand base URL already looked up (the notifier's batches)."""
    return f"{base_url}/o/{order.access_token}"

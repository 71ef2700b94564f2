"""Brands and the host names that select them."""

import re

from tortoise.transactions import in_transaction

from porchlight.models import Brand, BrandHost

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class BrandError(Exception):
    pass


def normalize_host(value: str) -> str:
    """Host header → lookup key: lower-case, no port, no trailing dot."""
    host = value.strip().lower()
    if host.startswith("["):  # IPv6 literal
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


async def create_brand(
    slug: str, name: str, hosts: list[str], *, theme: str = "default", locale: str = "en"
) -> Brand:
    if not SLUG.match(slug):
        raise BrandError("slug must be lower-case letters, digits and dashes")
    wanted = [normalize_host(h) for h in hosts]
    async with in_transaction():
        if await Brand.exists(slug=slug):
            raise BrandError(f"brand {slug} exists already")
        taken = await BrandHost.filter(host__in=wanted).values_list("host", flat=True)
        if taken:
            raise BrandError(f"host already serves another brand: {', '.join(map(str, taken))}")
        brand = await Brand.create(slug=slug, name=name, theme=theme, default_locale=locale)
        await BrandHost.bulk_create([BrandHost(brand=brand, host=h) for h in wanted])
    return brand


async def brand_for_host(host_header: str) -> Brand | None:
    host = await BrandHost.get_or_none(host=normalize_host(host_header)).select_related("brand")
    return host.brand if host else None

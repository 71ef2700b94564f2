"""Brands and the host names that select them."""

import re
from typing import Any

from async_lru import alru_cache
from tortoise.signals import post_delete, post_save
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
    forget_brands()  # bulk_create sends no save signal, and a host may be cached as unknown
    return brand


# Every shopper request looks its brand up by host; brands change rarely, so each process keeps
# them for this long. A change saved in this process clears the cache at once; a change made
# elsewhere (the CLI, another portal process) shows within this many seconds.
BRAND_CACHE_SECONDS = 30


async def brand_for_host(host_header: str) -> Brand | None:
    return await _brand_for(normalize_host(host_header))


@alru_cache(maxsize=1024, ttl=BRAND_CACHE_SECONDS)
async def _brand_for(host: str) -> Brand | None:
    found = await BrandHost.get_or_none(host=host).select_related("brand")
    return found.brand if found else None


def forget_brands() -> None:
    _brand_for.cache_clear()


@post_save(Brand, BrandHost)
@post_delete(Brand, BrandHost)
async def _brand_changed(*_: Any) -> None:
    forget_brands()


def fingerprint(brand: Brand) -> tuple[str, ...]:
    """Every stored field of the brand: what is kept under it is redone when any changes."""
    return tuple(str(getattr(brand, name)) for name in Brand._meta.fields_db_projection)

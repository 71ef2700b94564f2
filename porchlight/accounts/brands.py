"""Brands and the host names that select them."""

import logging
import re
from typing import Any

from async_lru import alru_cache
from redis.asyncio import Redis
from redis.exceptions import RedisError
from tortoise.exceptions import IntegrityError
from tortoise.signals import post_delete, post_save
from tortoise.transactions import in_transaction

from porchlight.models import Brand, BrandHost
from porchlight.models.limits import width
from porchlight.platform.i18n import N_

log = logging.getLogger(__name__)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# A DNS name or an IP literal as a Host header carries it (after normalize_host).
LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
HOST = re.compile(rf"^(\[[0-9a-f:.]+\]|{LABEL}(\.{LABEL})*)$")


class BrandError(Exception):
    """A refusal with the field it is about; `message` is marked for translation and filled
    with `params`, so the console shows it in the admin's language and the CLI in English."""

    def __init__(self, field: str, message: str, **params: str) -> None:
        self.field, self.message, self.params = field, message, params
        super().__init__(message % params)


def checked_hosts(hosts: list[str]) -> list[str]:
    """Normalised host names, each a plausible Host header; refused with the one that is not."""
    wanted = []
    for raw in hosts:
        host = normalize_host(raw)
        if len(host) > 253 or not HOST.match(host):
            raise BrandError("host", N_("%(host)s is not a host name."), host=raw.strip()[:80])
        wanted.append(host)
    return list(dict.fromkeys(wanted))


async def _refuse_taken(hosts: list[str]) -> None:
    taken = await BrandHost.filter(host__in=hosts).values_list("host", flat=True)
    if taken:
        raise BrandError(
            "host",
            N_("%(host)s already serves a brand."),
            host=", ".join(map(str, taken)),
        )


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
        raise BrandError("slug", N_("The slug takes lower-case letters, digits and dashes."))
    wanted = checked_hosts(hosts)
    async with in_transaction():
        if await Brand.exists(slug=slug):
            raise BrandError("slug", N_("A brand %(slug)s exists already."), slug=slug)
        await _refuse_taken(wanted)
        brand = await Brand.create(slug=slug, name=name, theme=theme, default_locale=locale)
        await BrandHost.bulk_create([BrandHost(brand=brand, host=h) for h in wanted])
    forget_brands()  # bulk_create sends no save signal, and a host may be cached as unknown
    return brand


async def add_host(brand: Brand, host: str) -> str:
    """Serve the brand on one more host; a host any brand serves already is refused."""
    [wanted] = checked_hosts([host])
    try:
        async with in_transaction():
            await _refuse_taken([wanted])
            await BrandHost.create(brand=brand, host=wanted)
    except IntegrityError:  # the same host added at the same moment elsewhere
        raise BrandError("host", N_("%(host)s already serves a brand."), host=wanted) from None
    return wanted


async def remove_host(brand: Brand, host: str) -> str:
    """Stop serving the brand on a host; its last host stays (the brand must be reachable)."""
    async with in_transaction():
        hosts = await BrandHost.filter(brand=brand).select_for_update()
        found = next((h for h in hosts if h.host == normalize_host(host)), None)
        if found is None:
            raise BrandError("host", N_("%(host)s is not a host of this brand."), host=host[:80])
        if len(hosts) == 1:
            raise BrandError("host", N_("A brand needs at least one host."))
        await found.delete()
    return found.host


async def hosts_of(brand: Brand) -> list[str]:
    return [h.host for h in await BrandHost.filter(brand=brand).order_by("host")]


# Every shopper request looks its brand up by host; brands change rarely, so each process keeps
# them for this long. A change saved in this process clears the cache at once; one saved by the
# console or the CLI also bumps a counter in Redis that every portal process compares on each
# shopper request that finds its brand by host (keep_brands_current), so it shows on the next
# page view everywhere. Anything else that edits a brand shows within this many seconds there.
# (A tracking page reads its brand's row with its order: `timeline.by_token`.)
BRAND_CACHE_SECONDS = 30
BRANDS_VERSION_KEY = "porchlight:brands:version"
_seen_version: list[bytes | None] = [None]


async def announce_brand_change(redis: Redis) -> None:
    """After a brand change commits: every process drops its kept brands before its next page.
    With Redis away the change is saved all the same and shows within BRAND_CACHE_SECONDS."""
    forget_brands()
    try:
        await redis.incr(BRANDS_VERSION_KEY)
    except (RedisError, OSError) as exc:
        log.warning("brand change not announced (%s): shown within %ss", exc, BRAND_CACHE_SECONDS)


async def keep_brands_current(redis: Redis) -> None:
    """One GET per shopper request: the kept brands go when another process announced a change.
    Without Redis the page is still served, from brands at most BRAND_CACHE_SECONDS old."""
    try:
        version = await redis.get(BRANDS_VERSION_KEY)
    except (RedisError, OSError):
        return
    if version != _seen_version[0]:
        forget_brands()
        _seen_version[0] = version


async def brand_by_slug(slug: str) -> Brand | None:
    """The brand a URL names. A slug longer than the column names none: looked up, the ORM
    would refuse it with an error (a 500) instead of finding nothing."""
    return await Brand.get_or_none(slug=slug) if len(slug) <= width(Brand, "slug") else None


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

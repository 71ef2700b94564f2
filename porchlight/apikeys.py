"""Per-brand API keys: shown once, stored as a hash, looked up by that hash; listed by prefix
and revoked by it when one leaks."""

import hashlib
import secrets
from datetime import timedelta

from porchlight.clock import utcnow
from porchlight.models import ApiKey, Brand

PREFIX = "pl_"
PREFIX_SHOWN = 10  # "pl_" and 7 characters of the key: enough to tell a brand's keys apart
USE_RECORDED_EVERY = timedelta(hours=1)  # a write per key and hour, not per request


class ApiKeyError(Exception):
    """Why a key cannot be revoked, in words for the operator."""


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_api_key(brand: Brand) -> str:
    key = PREFIX + secrets.token_urlsafe(32)
    await ApiKey.create(brand=brand, prefix=key[:PREFIX_SHOWN], key_hash=_hash(key))
    return key


async def brand_for_key(key: str) -> Brand | None:
    """A high-entropy key hashed with sha256 needs no slow hash: it cannot be guessed."""
    if not key.startswith(PREFIX) or len(key) > 128:
        return None
    api_key = await ApiKey.get_or_none(key_hash=_hash(key), revoked_at=None).select_related("brand")
    if api_key is None:
        return None
    now = utcnow()
    if api_key.last_used_at is None or now - api_key.last_used_at >= USE_RECORDED_EVERY:
        await ApiKey.filter(id=api_key.id).update(last_used_at=now)
    return api_key.brand


async def api_keys(brand: Brand) -> list[ApiKey]:
    return await ApiKey.filter(brand=brand).order_by("created_at", "id")


async def revoke_api_key(brand: Brand, prefix: str) -> ApiKey:
    """Refuses at once every request made with the key that starts with `prefix` (as
    `api-keys` shows it) or is the whole key (as it leaked)."""
    usable = ApiKey.filter(brand=brand, revoked_at=None)
    if len(prefix) > PREFIX_SHOWN:
        matching = await usable.filter(key_hash=_hash(prefix))
    else:
        matching = await usable.filter(prefix=prefix)
    if len(prefix) < PREFIX_SHOWN or not matching:
        raise ApiKeyError(f"{brand.slug} has no usable key starting {prefix[:PREFIX_SHOWN]!r}")
    if len(matching) > 1:
        raise ApiKeyError(f"{len(matching)} keys of {brand.slug} start {prefix!r}: revoke neither")
    [api_key] = matching
    api_key.revoked_at = utcnow()
    await api_key.save(update_fields=["revoked_at"])
    return api_key

"""Per-brand API keys: shown once, stored as a hash, looked up by that hash; listed by prefix
and revoked by it when one leaks. Each key holds the scopes (porchlight.enums.Scope) it was
made with."""

import hashlib
import secrets
from collections.abc import Collection
from datetime import timedelta

from porchlight.enums import Scope
from porchlight.models import ApiKey, Brand
from porchlight.platform.clock import utcnow

PREFIX = "pl_"
PREFIX_SHOWN = 10  # "pl_" and 7 characters of the key: enough to tell a brand's keys apart
USE_RECORDED_EVERY = timedelta(hours=1)  # a write per key and hour, not per request


class ApiKeyError(Exception):
    """Why a key cannot be made or revoked, in words for the operator."""


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_api_key(brand: Brand, scopes: Collection[Scope]) -> str:
    """A key that may do what `scopes` name and nothing else; there is no default, so no key
    gets more than its maker asked for."""
    if not scopes:
        raise ApiKeyError("a key needs at least one scope: " + ", ".join(Scope))
    key = PREFIX + secrets.token_urlsafe(32)
    held = " ".join(scope for scope in Scope if scope in scopes)
    await ApiKey.create(brand=brand, prefix=key[:PREFIX_SHOWN], key_hash=_hash(key), scopes=held)
    return key


async def usable_key(key: str) -> ApiKey | None:
    """The unrevoked key, with its brand. A high-entropy key hashed with sha256 needs no slow
    hash: it cannot be guessed."""
    if not key.startswith(PREFIX) or len(key) > 128:
        return None
    api_key = await ApiKey.get_or_none(key_hash=_hash(key), revoked_at=None).select_related("brand")
    if api_key is None:
        return None
    now = utcnow()
    if api_key.last_used_at is None or now - api_key.last_used_at >= USE_RECORDED_EVERY:
        await ApiKey.filter(id=api_key.id).update(last_used_at=now)
    return api_key


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

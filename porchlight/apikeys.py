"""Per-brand API keys: shown once, stored as a hash, looked up by that hash."""

import hashlib
import secrets

from porchlight.models import ApiKey, Brand

PREFIX = "pl_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_api_key(brand: Brand) -> str:
    key = PREFIX + secrets.token_urlsafe(32)
    await ApiKey.create(brand=brand, prefix=key[:10], key_hash=_hash(key))
    return key


async def brand_for_key(key: str) -> Brand | None:
    """A high-entropy key hashed with sha256 needs no slow hash: it cannot be guessed."""
    if not key.startswith(PREFIX) or len(key) > 128:
        return None
    api_key = await ApiKey.get_or_none(key_hash=_hash(key), revoked_at=None).select_related("brand")
    return api_key.brand if api_key else None

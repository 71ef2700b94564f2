"""Links whose signature is the proof: a shopper follows them from an email without signing
in (unsubscribe, rate a delivery). Each kind has its own salt, so one kind's token is never
accepted as another's."""

from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer


def signed(secret: str, salt: str, data: dict[str, int]) -> str:
    return URLSafeSerializer(secret, salt=salt).dumps(data)


def unsigned(secret: str, salt: str, token: str, *keys: str) -> dict[str, int] | None:
    """The token's `keys`, each an int, or None when the signature or the shape is wrong."""
    try:
        data: Any = URLSafeSerializer(secret, salt=salt).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    values = {key: data.get(key) for key in keys}
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values.values()):
        return None
    return values  # type: ignore[return-value]

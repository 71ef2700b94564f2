"""Secrets a brand hands us (store tokens, aggregator keys, webhook secrets), sealed at rest.

Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) with a key derived from SECRET_KEY by
HKDF: a copy of the database alone gives none of them back. Changing SECRET_KEY makes them
unreadable, so each connection has to be made again (the commands say so)."""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from porchlight.platform.settings import Settings

_INFO = b"porchlight connector credentials v1"


class SealBroken(Exception):
    """The value was sealed under another SECRET_KEY (or altered): connect again."""


def _fernet(settings: Settings) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        settings.secret_key.get_secret_value().encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(settings: Settings, value: str) -> str:
    return _fernet(settings).encrypt(value.encode()).decode()


def unseal(settings: Settings, sealed: str) -> str:
    try:
        return _fernet(settings).decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise SealBroken("stored credential cannot be read with this SECRET_KEY") from None


def hint(value: str) -> str:
    """What may be shown of a secret after it was entered: its last four characters."""
    return value[-4:] if len(value) >= 12 else ""

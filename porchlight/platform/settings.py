"""One settings object read from the environment and an optional `.env`; tests build their own."""

import ipaddress
from functools import cached_property
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    """Raised with one line that names every missing or invalid setting."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_ignore_empty=True, extra="ignore", frozen=True
    )

    database_url: str = "sqlite://var/porchlight.sqlite3"
    redis_url: str = "redis://127.0.0.1:6379/0"
    secret_key: SecretStr
    public_base_url: str = "http://localhost:8000"
    # Peers whose X-Forwarded-For / -Proto are believed (comma-separated addresses or networks,
    # or "*"): a reverse proxy's address. Anyone else's forwarded headers are ignored.
    forwarded_allow_ips: str = "127.0.0.1,::1"
    # Bearer token Prometheus sends to /metrics. Unset: /metrics refuses everyone.
    metrics_token: SecretStr | None = None

    easypost_webhook_secret: SecretStr | None = None
    aftership_webhook_secret: SecretStr | None = None
    shippo_webhook_token: SecretStr | None = None
    # Where the connectors' clients call (tests: a local stub). Shopify's default is the shop's
    # own https://NAME.myshopify.com.
    easypost_api_base: str = "https://api.easypost.com"
    aftership_api_base: str = "https://api.aftership.com"
    shippo_api_base: str = "https://api.goshippo.com"
    shopify_api_base: str | None = None

    email_backend: Literal["outbox", "sendgrid"] = "outbox"
    sms_backend: Literal["outbox", "twilio"] = "outbox"
    outbox_dir: str = "var/outbox"
    # /outbox shows signed-in agents their brands' outbox messages; off unless turned on (demo).
    outbox_viewer: bool = False
    demo_index: bool = False  # /demo: one order per status of each demo brand (`porchlight demo`)
    upload_dir: str = "var/uploads"  # shoppers' photos of damaged parcels
    sendgrid_api_key: SecretStr | None = None
    sendgrid_api_base: str = "https://api.sendgrid.com"
    email_from: str = "tracking@porchlight.invalid"
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_base: str | None = None
    # SendGrid Signed Event Webhook public key (base64). Unset: the events hook refuses all.
    sendgrid_event_public_key: str | None = None

    max_webhook_bytes: int = 1024 * 1024
    # The share of successful GETs (2xx, 304) whose request line is logged
    # (portal.request_log); every other request is always logged.
    request_log_sample: float = Field(default=1.0, ge=0, le=1)
    # A job running longer is cancelled; a job whose worker died is run again this long (+10 s)
    # after it started. Every job here is short: the providers' own timeout is 10 s.
    job_timeout_seconds: int = Field(default=60, ge=1, le=3600)
    # A provider's transient refusal is retried after this, doubled per attempt (20, 40, 80 s…).
    notification_retry_seconds: float = Field(default=20.0, gt=0, le=3600)

    # An agent's session ends after this long without a request, and this long after signing in
    # whatever happens (logout, deactivation and a password change end it at once).
    session_idle_minutes: int = Field(default=60, ge=5, le=7 * 24 * 60)
    session_max_hours: int = Field(default=12, ge=1, le=30 * 24)

    @field_validator("secret_key", "metrics_token")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (make one: openssl rand -hex 32)")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value.startswith("postgresql://"):
            value = "postgres://" + value.removeprefix("postgresql://")
        if not value.startswith(("sqlite://", "postgres://")):
            raise ValueError("must start with sqlite:// or postgres://")
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _addresses(cls, value: str) -> str:
        """Checked here: uvicorn takes what it cannot parse for a name and silently matches
        nothing (a proxy typed wrong would have its headers ignored, without a word)."""
        if value.strip() == "*":
            return value
        for item in value.split(","):
            try:
                ipaddress.ip_network(item.strip())
            except ValueError:
                raise ValueError(f"{item.strip()!r} is not an IP address or network") from None
        return value

    @field_validator("redis_url")
    @classmethod
    def _known_redis(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator(
        "public_base_url",
        "easypost_api_base",
        "aftership_api_base",
        "shippo_api_base",
        "shopify_api_base",
    )
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an absolute http(s) URL")
        return value.rstrip("/")

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite://")


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's multi-line report into one line a person can act on."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]).upper()
            message = "is missing" if error["type"] == "missing" else error["msg"]
            message = message.removeprefix("Value error, ")
            problems.append(f"{name} {message}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None

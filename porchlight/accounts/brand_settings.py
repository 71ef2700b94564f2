"""Everything a brand can tune, in one typed schema with defaults, ranges and help text.

`brand.settings` stores this schema as JSON. The code reads it through `settings_of(brand)`, the
console and the CLI write it through `validate_settings`, so an unknown key or a value out of
range is refused with the field named instead of surfacing later as a wrong message or a 500.
"""

from decimal import Decimal
from typing import Annotated, Any, Self
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from porchlight.enums import Channel, ExceptionType, Trigger
from porchlight.models import Brand

Hours = Annotated[float, Field(ge=0, le=24 * 30)]


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeliveryOptions(_Schema):
    """Which delivery changes the shopper may ask for on the tracking page."""

    choose_date: bool = Field(False, description="Let the shopper pick another delivery day.")
    pickup_point: bool = Field(False, description="Let the shopper send it to a pickup point.")
    reroute: bool = Field(False, description="Let the shopper give another address.")

    def enabled(self) -> list[str]:
        return [kind for kind, on in self.model_dump().items() if on]


class ExceptionThresholds(_Schema):
    """When the sweep calls a quiet parcel a problem."""

    no_first_scan_hours: Hours = Field(
        24, description="Hours after shipping without a carrier scan before a case opens."
    )
    stalled_days: float = Field(
        3, ge=0.5, le=60, description="Days without a scan before an in-transit parcel is stalled."
    )
    stalled_days_by_carrier: dict[str, Annotated[float, Field(ge=0.5, le=60)]] = Field(
        default_factory=dict, description="Per carrier code, instead of stalled_days."
    )

    @field_validator("stalled_days_by_carrier")
    @classmethod
    def _carrier_codes(cls, value: dict[str, float]) -> dict[str, float]:
        return {code.strip().lower(): days for code, days in value.items() if code.strip()}


class BusinessHours(_Schema):
    """The working week SLA clocks run in, in the brand's time zone (weekday 0 is Monday)."""

    start: int = Field(9, ge=0, le=23, description="Hour the team starts.")
    end: int = Field(17, ge=1, le=24, description="Hour the team stops.")
    days: frozenset[Annotated[int, Field(ge=0, le=6)]] = Field(
        frozenset(range(5)), description="Working weekdays, 0 = Monday."
    )

    @model_validator(mode="after")
    def _a_day_has_hours(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if not self.days:
            raise ValueError("at least one working day is needed")
        return self


class BrandSettings(_Schema):
    """A brand's policy. Every field has a default, so `{}` is a complete, working brand."""

    delivery_options: DeliveryOptions = DeliveryOptions()
    notification_channels: dict[Trigger, frozenset[Channel]] = Field(
        default_factory=dict,
        description="Channels per trigger, replacing the default for the triggers named.",
    )
    shipped_grace_hours: Hours = Field(
        12, description="Hours a 'shipped' message waits for the first scan to make it moot."
    )
    group_hold_minutes: float = Field(
        10, ge=0, le=24 * 60, description="Minutes a split order's message waits for siblings."
    )
    daily_message_cap: int = Field(
        4, ge=1, le=50, description="Messages per order, channel and day at most."
    )
    exception_thresholds: ExceptionThresholds = ExceptionThresholds()
    sla_hours: dict[ExceptionType, Annotated[float, Field(gt=0, le=24 * 14)]] = Field(
        default_factory=dict,
        description="Business hours to first action per exception type, replacing the default.",
    )
    business_hours: BusinessHours = BusinessHours()
    high_value_amount: Decimal = Field(
        Decimal("200"), ge=0, description="Order value from which a case is flagged high value."
    )
    activation_hours: Hours = Field(
        24, description="Hours from shipping to first scan that count as on time (KPIs)."
    )
    reply_to: str | None = Field(
        None,
        max_length=254,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="Where a shopper's reply to an email goes (the brand's customer care).",
    )
    country: str | None = Field(
        None,
        pattern=r"^[A-Z]{2}$",
        description="Where the brand sells (ISO code: GB, DE): a phone number a shopper types "
        "without a country code is read as this country's; unset, the order's destination.",
    )
    accent: str = Field(
        "#1f5f8b",
        pattern=r"^#[0-9a-fA-F]{6}$",
        description="Accent colour of pages and emails, as #rrggbb.",
    )
    retailer_webhook_url: str | None = Field(
        None,
        max_length=2000,
        description="Where delivery requests and problem reports are posted (http or https).",
    )
    retailer_webhook_secret: str | None = Field(
        None, min_length=16, description="Signs the posts to retailer_webhook_url."
    )

    @field_validator("retailer_webhook_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("must be an http:// or https:// address")
        return value


class InvalidSettings(ValueError):
    """A settings change refused; the message names each field and what is wrong with it."""

    def __init__(self, error: ValidationError) -> None:
        self.errors = {
            ".".join(str(p) for p in e["loc"] if p != "[key]") or "settings": e["msg"]
            for e in error.errors()
        }
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in self.errors.items()))


def validate_settings(data: dict[str, Any]) -> BrandSettings:
    try:
        return BrandSettings.model_validate(data)
    except ValidationError as exc:
        raise InvalidSettings(exc) from None


def settings_of(brand: Brand) -> BrandSettings:
    return validate_settings(brand.settings or {})


def stored(settings: BrandSettings) -> dict[str, Any]:
    """The JSON kept in `brand.settings`: only what differs from the defaults."""
    return settings.model_dump(mode="json", exclude_defaults=True)

"""The order contract retailers send (API, seed data): validated once, with field-level errors."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from babel import Locale, UnknownLocaleError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from porchlight.carriers.base import normalize_tracking_number
from porchlight.enums import Direction

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _aware(value: datetime) -> datetime:
    """In UTC, as it is stored; a moment that has no UTC (year 1 at +03:02) is refused."""
    if value.tzinfo is None:
        raise ValueError("must include a time zone offset, e.g. 2026-11-28T10:00:00Z")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
Text = Annotated[str, Field(max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Money(Strict):
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class WhatsAppConsent(Strict):
    """The shopper's WhatsApp consent as the retailer recorded it, and where it was given (a
    checkbox at checkout, a form): kept with it, as WhatsApp's rules want."""

    opt_in: bool
    source: str = Field(min_length=1, max_length=64)


class NotificationChoice(Strict):
    """The retailer's consent record. A channel the shopper turned off themselves (unsubscribe,
    STOP, the order page) stays off whatever this says. `null`: the retailer has no word on the
    channel (no consent record is not a withdrawal): a known customer keeps their choice, a new
    one is not messaged on it."""

    email: bool | None = True
    sms: bool | None = False
    whatsapp: WhatsAppConsent | None = None  # None: the consent on record stays as it is


class CustomerIn(Strict):
    email: str = Field(max_length=254, pattern=EMAIL.pattern)
    phone: str | None = None
    name: Text = ""
    locale: str | None = None
    time_zone: str | None = None
    notifications: NotificationChoice | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return value.lower()

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return to_e164(value) if value else None

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            return str(Locale.parse(value.replace("-", "_")))
        except (ValueError, UnknownLocaleError):
            raise ValueError("is not a known locale") from None

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("is not an IANA time zone such as Europe/Berlin") from None
        return value


class Destination(Strict):
    postcode: str = Field(min_length=1, max_length=16)
    country: str = Field(pattern=r"^[A-Za-z]{2}$")
    city: Text = ""
    line1: Text = ""
    line2: Text = ""
    state: Text = ""

    @field_validator("country")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class ItemIn(Strict):
    sku: str = Field(min_length=1, max_length=64)
    name: Text = ""
    quantity: int = Field(default=1, ge=1, le=100_000)


class ShipmentIn(Strict):
    carrier: str = Field(min_length=1, max_length=64)
    tracking_number: str = Field(min_length=1, max_length=64)
    service: str = Field(default="", max_length=64)
    direction: Direction = Direction.OUTBOUND
    shipped_at: AwareDatetime | None = None
    fulfilment_node: str = Field(default="", max_length=64)
    lane: str = Field(default="", max_length=128)
    items: list[ItemIn] = Field(default_factory=list, max_length=500)
    address_validation: str = Field(default="", max_length=32)
    declared_weight_g: int | None = Field(default=None, ge=0, le=1_000_000_000)  # fits int32
    billed_weight_g: int | None = Field(default=None, ge=0, le=1_000_000_000)
    declared_dimensions: str = Field(default="", max_length=64)
    billed_dimensions: str = Field(default="", max_length=64)
    packer_id: str = Field(default="", max_length=64)
    packaging_type: str = Field(default="", max_length=64)
    photo_url: str = Field(default="", max_length=500)
    signature_required: bool = False

    @field_validator("tracking_number")
    @classmethod
    def _normalise(cls, value: str) -> str:
        return normalize_tracking_number(value)

    @field_validator("carrier")
    @classmethod
    def _carrier(cls, value: str) -> str:
        return value.lower()

    @field_validator("photo_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        """Agents open it from the case page: a web address only (no javascript: or data:)."""
        if value and not value.lower().startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value


class OrderIn(Strict):
    order_number: str = Field(min_length=1, max_length=64)
    customer: CustomerIn
    destination: Destination
    placed_at: AwareDatetime | None = None
    promised_delivery_date: date | None = None
    value: Money | None = None
    flags: list[Literal["vip", "subscription", "first_time_buyer", "high_value"]] = Field(
        default_factory=list
    )
    shipments: list[ShipmentIn] = Field(default_factory=list, max_length=100)
    # A split order: how many parcels the retailer will send in all, and the order's lines,
    # so the page and messages can say what is still to come.
    expected_parcels: int | None = Field(default=None, ge=1, le=100)
    items: list[ItemIn] = Field(default_factory=list, max_length=500)

    @field_validator("shipments")
    @classmethod
    def _distinct_numbers(cls, value: list[ShipmentIn]) -> list[ShipmentIn]:
        numbers = [s.tracking_number for s in value]
        if len(numbers) != len(set(numbers)):
            raise ValueError("each tracking_number may appear once")
        return value


class ReturnIn(Strict):
    """A return the shopper sends back: its label's tracking number and what is in it."""

    carrier: str = Field(min_length=1, max_length=64)
    tracking_number: str = Field(min_length=1, max_length=64)
    service: str = Field(default="", max_length=64)
    label_created_at: AwareDatetime | None = None
    items: list[ItemIn] = Field(default_factory=list, max_length=500)

    def as_shipment(self) -> ShipmentIn:
        return ShipmentIn(
            carrier=self.carrier,
            tracking_number=self.tracking_number,
            service=self.service,
            direction=Direction.RETURN,
            shipped_at=self.label_created_at,
            items=self.items,
        )


class RefundIn(Strict):
    """A refund the retailer issued; `external_id` (the store's refund id) makes a resend a
    no-op."""

    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    method: str = Field(default="", max_length=32)
    external_id: str | None = Field(default=None, min_length=1, max_length=128)

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


def to_e164(value: str, region: str | None = None) -> str:
    """`value` in E.164. With a `region` (GB), a national number ("07400 123456") reads as
    that country's; spaces, dashes and brackets are allowed either way."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ValueError("is not a phone number in international format (+4915112345678)") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_postcode(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())

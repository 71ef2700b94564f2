"""A shopper's new mobile number counts only once the code texted to it comes back.

Anyone holding an order link can use the order page's form, so a number typed there is only a
candidate (`Customer.pending_phone`): it gets its code and nothing else, and the customer's
current number keeps getting their messages. The code is kept as an HMAC under SECRET_KEY bound
to the customer and the number, expires after ten minutes and allows five tries, each counted
in one UPDATE before the code is compared, so parallel guesses cannot get more."""

import hmac
import secrets
from datetime import timedelta
from enum import StrEnum
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from tortoise.expressions import F

from porchlight.accounts.brand_settings import settings_of
from porchlight.channels import Outgoing, send_once
from porchlight.enums import Channel
from porchlight.models import Brand, Customer
from porchlight.notifications.sms import to_gsm7
from porchlight.platform.clock import utcnow
from porchlight.platform.settings import Settings
from porchlight.tracking.templating import environment

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_TRIES = 5


class Confirmation(StrEnum):
    CONFIRMED = "confirmed"
    WRONG = "wrong"
    EXPIRED = "expired"
    USED_UP = "used_up"  # no code waiting, or its tries are spent: a new code is needed


def region(brand: Brand, destination: dict[str, Any]) -> str | None:
    """The country a number typed without its code belongs to: the brand's, else the order's
    destination; None when neither is a country phonenumbers knows."""
    for code in (settings_of(brand).country, str(destination.get("country") or "").upper()):
        if code and code in phonenumbers.SUPPORTED_REGIONS:
            return code
    return None


def example(region: str | None) -> str:
    """A mobile number that passes our own check, to show as the field's placeholder."""
    number = phonenumbers.example_number_for_type(region or "GB", PhoneNumberType.MOBILE)
    style = PhoneNumberFormat.NATIONAL if region else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style) if number else ""


def masked(phone: str) -> str:
    """What a page may show of a number: its last four digits."""
    return f"•••• {phone[-4:]}"


def _digest(settings: Settings, customer_id: int, phone: str, code: str) -> str:
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, f"{customer_id}:{phone}:{code}".encode(), "sha256").hexdigest()


async def number_stopped(phone: str) -> bool:
    """The number replied STOP to one of our texts and not START since: we text it nothing."""
    return await Customer.filter(phone=phone, sms_opted_out_at__isnull=False).exists()


async def send_code(
    settings: Settings, brand: Brand, customer: Customer, phone: str, locale: str
) -> None:
    """Make `phone` the customer's candidate (replacing an earlier one and its code) and text it
    a fresh code through the configured SMS channel. Raises the channel's send errors, leaving
    no candidate behind."""
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    digest = _digest(settings, customer.id, phone, code)
    now = utcnow()
    await Customer.filter(id=customer.id).update(
        pending_phone=phone,
        phone_code_hash=digest,
        phone_code_expires_at=now + CODE_LIFETIME,
        phone_code_tries=0,
    )
    template = environment(brand.theme, locale, settings_of(brand).tone).get_template(
        "phone_code/sms.txt"
    )
    context = {"brand": brand, "code": code, "minutes": int(CODE_LIFETIME.total_seconds() // 60)}
    message = Outgoing(
        reference=f"phone-{customer.id}-{int(now.timestamp())}",
        brand_id=brand.id,
        kind=Channel.SMS,
        to=phone,
        subject="",
        text=to_gsm7(" ".join(template.render(context).split())),
        html="",
        sender=brand.sms_from or settings.twilio_from_number or "",
        unsubscribe_url="",
        status_callback=f"{settings.public_base_url}/hooks/twilio/status",
    )
    try:
        await send_once(Channel.SMS, settings, message)
    except Exception:
        await forget_candidate(customer, digest)
        raise


async def forget_candidate(customer: Customer, digest: str | None = None) -> None:
    """Drop the waiting number and its code (only that code's, when `digest` is given)."""
    waiting = Customer.filter(id=customer.id)
    if digest is not None:
        waiting = waiting.filter(phone_code_hash=digest)
    await waiting.update(
        pending_phone=None, phone_code_hash=None, phone_code_expires_at=None, phone_code_tries=0
    )


async def confirm(settings: Settings, customer: Customer, code: str) -> Confirmation:
    """The candidate becomes the customer's number if `code` is its code."""
    counted = await Customer.filter(
        id=customer.id, phone_code_hash__isnull=False, phone_code_tries__lt=MAX_TRIES
    ).update(phone_code_tries=F("phone_code_tries") + 1)
    if not counted:
        return Confirmation.USED_UP
    row = await Customer.get(id=customer.id)
    if row.pending_phone is None or row.phone_code_hash is None:
        return Confirmation.USED_UP  # confirmed or replaced by a parallel request meanwhile
    if row.phone_code_expires_at is None or row.phone_code_expires_at <= utcnow():
        return Confirmation.EXPIRED
    expected = _digest(settings, row.id, row.pending_phone, code.strip())
    if not hmac.compare_digest(expected, row.phone_code_hash):
        return Confirmation.WRONG
    swapped = await Customer.filter(id=row.id, phone_code_hash=row.phone_code_hash).update(
        phone=row.pending_phone,
        pending_phone=None,
        phone_code_hash=None,
        phone_code_expires_at=None,
        phone_code_tries=0,
    )
    return Confirmation.CONFIRMED if swapped else Confirmation.USED_UP

"""What providers tell us after a send: delivery receipts, bounces, complaints and STOP words.
The portal's messaging hooks verify the caller, then hand the facts here."""

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from porchlight.enums import NotificationStatus as S
from porchlight.models import AppliedEmailEvent, Customer, EmailSuppression, Notification
from porchlight.notifications import whatsapp
from porchlight.notifications.unsubscribe import set_email_opt_in
from porchlight.platform.clock import utcnow

# Carrier-style keywords every US/UK/EU short code honours (Twilio's advanced opt-out list).
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
START_WORDS = {"START", "YES", "UNSTOP", "OPTIN"}
HELP_WORDS = {"HELP", "INFO"}

TWILIO_FINAL = {"delivered": S.DELIVERED, "undelivered": S.UNDELIVERED, "failed": S.UNDELIVERED}
SUPPRESSING = {"bounce", "spamreport", "dropped"}
UNSUBSCRIBING = {"unsubscribe", "group_unsubscribe"}
APPLIED = {"delivered"} | SUPPRESSING | UNSUBSCRIBING


def keyword(body: str) -> str:
    words = body.strip().upper().split()
    return words[0].strip(".!") if words else ""


async def reply_keyword(sender: str, body: str) -> str:
    """Apply STOP/START at once for every customer on that number, on the channel it came by
    (a STOP over WhatsApp ends WhatsApp messages, one by text ends texts); returns what was
    heard."""
    on_whatsapp = whatsapp.phone_of(sender)
    phone = on_whatsapp or sender
    stopped = "whatsapp_opted_out_at" if on_whatsapp else "sms_opted_out_at"
    word = keyword(body)
    if word in STOP_WORDS:
        await Customer.filter(phone=phone, **{stopped: None}).update(**{stopped: utcnow()})
        return "stop"
    if word in START_WORDS:
        await Customer.filter(phone=phone).update(**{stopped: None})
        return "start"
    return "help" if word in HELP_WORDS else ""


async def sms_status(message_sid: str, status: str, error_code: str = "") -> bool:
    """Twilio's status callback: only final states count, and a row never moves backwards."""
    final = TWILIO_FINAL.get(status)
    if final is None:
        return False
    updated = await Notification.filter(
        provider_id=message_sid, status__in=[S.SENT, S.SENDING]
    ).update(status=final, error=f"twilio {error_code}".strip() if error_code else "")
    return bool(updated)


def event_key(event: dict[str, Any]) -> str:
    """SendGrid gives every event an `sg_event_id` "for deduplication". An event without one
    (never seen from SendGrid; signed all the same) is keyed by a fingerprint of its content,
    so it too is applied once: two identical events could only repeat the same effect."""
    sg_event_id = event.get("sg_event_id")
    if isinstance(sg_event_id, str) and 0 < len(sg_event_id) <= 64:
        return sg_event_id
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


async def email_events(events: Iterable[dict[str, Any]]) -> int:
    """SendGrid's event batch, each event applied once however often the batch comes (a
    replay, or SendGrid's own retry). Bounces, drops and spam reports suppress the address for
    good; an unsubscribe from the mail client turns the customer's email off."""
    handled = 0
    for event in events:
        kind = str(event.get("event", ""))
        if kind not in APPLIED:
            continue  # opens, clicks, processed…: nothing to apply, nothing to remember
        # The id is written in the same transaction as the effect: a concurrent identical
        # batch waits on the unique key, then skips the event; a failed effect leaves no id
        # behind, so SendGrid's retry applies it.
        async with in_transaction():
            try:
                async with in_transaction():  # a savepoint: the duplicate undoes only itself
                    await AppliedEmailEvent.create(key=event_key(event))
            except IntegrityError:
                continue  # applied before
            await _apply(kind, event)
        handled += 1
    return handled


async def _apply(kind: str, event: dict[str, Any]) -> None:
    email = str(event.get("email", "")).strip().lower()
    row_id = str(event.get("notification_id", ""))
    # The message's own row and the rows of parcels it carried for (a grouped "shipped").
    message = Q(id=int(row_id)) | Q(grouped_into_id=int(row_id)) if row_id.isdigit() else None
    rows = Notification.filter(message) if message is not None else None
    if kind == "delivered" and rows is not None:
        await rows.filter(status=S.SENT).update(status=S.DELIVERED)
    elif kind in SUPPRESSING and email:
        await EmailSuppression.get_or_create(email=email, defaults={"reason": kind})
        if rows is not None and kind != "spamreport":
            await rows.update(status=S.UNDELIVERED, error=f"sendgrid {kind}")
    elif kind in UNSUBSCRIBING and email:
        for customer in await Customer.filter(email=email):
            await set_email_opt_in(customer, False)

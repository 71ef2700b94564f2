"""Provider callbacks: Twilio's inbound SMS and WhatsApp messages and status callbacks,
SendGrid's signed event webhook. Each verifies the caller first; without a key configured,
every request is refused."""

import binascii
from urllib.parse import parse_qsl

from sendgrid.helpers.eventwebhook import EventWebhook
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from porchlight.accounts.brand_settings import settings_of
from porchlight.cases.delivery_reports import email_events, reply_keyword, sms_status
from porchlight.models import Customer
from porchlight.notifications import whatsapp
from porchlight.notifications.sms import reply
from porchlight.platform import json_input
from porchlight.platform.i18n import Tone
from porchlight.platform.metrics import WEBHOOKS
from porchlight.platform.settings import Settings
from portal.body import BodyTooLarge, error, read_limited, too_large, unsigned
from portal.state import app_state

FORM_LIMIT = 64 * 1024


async def twilio_form(request: Request, path: str) -> dict[str, str] | Response:
    """The form, if X-Twilio-Signature matches it at our public URL (not request.url, which a
    proxy in front of us rewrites)."""
    settings: Settings = app_state(request).settings
    token = settings.twilio_auth_token
    signature = request.headers.get("x-twilio-signature", "")
    if token is None or not signature:
        WEBHOOKS.labels("twilio", "unauthenticated").inc()
        return unsigned()
    try:
        raw = await read_limited(request, FORM_LIMIT)
    except BodyTooLarge as exc:
        return too_large(exc)
    try:
        params = dict(parse_qsl(raw.decode(), keep_blank_values=True))
    except UnicodeDecodeError:
        return error(400, "the form is not UTF-8")
    url = settings.public_base_url.rstrip("/") + path
    if not RequestValidator(token.get_secret_value()).validate(url, params, signature):
        WEBHOOKS.labels("twilio", "unauthenticated").inc()
        return unsigned()
    return params


def twiml(text: str = "") -> Response:
    answer = MessagingResponse()
    if text:
        answer.message(text)
    return Response(str(answer), media_type="application/xml")


async def twilio_inbound(request: Request) -> Response:
    form = await twilio_form(request, "/hooks/twilio/inbound")
    if isinstance(form, Response):
        return form
    sender = form.get("From", "")
    if not sender:
        return error(400, "From is required")
    heard = await reply_keyword(sender, form.get("Body", ""))
    WEBHOOKS.labels("twilio", "accepted").inc()
    on_whatsapp = whatsapp.phone_of(sender)
    if on_whatsapp and heard == "start":
        heard = ""  # the START answer speaks of texts; WhatsApp resumes without one
    phone = on_whatsapp or sender
    customer = await Customer.filter(phone=phone).select_related("brand").first()
    locale = (customer.locale or customer.brand.default_locale) if customer else "en"
    tone = settings_of(customer.brand).tone if customer else Tone.INFORMAL
    return twiml(reply(heard, locale, tone))  # STOP and anything else: no answer


async def twilio_status(request: Request) -> Response:
    form = await twilio_form(request, "/hooks/twilio/status")
    if isinstance(form, Response):
        return form
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    if not sid or not status:
        return error(400, "MessageSid and MessageStatus are required")
    await sms_status(sid, status, form.get("ErrorCode", ""))
    WEBHOOKS.labels("twilio", "accepted").inc()
    return Response(status_code=204)


async def sendgrid_events(request: Request) -> Response:
    settings: Settings = app_state(request).settings
    signature = request.headers.get("x-twilio-email-event-webhook-signature", "")
    timestamp = request.headers.get("x-twilio-email-event-webhook-timestamp", "")
    try:
        body = await read_limited(request, settings.max_webhook_bytes)
    except BodyTooLarge as exc:
        return too_large(exc)
    if not verified_by_sendgrid(settings, body, signature, timestamp):
        WEBHOOKS.labels("sendgrid", "unauthenticated").inc()
        return unsigned()
    try:
        events = json_input.loads(body)
    except json_input.BadJson:
        events = None
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        WEBHOOKS.labels("sendgrid", "malformed").inc()
        return error(400, "expected a JSON array of event objects")
    await email_events(events)
    WEBHOOKS.labels("sendgrid", "accepted").inc()
    return Response(status_code=204)


def verified_by_sendgrid(settings: Settings, body: bytes, signature: str, timestamp: str) -> bool:
    key = settings.sendgrid_event_public_key
    if key is None or not signature or not timestamp:
        return False
    try:
        payload = body.decode()
        return bool(EventWebhook(key).verify_signature(payload, signature, timestamp))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False  # an unreadable signature or a key that is not a P-256 public key


routes = [
    Route("/hooks/twilio/inbound", twilio_inbound, methods=["POST"]),
    Route("/hooks/twilio/status", twilio_status, methods=["POST"]),
    Route("/hooks/sendgrid/events", sendgrid_events, methods=["POST"]),
]

"""Notification choices from the order page: this order or all orders, email and/or SMS (and
WhatsApp, for all orders, where the brand sends it: consent recorded as given here), and a
new mobile number, which gets messages only once the code texted to it is entered here
(porchlight.notifications.phones). Only the phone itself undoes a STOP (START, at the Twilio
hook)."""

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from tortoise.transactions import in_transaction

from porchlight.accounts.brand_settings import settings_of
from porchlight.accounts.consent import FIELDS as CONSENT_FIELDS
from porchlight.accounts.consent import ON_THE_PAGE, record_whatsapp
from porchlight.channels import PermanentSendError, TransientSendError
from porchlight.models import Brand, Customer, Order
from porchlight.notifications import phones
from porchlight.notifications.policy import quiet_hours
from porchlight.orders.payload import to_e164
from porchlight.platform import i18n
from porchlight.platform.clock import utcnow
from porchlight.tracking.status_text import N_
from portal.csrf import checked_form
from portal.ratelimit import Limit, Limiter
from portal.rendering import request_locale, translator
from portal.shopper.brand import order_for_token
from portal.shopper.flash import refused
from portal.state import app_state

DAY = 24 * 3600
# Each code is a text we pay for and a stranger's phone may receive: one a minute, five a day
# per customer and per number, however many order links or brands ask.
CODE_LIMITS = (
    (Limit("phone-code-resend", attempts=1, window_seconds=60), "customer"),
    (Limit("phone-code-customer", attempts=5, window_seconds=DAY), "customer"),
    (Limit("phone-code-number", attempts=5, window_seconds=DAY), "number"),
)


async def save_preferences(request: Request) -> Response:
    brand, order = await order_for_token(request)
    form = await checked_form(request)
    _ = translator(request, brand, order.customer.locale)
    customer = order.customer
    email, sms = form.get("email") == "1", form.get("sms") == "1"
    offered = settings_of(brand).whatsapp.enabled
    whatsapp = offered and form.get("whatsapp") == "1"
    typed = str(form.get("phone", "")).strip()[:32]
    locale = i18n.supported(str(form.get("locale", ""))) or customer.locale
    quiet, wrong_hours = _quiet_hours(form.get("quiet_start"), form.get("quiet_end"))
    phone, error = None, _(wrong_hours) if wrong_hours else ""
    if error:
        pass  # one error at a time, the first field's
    elif typed:
        try:
            phone = to_e164(typed, phones.region(brand, order.destination))
        except ValueError:
            error = _(
                "That does not look like a mobile number. Include the country code, e.g. +44."
            )
    elif sms and not (customer.phone or customer.pending_phone):
        error = _("Enter a mobile number to get text messages.")
    elif whatsapp and not (customer.phone or customer.pending_phone):
        error = _("Enter a mobile number to get WhatsApp messages.")
    if error:
        return _order_page(request, order, 422, {"prefs_error": error, "typed_phone": typed})

    done = "preferences"
    if phone is not None:
        # Limited before comparing, so the answer cannot be used to guess the current number.
        texted_in = locale or request_locale(request, brand)
        refused = await _text_code(request, brand, order, phone, texted_in, "prefs_error")
        if refused is not None:
            return refused
        done = "code_sent" if customer.pending_phone else "preferences"
    async with in_transaction():
        customer.locale = locale
        # Hours the shopper changed become theirs; left as shown, the brand's keep applying.
        if quiet is not None and quiet != quiet_hours(customer, brand):
            customer.quiet_hours_start, customer.quiet_hours_end = quiet
            customer.quiet_hours_chosen = True
        if form.get("scope") == "all":
            now = utcnow()
            customer.email_opt_in, customer.sms_opt_in = email, sms
            customer.email_unsubscribed_at = (
                None if email else customer.email_unsubscribed_at or now
            )
            customer.sms_unsubscribed_at = None if sms else customer.sms_unsubscribed_at or now
            order.notify_email = order.notify_sms = None
        else:
            order.notify_email, order.notify_sms = email, sms
        if offered and whatsapp != customer.whatsapp_opt_in:  # for all orders: it is consent
            record_whatsapp(customer, whatsapp, ON_THE_PAGE)
        await customer.save(
            update_fields=[
                *CONSENT_FIELDS,
                "locale",
                "email_opt_in",
                "sms_opt_in",
                "email_unsubscribed_at",
                "sms_unsubscribed_at",
                "quiet_hours_start",
                "quiet_hours_end",
                "quiet_hours_chosen",
            ]
        )
        await order.save(update_fields=["notify_email", "notify_sms", "updated_at"])
    anchor = "confirm-phone" if done == "code_sent" else "preferences"
    return RedirectResponse(f"/o/{order.access_token}?done={done}#{anchor}", 303)


def _quiet_hours(start: object, end: object) -> tuple[tuple[int, int] | None, str]:
    """The form's quiet hours (None when the form had none), or the error to show."""
    if start is None and end is None:
        return None, ""
    hours = []
    for value in (start, end):
        text = str(value or "")
        if not text.isdigit() or not 0 <= int(text) <= 23:
            return None, N_("Choose quiet hours from the lists.")
        hours.append(int(text))
    return (hours[0], hours[1]), ""


async def confirm_phone(request: Request) -> Response:
    brand, order = await order_for_token(request)
    form = await checked_form(request)
    settings = app_state(request).settings
    outcome = await phones.confirm(settings, order.customer, str(form.get("code", ""))[:16])
    if outcome == phones.Confirmation.CONFIRMED:
        return RedirectResponse(f"/o/{order.access_token}?done=phone_confirmed#preferences", 303)
    _ = translator(request, brand, order.customer.locale)
    error = {
        phones.Confirmation.WRONG: _("That code is not right. Check the text and try again."),
        phones.Confirmation.EXPIRED: _("That code has expired. Send a new one."),
        phones.Confirmation.USED_UP: _("That code no longer works. Send a new one."),
    }[outcome]
    return _order_page(request, order, 422, {"code_error": error})


async def resend_code(request: Request) -> Response:
    brand, order = await order_for_token(request)
    await checked_form(request)
    pending = order.customer.pending_phone
    if pending is None:  # confirmed meanwhile, or never asked for
        return RedirectResponse(f"/o/{order.access_token}#preferences", 303)
    locale = request_locale(request, brand, order.customer.locale)
    refused = await _text_code(request, brand, order, pending, locale, "code_error")
    if refused is not None:
        return refused
    return RedirectResponse(f"/o/{order.access_token}?done=code_sent#confirm-phone", 303)


async def _text_code(
    request: Request, brand: Brand, order: Order, phone: str, locale: str, error_slot: str
) -> Response | None:
    """Text `phone` a code unless it is the customer's number already (then only a waiting
    candidate is dropped). The page with the reason in `error_slot` when it cannot be sent."""
    customer: Customer = order.customer
    redis = app_state(request).arq
    limits = [
        (Limiter(redis, limit), str(customer.id) if per == "customer" else phone)
        for limit, per in CODE_LIMITS
    ]
    wait = max([await limiter.retry_after(subject) for limiter, subject in limits])
    _ = translator(request, brand, customer.locale)
    if wait:
        if wait <= 60:
            error = _("Wait a minute before asking for another code.")
        else:
            error = _("You asked for too many codes. Try again tomorrow.")
        return _order_page(request, order, 429, {error_slot: error}, retry_after=wait)
    if phone == customer.phone:
        if customer.pending_phone:
            await phones.forget_candidate(customer)
            customer.pending_phone = None
        return None
    cannot = _(
        "We could not text that number. Check it; if it replied STOP to us before, "
        "text START from it first."
    )
    if await phones.number_stopped(phone):
        return _order_page(request, order, 422, {error_slot: cannot})
    for limiter, subject in limits:
        await limiter.failed(subject)
    try:
        await phones.send_code(app_state(request).settings, brand, customer, phone, locale)
    except TransientSendError:
        error = _("We could not send the text just now. Try again in a minute.")
        return _order_page(request, order, 503, {error_slot: error})
    except PermanentSendError:
        return _order_page(request, order, 422, {error_slot: cannot})
    customer.pending_phone = phone
    return None


def _order_page(
    request: Request, order: Order, status: int, shown: dict[str, str], retry_after: int = 0
) -> Response:
    """Back to the order page, which shows a form's error where it belongs (never kept)."""
    anchor = "confirm-phone" if "code_error" in shown else "preferences"
    path = f"/o/{order.access_token}"
    return refused(request, path, status, anchor, retry_after=retry_after, **shown)


routes = [
    Route("/o/{token:str}/preferences", save_preferences, methods=["POST"]),
    Route("/o/{token:str}/phone/confirm", confirm_phone, methods=["POST"]),
    Route("/o/{token:str}/phone/resend", resend_code, methods=["POST"]),
]

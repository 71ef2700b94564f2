"""Notification choices from the order page: this order or all orders, email and/or SMS."""

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from tortoise.transactions import in_transaction

from porchlight import i18n
from porchlight.order_payload import to_e164
from portal.csrf import checked_form
from portal.rendering import translator
from portal.shopper.brand import order_for_token
from portal.shopper.order_page import page_context, render_order


async def save_preferences(request: Request) -> Response:
    brand, order = await order_for_token(request)
    form = await checked_form(request)
    _ = translator(request, brand, order.customer.locale)
    customer = order.customer
    email, sms = form.get("email") == "1", form.get("sms") == "1"
    phone = str(form.get("phone", "")).strip()
    error = ""
    if phone:
        try:
            phone = to_e164(phone)
        except ValueError:
            error = _(
                "That does not look like a mobile number. Include the country code, e.g. +44."
            )
    elif sms and not customer.phone:
        error = _("Enter a mobile number to get text messages.")
    if error:
        context = await page_context(request, brand, order)
        return render_order(request, brand, {**context, "prefs_error": error}, status=422)

    async with in_transaction():
        customer.phone = phone or customer.phone
        customer.locale = i18n.supported(str(form.get("locale", ""))) or customer.locale
        if sms:
            customer.sms_opted_out_at = None  # a fresh, explicit opt-in on our own page
        if form.get("scope") == "all":
            customer.email_opt_in, customer.sms_opt_in = email, sms
            order.notify_email = order.notify_sms = None
        else:
            order.notify_email, order.notify_sms = email, sms
        await customer.save()
        await order.save(update_fields=["notify_email", "notify_sms", "updated_at"])
    return RedirectResponse(f"/o/{order.access_token}?done=preferences#preferences", 303)


routes = [Route("/o/{token:str}/preferences", save_preferences, methods=["POST"])]

"""Messages: which trigger goes out on which channel, the message policy (quiet hours, shipped
grace, group hold, daily cap), and per trigger, channel and language the brand's own text with
a preview from a made-up order, a test send and a reset to the theme's wording."""

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from porchlight.accounts.audit import record
from porchlight.accounts.brand_settings import (
    BrandSettings,
    InvalidSettings,
    changed_settings,
    settings_of,
    stored,
)
from porchlight.accounts.brands import announce_brand_change
from porchlight.channels import PermanentSendError, TransientSendError
from porchlight.enums import TEXT_CHANNELS, Channel, Trigger
from porchlight.models import Brand, MessageText
from porchlight.notifications.console_mail import preview, send_test
from porchlight.notifications.messages import Rendered, default_source
from porchlight.notifications.policy import DEFAULT_CHANNELS
from porchlight.notifications.sms import is_gsm7, segments
from porchlight.notifications.texts import TextError, reset_text, save_text, variables
from porchlight.orders.payload import EMAIL, to_e164
from porchlight.platform import i18n
from portal.admin.access import brand_of, brand_page
from portal.admin.forms import bounds, optional, refusals, spec_help
from portal.admin.look_page import EMAIL_PREVIEW
from portal.admin.pages import admin_render
from portal.agent.session import agent_of
from portal.csrf import checked_form
from portal.rendering import translator
from portal.state import app_state

# The timing form's fields, as paths into the settings schema (which holds their ranges).
POLICY = (
    "quiet_hours.start",
    "quiet_hours.end",
    "shipped_grace_hours",
    "group_hold_minutes",
    "daily_message_cap",
)


def _policy_values(settings: BrandSettings) -> dict[str, Any]:
    data = settings.model_dump(mode="json")
    values = {}
    for path in POLICY:
        value: Any = data
        for part in path.split("."):
            value = value[part]
        # 12.0 shows as 12: the form shows what was typed, not the float it became
        values[path] = int(value) if isinstance(value, float) and value.is_integer() else value
    return values


def _channels(settings: BrandSettings) -> dict[Trigger, set[Channel]]:
    """What each trigger sends on now: the brand's choice or the default."""
    chosen = settings.notification_channels
    return {t: set(chosen.get(t, DEFAULT_CHANNELS.get(t, set()))) for t in Trigger}


async def _own_texts(brand: Brand) -> dict[Trigger, list[tuple[str, str]]]:
    rows = await MessageText.filter(brand=brand).order_by("locale", "channel")
    found: dict[Trigger, list[tuple[str, str]]] = {}
    for row in rows:
        found.setdefault(Trigger(row.trigger), []).append((row.locale, row.channel))
    return found


async def _overview(request: Request, *, form: Any = None, errors: Any = None, status: int = 200):
    _ = translator(request, None)
    brand = brand_of(request)
    settings = settings_of(brand)
    context = {
        "triggers": list(Trigger),
        "channels": list(TEXT_CHANNELS),
        "on": _channels(settings),
        "policy": form or _policy_values(settings),
        "help": {path: spec_help(_, path) for path in POLICY},
        "attrs": {path: bounds(path) for path in POLICY},
        "own": await _own_texts(brand),
        "errors": errors or {},
        "saved": _saved(request),
        "default_locale": brand.default_locale,
    }
    return await admin_render(
        request, "admin/messages.html", context, section="messages", status=status
    )


def _saved(request: Request) -> str:
    _ = translator(request, None)
    return _("Saved.") if request.query_params.get("saved") else ""


@brand_page
async def overview(request: Request) -> Response:
    return await _overview(request)


async def _change_settings(request: Request, changes: dict[str, Any]) -> None:
    """Applies the changes (schema paths) through the schema, stores, audits the keys that
    changed and tells every portal process. InvalidSettings names the fields refused."""
    brand = brand_of(request)
    before = stored(settings_of(brand))
    brand.settings = stored(changed_settings(brand, changes))
    await brand.save(update_fields=["settings"])
    await record(
        "settings.update",
        brand=brand,
        agent=agent_of(request),
        subject="messages",
        before=before,
        after=brand.settings,
    )
    await announce_brand_change(app_state(request).arq)


@brand_page
async def save_policy(request: Request) -> Response:
    """The numbers go to the schema as typed; each one it refuses is named beside its field and
    nothing is saved."""
    form = await checked_form(request)
    _ = translator(request, None)
    values = {path: optional(form, path) for path in POLICY}
    try:
        await _change_settings(request, values)
    except InvalidSettings as exc:
        shown = {path: value or "" for path, value in values.items()}
        return await _overview(request, form=shown, errors=refusals(_, exc), status=400)
    return RedirectResponse(f"/admin/brands/{brand_of(request).slug}/messages?saved=1", 303)


@brand_page
async def save_channels(request: Request) -> Response:
    """The checked boxes are each trigger's channels; only choices that differ from the
    default are stored, so a later change of a default still reaches the brand."""
    form = await checked_form(request)
    checked = set(form.getlist("on"))
    chosen = {}
    for trigger in Trigger:
        wanted = {c for c in TEXT_CHANNELS if f"{trigger.value}:{c.value}" in checked}
        if wanted != DEFAULT_CHANNELS.get(trigger, set()):
            chosen[trigger.value] = sorted(wanted)
    await _change_settings(request, {"notification_channels": chosen})
    return RedirectResponse(f"/admin/brands/{brand_of(request).slug}/messages?saved=1", 303)


def _message_path(request: Request) -> tuple[Trigger, Channel, str]:
    """The trigger, channel and language in the path; anything else is a 404."""
    params = request.path_params
    try:
        trigger, channel = Trigger(params["trigger"]), Channel(params["channel"])
    except ValueError:
        raise HTTPException(404) from None
    locale = params["locale"]
    if locale not in i18n.SUPPORTED or channel not in TEXT_CHANNELS:  # WhatsApp: templates
        raise HTTPException(404)
    return trigger, channel, locale


def _sms_facts(text: str) -> dict[str, Any]:
    return {"length": len(text), "segments": segments(text), "gsm7": is_gsm7(text)}


async def _editor(
    request: Request,
    *,
    source: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: Rendered | None = None,
    notice: str = "",
    test_to: str = "",
    status: int = 200,
) -> Response:
    brand = brand_of(request)
    trigger, channel, locale = _message_path(request)
    own = await MessageText.get_or_none(
        brand=brand, trigger=trigger, channel=channel, locale=locale
    )
    default = default_source(trigger, brand.theme, locale)
    if source is None:
        source = (
            {"subject": own.subject, "body": own.body}
            if own
            else {
                "subject": default["subject"],
                "body": default["sms" if channel == Channel.SMS else "body"],
            }
        )
    if message is None and not errors:
        message = _preview(request, brand, source)
    context = {
        "trigger": trigger,
        "channel": channel,
        "locale": locale,
        "text_locales": [(code, i18n.language_name(code)) for code in i18n.SUPPORTED],
        "variables": variables(trigger),
        "source": source,
        "own": own,
        "message": message,
        "sms": _sms_facts(message.sms) if message and channel == Channel.SMS else None,
        "errors": errors or {},
        "notice": notice,
        "test_to": test_to,
    }
    return await admin_render(
        request, "admin/message_text.html", context, section="messages", status=status
    )


def _preview(request: Request, brand: Brand, source: dict[str, str]) -> Rendered:
    trigger, channel, locale = _message_path(request)
    return preview(
        brand,
        trigger,
        channel,
        locale,
        subject=source["subject"],
        body=source["body"],
        base_url=app_state(request).settings.public_base_url,
    )


@brand_page
async def edit_text(request: Request) -> Response:
    return await _editor(request)


def _text_error(request: Request, exc: TextError) -> dict[str, str]:
    _ = translator(request, None)
    return {exc.field if exc.field == "subject" else "body": _(exc.message) % exc.params}


@brand_page
async def act_on_text(request: Request) -> Response:
    """save | preview | test | reset, from the editor's buttons (no JavaScript needed)."""
    form = await checked_form(request)
    _ = translator(request, None)
    brand, agent = brand_of(request), agent_of(request)
    trigger, channel, locale = _message_path(request)
    action = request.path_params["action"]
    source = {"subject": str(form.get("subject", "")), "body": str(form.get("body", ""))}
    where = f"{trigger.value}/{channel.value}/{locale}"
    if action == "reset":
        if await reset_text(brand, trigger, channel, locale):
            await record("message.reset", brand=brand, agent=agent, subject=where)
        return await _editor(request, notice=_("Back to the default text."))
    if action not in {"save", "preview", "test"}:
        raise HTTPException(404)
    try:
        message = _preview(request, brand, source)
    except TextError as exc:
        return await _editor(request, source=source, errors=_text_error(request, exc), status=400)
    if action == "save":
        before = await MessageText.get_or_none(
            brand=brand, trigger=trigger, channel=channel, locale=locale
        )
        row = await save_text(
            brand,
            trigger,
            channel,
            locale,
            subject=source["subject"],
            body=source["body"],
            agent=agent,
        )
        await record(
            "message.save",
            brand=brand,
            agent=agent,
            subject=where,
            before={"subject": before.subject, "body": before.body} if before else None,
            after={"subject": row.subject, "body": row.body},
        )
        return await _editor(
            request, message=message, notice=_("Saved. Messages use this text from now on.")
        )
    if action == "test":
        return await _send_test(request, brand, channel, source, message, str(form.get("to", "")))
    return await _editor(request, source=source, message=message)


async def _send_test(
    request: Request,
    brand: Brand,
    channel: Channel,
    source: dict[str, str],
    message: Rendered,
    raw_to: str,
) -> Response:
    _ = translator(request, None)
    to = raw_to.strip()
    try:
        if channel == Channel.SMS:
            to = to_e164(to)
        elif len(to) > 254 or not EMAIL.match(to):
            raise ValueError
    except ValueError:
        error = (
            _("Enter a mobile number in international format, e.g. +4915112345678.")
            if channel == Channel.SMS
            else _("Enter an email address.")
        )
        return await _editor(
            request,
            source=source,
            message=message,
            errors={"to": error},
            test_to=raw_to,
            status=400,
        )
    settings = app_state(request).settings
    try:
        sent = await send_test(settings, brand, channel, to, message)
    except (TransientSendError, PermanentSendError) as exc:
        error = _("The provider refused the test: %(error)s") % {"error": str(exc)}
        return await _editor(
            request, source=source, message=message, errors={"to": error}, test_to=to, status=502
        )
    trigger, _c, locale = _message_path(request)
    await record(
        "message.test",
        brand=brand,
        agent=agent_of(request),
        subject=f"{trigger.value}/{channel.value}/{locale}",
        after={"to": to, "id": sent},
    )
    notice = _("Test sent to %(to)s (%(id)s).") % {"to": to, "id": sent}
    return await _editor(request, source=source, message=message, notice=notice, test_to=to)


@brand_page
async def email_html(request: Request) -> Response:
    """The edited email as a mail client shows it, framed beside the editor: the draft comes
    in the query string (a GET the iframe can load), nothing is saved."""
    if _message_path(request)[1] != Channel.EMAIL:
        raise HTTPException(404)
    draft = {name: request.query_params.get(name, "") for name in ("subject", "body")}
    try:
        message = _preview(request, brand_of(request), draft)
    except TextError:
        return Response(status_code=400)
    return HTMLResponse(message.html, headers=EMAIL_PREVIEW)


BASE = "/admin/brands/{slug}/messages"
routes = [
    Route(BASE, overview, methods=["GET"]),
    Route(f"{BASE}/policy", save_policy, methods=["POST"]),
    Route(f"{BASE}/channels", save_channels, methods=["POST"]),
    Route(f"{BASE}/{{trigger}}/{{channel}}/{{locale}}", edit_text, methods=["GET"]),
    Route(f"{BASE}/{{trigger}}/{{channel}}/{{locale}}/email.html", email_html, methods=["GET"]),
    Route(f"{BASE}/{{trigger}}/{{channel}}/{{locale}}/{{action}}", act_on_text, methods=["POST"]),
]

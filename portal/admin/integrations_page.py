"""Integrations: the brand's API keys (made with scopes, shown once, revoked by prefix), its
retailer webhook (address, secret rotation, a test ping and the last deliveries) and the
aggregators' webhook addresses with whether a signed event came in the last day."""

import secrets
from datetime import timedelta
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from porchlight.accounts.apikeys import ApiKeyError, api_keys, create_api_key, revoke_api_key
from porchlight.accounts.audit import record
from porchlight.accounts.brand_settings import (
    InvalidSettings,
    changed_settings,
    settings_of,
    stored,
)
from porchlight.enums import EventSource, Scope
from porchlight.models import Shipment, TrackingEvent
from porchlight.orders.links import brand_base_url
from porchlight.orders.retailer_webhook import ping, recent_deliveries
from porchlight.platform.clock import utcnow
from portal.admin.access import brand_of, brand_page, is_owner
from portal.admin.forms import refusals, spec_help, text
from portal.admin.pages import admin_render
from portal.agent.session import agent_of
from portal.csrf import checked_form
from portal.rendering import translator
from portal.state import app_state

RECENT = timedelta(hours=24)


def _masked(secret: str | None) -> str | None:
    """What the audit log and the page keep of a secret: its last four characters."""
    return f"…{secret[-4:]}" if secret else None


async def _aggregators(request: Request) -> list[dict[str, Any]]:
    brand = brand_of(request)
    settings = app_state(request).settings
    base = await brand_base_url(settings.public_base_url, brand)
    shippo_token = settings.shippo_webhook_token
    token_shown = (
        shippo_token.get_secret_value() if shippo_token and is_owner(agent_of(request)) else "…"
    )
    configured = {
        EventSource.EASYPOST: settings.easypost_webhook_secret is not None,
        EventSource.AFTERSHIP: settings.aftership_webhook_secret is not None,
        EventSource.SHIPPO: shippo_token is not None,
    }
    urls = {
        EventSource.EASYPOST: f"{base}/hooks/easypost",
        EventSource.AFTERSHIP: f"{base}/hooks/aftership",
        EventSource.SHIPPO: f"{base}/hooks/shippo?token={token_shown}",
    }
    theirs = Subquery(Shipment.filter(order__brand=brand).values("tracking_number"))
    rows = []
    for source in EventSource:
        last = (
            await TrackingEvent.filter(
                source=source, received_at__gte=utcnow() - RECENT, tracking_number__in=theirs
            )
            .order_by("-received_at")
            .first()
        )
        rows.append(
            {
                "source": source.value,
                "url": urls[source],
                "configured": configured[source],
                "last": last.received_at if last else None,
            }
        )
    return rows


async def _page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    new_key: str = "",
    new_secret: str = "",
    saved: str = "",
    url: str | None = None,
    status: int = 200,
) -> Response:
    _ = translator(request, None)
    brand = brand_of(request)
    chosen = settings_of(brand)
    context = {
        "errors": errors or {},
        "keys": await api_keys(brand),
        "scopes": [(scope.value, scope.value) for scope in Scope],
        "new_key": new_key,
        "new_secret": new_secret,
        "webhook_url": chosen.retailer_webhook_url if url is None else url,
        "secret_hint": _masked(chosen.retailer_webhook_secret),
        "url_help": spec_help(_, "retailer_webhook_url"),
        "deliveries": await recent_deliveries(brand),
        "aggregators": await _aggregators(request),
        "owner_only_token": not is_owner(agent_of(request)),
        "saved": saved,
    }
    return await admin_render(
        request, "admin/integrations.html", context, section="integrations", status=status
    )


@brand_page
async def show(request: Request) -> Response:
    _ = translator(request, None)
    done = {
        "revoked": _("The key is revoked: requests made with it are refused from now on."),
        "webhook": _("Saved."),
        "ping": _("Test ping sent: see the first row of the deliveries."),
    }
    return await _page(request, saved=done.get(request.query_params.get("done", ""), ""))


@brand_page
async def new_key(request: Request) -> Response:
    """The key is on this one page and nowhere else: only its hash is kept."""
    form = await checked_form(request)
    _ = translator(request, None)
    brand = brand_of(request)
    wanted = [Scope(s) for s in form.getlist("scopes") if s in set(Scope)]
    if not wanted:
        return await _page(request, errors={"scopes": _("Choose at least one scope.")}, status=400)
    key = await create_api_key(brand, wanted)
    await record(
        "api_key.create",
        brand=brand,
        agent=agent_of(request),
        subject=f"api_key:{key[:10]}",
        after={"prefix": key[:10], "scopes": [s.value for s in wanted]},
    )
    return await _page(request, new_key=key, status=201)


@brand_page
async def revoke_key(request: Request) -> Response:
    form = await checked_form(request)
    _ = translator(request, None)
    brand = brand_of(request)
    prefix = text(form, "prefix", 16)
    try:
        key = await revoke_api_key(brand, prefix)
    except ApiKeyError:
        error = _("No usable key starts with %(prefix)s.") % {"prefix": prefix}
        return await _page(request, errors={"prefix": error}, status=400)
    await record(
        "api_key.revoke",
        brand=brand,
        agent=agent_of(request),
        subject=f"api_key:{key.prefix}",
        before={"revoked": False},
        after={"revoked": True},
    )
    return RedirectResponse(f"/admin/brands/{brand.slug}/integrations?done=revoked", 303)


async def _save_webhook(request: Request, changes: dict[str, Any]) -> None:
    brand = brand_of(request)
    before = settings_of(brand)
    brand.settings = stored(changed_settings(brand, changes))
    after = settings_of(brand)
    async with in_transaction():
        await brand.save(update_fields=["settings"])
        await record(
            "webhook.rotate" if "retailer_webhook_secret" in changes else "webhook.update",
            brand=brand,
            agent=agent_of(request),
            subject=f"brand:{brand.slug}",
            before={
                "url": before.retailer_webhook_url,
                "secret": _masked(before.retailer_webhook_secret),
            },
            after={
                "url": after.retailer_webhook_url,
                "secret": _masked(after.retailer_webhook_secret),
            },
        )


@brand_page
async def webhook(request: Request) -> Response:
    form = await checked_form(request)
    _ = translator(request, None)
    url = text(form, "retailer_webhook_url") or None
    try:
        await _save_webhook(request, {"retailer_webhook_url": url})
    except InvalidSettings as exc:
        return await _page(request, errors=refusals(_, exc), url=url or "", status=400)
    return RedirectResponse(
        f"/admin/brands/{brand_of(request).slug}/integrations?done=webhook", 303
    )


@brand_page
async def rotate_secret(request: Request) -> Response:
    """A new secret, shown once; the old one stops signing at once (tell the retailer first)."""
    await checked_form(request)
    secret = secrets.token_urlsafe(32)
    await _save_webhook(request, {"retailer_webhook_secret": secret})
    return await _page(request, new_secret=secret)


@brand_page
async def send_ping(request: Request) -> Response:
    await checked_form(request)
    _ = translator(request, None)
    brand = brand_of(request)
    chosen = settings_of(brand)
    if not chosen.retailer_webhook_url or not chosen.retailer_webhook_secret:
        error = _("Set the webhook address and a secret first.")
        return await _page(request, errors={"ping": error}, status=400)
    async with httpx.AsyncClient() as http:
        answer = await ping(http, brand)
    await record(
        "webhook.ping",
        brand=brand,
        agent=agent_of(request),
        subject=f"brand:{brand.slug}",
        after={"status": answer.delivery.status_code, "error": answer.delivery.error},
    )
    return RedirectResponse(f"/admin/brands/{brand.slug}/integrations?done=ping", 303)


routes = [
    Route("/admin/brands/{slug}/integrations", show, methods=["GET"]),
    Route("/admin/brands/{slug}/integrations/keys", new_key, methods=["POST"]),
    Route("/admin/brands/{slug}/integrations/keys/revoke", revoke_key, methods=["POST"]),
    Route("/admin/brands/{slug}/integrations/webhook", webhook, methods=["POST"]),
    Route("/admin/brands/{slug}/integrations/webhook/secret", rotate_secret, methods=["POST"]),
    Route("/admin/brands/{slug}/integrations/webhook/ping", send_ping, methods=["POST"]),
]

"""Rendering pages: the brand's theme, the visitor's language, CSRF token, htmx partials."""

from collections.abc import Callable
from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from porchlight.accounts.brand_settings import settings_of
from porchlight.models import Brand
from porchlight.platform import i18n
from porchlight.tracking.templating import environment
from portal.assets import asset_url
from portal.brand_assets import look_of
from portal.csrf import SLOT, csrf_token

LANG_COOKIE = "lang"


def offered(brand: Brand | None) -> tuple[str, ...]:
    """The languages the brand's pages offer (the console's "Languages offered"); all without."""
    if brand is None:
        return i18n.SUPPORTED
    return _in_order(settings_of(brand).languages)


@cache
def _in_order(chosen: frozenset[str]) -> tuple[str, ...]:
    """Asked on every view of a brand's page; the sets a brand can choose are few."""
    return tuple(code for code in i18n.SUPPORTED if code in chosen)


def request_locale(request: Request, brand: Brand | None, preferred: str | None = None) -> str:
    """Explicit choice (?lang=, then cookie) → Accept-Language → a stored preference → brand;
    each only among the languages the brand offers."""
    among = offered(brand)
    return (
        i18n.supported(request.query_params.get("lang"), among)
        or i18n.supported(request.cookies.get(LANG_COOKIE), among)
        or i18n.best_match(request.headers.get("accept-language", ""), among)
        or i18n.supported(preferred, among)
        or i18n.supported(brand.default_locale if brand else None)
        or i18n.DEFAULT
    )


def tone(brand: Brand | None) -> i18n.Tone:
    """How the brand's pages address the shopper (the agents' pages belong to no brand)."""
    return settings_of(brand).tone if brand else i18n.Tone.INFORMAL


def translator(
    request: Request, brand: Brand | None, preferred: str | None = None
) -> Callable[[str], str]:
    """gettext in the language the page will be shown in, for messages built in Python."""
    return i18n.translations(request_locale(request, brand, preferred), tone(brand)).gettext


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render_html(
    request: Request,
    brand: Brand | None,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    locale: str | None = None,
) -> str:
    """The page with `csrf.SLOT` where the visitor's token goes (`respond` puts it in). No
    `request` reaches a template: a page may be kept and shown to every visitor."""
    locale = locale or request_locale(request, brand)
    env = environment(brand.theme if brand else "default", locale, tone(brand))
    return env.get_template(template).render(
        brand=brand,
        look=look_of(brand) if brand else None,
        asset=asset_url,
        csrf_token=SLOT,
        languages=[(code, i18n.language_name(code)) for code in offered(brand)],
        **(context or {}),
    )


def render(
    request: Request,
    brand: Brand | None,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    locale: str | None = None,
    headers: dict[str, str] | None = None,
    csrf: str | None = None,
) -> HTMLResponse:
    html = render_html(request, brand, template, context, locale=locale)
    return respond(request, html, status=status, headers=headers, csrf=csrf)


def respond(
    request: Request,
    html: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    csrf: str | None = None,
) -> HTMLResponse:
    """A rendered page for this visitor: `csrf` or their session's CSRF token, and their
    choice of language kept."""
    token = csrf if csrf is not None else csrf_token(request)
    response = HTMLResponse(html.replace(SLOT, token), status_code=status, headers=headers)
    keep_language(request, response)
    return response


def keep_language(request: Request, response: Response) -> None:
    """A language chosen with `?lang=` stays chosen (a cookie), for pages served whole or 304."""
    chosen = i18n.supported(request.query_params.get("lang"))
    if chosen:
        response.set_cookie(
            LANG_COOKIE,
            chosen,
            max_age=365 * 86400,
            samesite="lax",
            secure=request.url.scheme == "https",
            httponly=True,
        )

"""Rendering console pages: the navigation, the brand being administered, never kept."""

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from portal.admin.access import administered, is_owner
from portal.admin.nav import NAV
from portal.agent.session import agent_of
from portal.rendering import render

NO_STORE = {"Cache-Control": "no-store"}


async def admin_render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    section: str = "",
    status: int = 200,
) -> HTMLResponse:
    """A console page in the console's own look (never the brand's theme: a broken theme must
    not lock its admin out), with the section `section` marked current."""
    agent = agent_of(request)
    page = {
        "agent": agent,
        "owner": is_owner(agent),
        "admin_brands": await administered(agent),
        "current": getattr(request.state, "brand", None),
        "nav": NAV,
        "section": section,
        **(context or {}),
    }
    return render(request, None, template, page, status=status, headers=NO_STORE)

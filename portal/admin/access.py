"""Who may administer what. `admin` agents administer the brands they belong to, `owner` agents
every brand; anyone else signed in gets 403 on every console route, and a brand the admin does
not administer answers 404 (its existence is not confirmed)."""

from collections.abc import Awaitable, Callable
from functools import wraps

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from porchlight.accounts.brands import brand_by_slug
from porchlight.enums import Role
from porchlight.models import Agent, Brand
from portal.agent.session import agent_of, requires_agent

Page = Callable[[Request], Awaitable[Response]]


def is_owner(agent: Agent) -> bool:
    return agent.role == Role.OWNER


async def administered(agent: Agent) -> list[Brand]:
    """The brands the agent may administer, by name."""
    if is_owner(agent):
        return await Brand.all().order_by("name", "id")
    return sorted(agent.brands, key=lambda b: (b.name, b.id))  # loaded with the session


def console_page(endpoint: Page) -> Page:
    """Signed-in admins and owners only; others 403, strangers to the login page."""
    return requires_agent(Role.ADMIN)(endpoint)


def owner_page(endpoint: Page) -> Page:
    """Deployment-wide actions (creating a brand): owners only, admins 403 too."""
    return requires_agent(Role.OWNER)(endpoint)


def brand_page(endpoint: Page) -> Page:
    """A page about the brand in the path's `{slug}`: 404 unless the agent administers it."""

    @wraps(endpoint)
    async def with_brand(request: Request) -> Response:
        agent = agent_of(request)
        slug = request.path_params["slug"]
        brand = (
            await brand_by_slug(slug)
            if is_owner(agent)
            else next((b for b in agent.brands if b.slug == slug), None)
        )
        if brand is None:
            raise HTTPException(404)
        if not is_owner(agent):
            await brand.refresh_from_db()  # the session loaded it; a form must see the latest
        request.state.brand = brand
        return await endpoint(request)

    return requires_agent(Role.ADMIN)(with_brand)


def brand_of(request: Request) -> Brand:
    return request.state.brand  # type: ignore[no-any-return]

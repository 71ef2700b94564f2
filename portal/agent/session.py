"""Who is signed in: the agent whose live session (a database row) the cookie's key opens, and
the brands they may see."""

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import TypeVar
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from porchlight.accounts.agents import session_agent
from porchlight.enums import Role
from porchlight.models import Agent
from porchlight.tracking.status_text import N_
from portal.state import app_state

SESSION_KEY = "agent_session"
RANK = {Role.AGENT: 0, Role.LEAD: 1, Role.ADMIN: 2, Role.OWNER: 3}
Endpoint = TypeVar("Endpoint", bound=Callable[..., Awaitable[Response]])


async def signed_in(request: Request) -> Agent | None:
    key = request.session.get(SESSION_KEY)
    if not isinstance(key, str):
        return None
    return await session_agent(key, app_state(request).settings)


def requires_agent(role: Role = Role.AGENT) -> Callable[[Endpoint], Endpoint]:
    """Unauthenticated → the login page (then back); a lower role → 403."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @wraps(endpoint)
        async def guarded(request: Request) -> Response:
            agent = await signed_in(request)
            if agent is None:
                if request.headers.get("hx-request") == "true":
                    return Response(status_code=401, headers={"HX-Redirect": "/agent/login"})
                back = quote(
                    request.url.path + (f"?{request.url.query}" if request.url.query else "")
                )
                return RedirectResponse(f"/agent/login?next={back}", 303)
            if RANK[Role(agent.role)] < RANK[role]:
                raise HTTPException(403, N_("Your role cannot do this."))
            request.state.agent = agent
            request.state.brand_ids = [b.id for b in agent.brands]
            return await endpoint(request)

        return guarded  # type: ignore[return-value]

    return decorate


def agent_of(request: Request) -> Agent:
    return request.state.agent  # type: ignore[no-any-return]


def brand_ids(request: Request) -> list[int]:
    return request.state.brand_ids  # type: ignore[no-any-return]

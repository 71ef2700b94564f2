"""Signing in and out. Failures are counted per account (stored, survives restarts) and per
client address (Redis, shared by every portal process); either one locks further tries."""

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from porchlight.agents import password_matches
from porchlight.clock import utcnow
from porchlight.models import Agent
from portal.agent.session import SESSION_AGENT, signed_in
from portal.csrf import checked_form
from portal.ratelimit import Limit, Limiter
from portal.rendering import render, translator
from portal.state import app_state

ACCOUNT_ATTEMPTS = 5
ACCOUNT_LOCK = timedelta(minutes=15)
CLIENT_LIMIT = Limit("agent-login", attempts=20, window_seconds=15 * 60)


def _next(raw: object) -> str:
    """Only a path inside the workspace: never an open redirect."""
    target = str(raw or "")
    return target if target.startswith("/agent/") and not target.startswith("//") else "/agent/"


async def login_page(request: Request) -> Response:
    if await signed_in(request):
        return RedirectResponse("/agent/", 303)
    return render(
        request, None, "agent/login.html", {"next": _next(request.query_params.get("next"))}
    )


async def login(request: Request) -> Response:
    form = await checked_form(request)
    _ = translator(request, None)
    email = str(form.get("email", "")).strip().lower()[:254]
    password = str(form.get("password", ""))
    client = request.client.host if request.client else "unknown"
    limiter = Limiter(app_state(request).arq, CLIENT_LIMIT)
    agent = await Agent.get_or_none(email=email, active=True)
    now = utcnow()
    error = ""
    if await limiter.retry_after(client):
        error = _("Too many failed sign-ins from here. Try again in 15 minutes.")
    elif agent is not None and agent.locked_until and agent.locked_until > now:
        error = _("This account is locked after repeated failed sign-ins. Try again in 15 minutes.")
    elif agent is None or not password_matches(agent, password):
        await limiter.failed(client)
        if agent is not None:
            agent.failed_logins += 1
            if agent.failed_logins >= ACCOUNT_ATTEMPTS:
                agent.failed_logins, agent.locked_until = 0, now + ACCOUNT_LOCK
            await agent.save(update_fields=["failed_logins", "locked_until"])
        error = _("Wrong email or password.")
    if error or agent is None:
        context = {"next": _next(form.get("next")), "error": error, "email": email}
        return render(request, None, "agent/login.html", context, status=401)
    agent.failed_logins, agent.locked_until = 0, None
    await agent.save(update_fields=["failed_logins", "locked_until"])
    request.session.clear()  # a fresh session (and CSRF token) for the signed-in agent
    request.session[SESSION_AGENT] = agent.id
    return RedirectResponse(_next(form.get("next")), 303)


async def logout(request: Request) -> Response:
    await checked_form(request)
    request.session.clear()
    return RedirectResponse("/agent/login", 303)


routes = [
    Route("/agent/login", login_page, methods=["GET"]),
    Route("/agent/login", login, methods=["POST"]),
    Route("/agent/logout", logout, methods=["POST"]),
]

"""Signing in and out. Failures are counted per account (stored, survives restarts) and per
client address (Redis, shared by every portal process); either one locks further tries. An
unknown email costs the same password check as a known one."""

from datetime import timedelta

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from tortoise.expressions import F, Q

from porchlight.accounts.agents import end_session, password_matches, start_session
from porchlight.models import Agent
from porchlight.platform.clock import utcnow
from portal.agent.session import SESSION_KEY, signed_in
from portal.csrf import checked_form
from portal.ratelimit import Limit, Limiter
from portal.rendering import render, translator
from portal.state import app_state

ACCOUNT_ATTEMPTS = 5
ACCOUNT_LOCK = timedelta(minutes=15)
CLIENT_LIMIT = Limit("agent-login", attempts=20, window_seconds=15 * 60)


def _next(raw: object) -> str:
    """Only a path inside the workspace or the console: never an open redirect."""
    target = str(raw or "")
    inside = target.startswith(("/agent/", "/admin/")) or target == "/admin"
    return target if inside and "//" not in target and "\\" not in target else "/agent/"


async def login_page(request: Request) -> Response:
    if await signed_in(request):
        return RedirectResponse("/agent/", 303)
    return render(
        request, None, "agent/login.html", {"next": _next(request.query_params.get("next"))}
    )


async def _take_a_try(agent: Agent) -> bool:
    """Reserve one of the account's tries before its password is checked, in one conditional
    UPDATE (atomic on SQLite and PostgreSQL): however many arrive at once, at most
    ACCOUNT_ATTEMPTS are checked before the lock."""
    now = utcnow()
    taken = await Agent.filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now),
        id=agent.id,
        failed_logins__lt=ACCOUNT_ATTEMPTS,
    ).update(failed_logins=F("failed_logins") + 1)
    return taken == 1


async def _password_matches(request: Request, agent: Agent | None, password: str) -> bool:
    """argon2 in a worker thread, a few at a time: the event loop keeps serving meanwhile."""
    return await to_thread.run_sync(
        password_matches, agent, password, limiter=app_state(request).password_checks
    )


async def login(request: Request) -> Response:
    form = await checked_form(request)
    _ = translator(request, None)
    email = str(form.get("email", "")).strip().lower()[:254]
    password = str(form.get("password", ""))
    client = request.client.host if request.client else "unknown"
    limiter = Limiter(app_state(request).arq, CLIENT_LIMIT)
    agent = await Agent.get_or_none(email=email, active=True)
    error = ""
    if await limiter.retry_after(client):
        error = _("Too many failed sign-ins from here. Try again in 15 minutes.")
    elif agent is not None and not await _take_a_try(agent):
        error = _("This account is locked after repeated failed sign-ins. Try again in 15 minutes.")
    elif not await _password_matches(request, agent, password):
        await limiter.failed(client)
        if agent is not None:  # its last try failed: lock it, and count afresh afterwards
            await Agent.filter(id=agent.id, failed_logins__gte=ACCOUNT_ATTEMPTS).update(
                failed_logins=0, locked_until=utcnow() + ACCOUNT_LOCK
            )
        error = _("Wrong email or password.")
    if error or agent is None:
        context = {"next": _next(form.get("next")), "error": error, "email": email}
        return render(request, None, "agent/login.html", context, status=401)
    await Agent.filter(id=agent.id).update(failed_logins=0, locked_until=None)
    request.session.clear()  # a fresh session (and CSRF token) for the signed-in agent
    request.session[SESSION_KEY] = await start_session(agent, app_state(request).settings)
    return RedirectResponse(_next(form.get("next")), 303)


async def logout(request: Request) -> Response:
    """Ends the session in the database: a copy of the cookie opens nothing afterwards."""
    await checked_form(request)
    key = request.session.get(SESSION_KEY)
    if isinstance(key, str):
        await end_session(key)
    request.session.clear()
    return RedirectResponse("/agent/login", 303)


routes = [
    Route("/agent/login", login_page, methods=["GET"]),
    Route("/agent/login", login, methods=["POST"]),
    Route("/agent/logout", logout, methods=["POST"]),
]

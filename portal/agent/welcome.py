"""An invited agent's one-time link: choose a password, then sign in. The token in the path is
the only credential (its hash is what the database holds); request logs mask it."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from porchlight.accounts.agents import AgentError
from porchlight.accounts.people import accept, pending_invite
from portal.csrf import checked_form
from portal.rendering import render, translator


async def welcome_page(request: Request) -> Response:
    found = await pending_invite(request.path_params["token"])
    if found is None:
        return _gone(request)
    return render(request, None, "agent/welcome.html", {"email": found.agent.email})


def _gone(request: Request) -> Response:
    return render(request, None, "agent/welcome.html", {"gone": True}, status=404)


async def set_password(request: Request) -> Response:
    form = await checked_form(request)
    _ = translator(request, None)
    token = request.path_params["token"]
    found = await pending_invite(token)
    if found is None:
        return _gone(request)
    password, again = str(form.get("password", "")), str(form.get("password_again", ""))
    error = ""
    if len(password) < 10:
        error = _("Choose a password of at least 10 characters.")
    elif password != again:
        error = _("The two passwords differ.")
    else:
        try:
            await accept(token, password)
        except AgentError:
            return _gone(request)
        context = {"done": True, "email": found.agent.email}
        return render(request, None, "agent/welcome.html", context)
    context = {"email": found.agent.email, "error": error}
    return render(request, None, "agent/welcome.html", context, status=422)


routes = [
    Route("/agent/welcome/{token:str}", welcome_page, methods=["GET"]),
    Route("/agent/welcome/{token:str}", set_password, methods=["POST"]),
]

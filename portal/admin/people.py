"""People: the brand's agents, an invitation by email (a one-time link to set a password), a
role change, deactivation (their sessions end at once) and a lock reset. The rules and the
audit entries live in porchlight.accounts.people; this is the page."""

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from porchlight.accounts import people
from porchlight.accounts.agents import AgentError
from porchlight.channels import PermanentSendError, TransientSendError
from porchlight.enums import Role
from porchlight.notifications.console_mail import send_invite
from porchlight.orders.payload import EMAIL
from porchlight.platform.i18n import N_
from portal.admin.access import brand_of, brand_page
from portal.admin.pages import admin_render
from portal.agent.session import agent_of
from portal.csrf import checked_form
from portal.rendering import translator
from portal.state import app_state

MAX_ID = 2**31 - 1


async def _page(
    request: Request,
    *,
    notice: str = "",
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    brand, me = brand_of(request), agent_of(request)
    rows = [
        {
            "agent": a,
            "invited": people.invited(a),
            "locked": people.locked(a) or a.failed_logins > 0,
            "me": a.id == me.id,
        }
        for a in await people.people(brand)
    ]
    context = {
        "rows": rows,
        "roles": people.grantable(me),
        "notice": notice or _notice(request),
        "errors": errors or {},
        "form": form or {"email": "", "role": Role.AGENT.value},
    }
    return await admin_render(
        request, "admin/people.html", context, section="people", status=status
    )


def _notice(request: Request) -> str:
    _ = translator(request, None)
    done = request.query_params.get("done", "")
    return {
        "role": _("Role changed."),
        "deactivate": _("Deactivated: their sessions have ended."),
        "reactivate": _("Reactivated: they can sign in again."),
        "reset_lock": _("Lock reset: they can sign in again now."),
        "resend": _("A new invitation is on its way; the old link no longer works."),
        "invite": _("Invitation sent. The link works once, for 72 hours."),
    }.get(done, "")


@brand_page
async def list_people(request: Request) -> Response:
    return await _page(request)


async def _mail_invite(request: Request, email: str, token: str) -> str:
    """Sends the link; an error message when the provider refused it (the invitation stays,
    "send again" retries)."""
    _ = translator(request, None)
    brand, me = brand_of(request), agent_of(request)
    try:
        await send_invite(
            app_state(request).settings,
            brand,
            email,
            token,
            me.name or me.email,
            brand.default_locale,
        )
    except (TransientSendError, PermanentSendError) as exc:
        return _("The invitation is saved but the email failed (%(error)s): send it again.") % {
            "error": str(exc)
        }
    return ""


@brand_page
async def invite(request: Request) -> Response:
    form = await checked_form(request)
    _ = translator(request, None)
    email = str(form.get("email", "")).strip()
    role = str(form.get("role", ""))
    values = {"email": email, "role": role}
    if len(email) > 254 or not EMAIL.match(email):
        return await _page(
            request, errors={"email": _("Enter an email address.")}, form=values, status=400
        )
    if role not in set(Role):
        return await _page(request, errors={"role": _("Choose a role.")}, form=values, status=400)
    try:
        agent, token = await people.invite(
            brand_of(request), email, Role(role), by=agent_of(request)
        )
    except AgentError as exc:
        return await _page(request, errors={"email": _(str(exc))}, form=values, status=400)
    failed = await _mail_invite(request, agent.email, token)
    if failed:
        return await _page(request, errors={"email": failed}, form=values, status=502)
    return RedirectResponse(f"/admin/brands/{brand_of(request).slug}/people?done=invite", 303)


@brand_page
async def act(request: Request) -> Response:
    """role | deactivate | reactivate | reset_lock | resend, on one of the brand's agents."""
    form = await checked_form(request)
    _ = translator(request, None)
    brand, me = brand_of(request), agent_of(request)
    agent_id, action = request.path_params["agent_id"], request.path_params["action"]
    agent = await people.brand_agent(brand, agent_id) if agent_id <= MAX_ID else None
    if agent is None:
        raise HTTPException(404)
    try:
        if action == "role":
            role = str(form.get("role", ""))
            if role not in set(Role):
                raise AgentError(N_("This role cannot be given here."))
            await people.change_role(brand, agent, Role(role), by=me)
        elif action == "deactivate":
            await people.deactivate(brand, agent, by=me)
        elif action == "reactivate":
            await people.reactivate(brand, agent, by=me)
        elif action == "reset_lock":
            await people.reset_lock(brand, agent, by=me)
        elif action == "resend":
            failed = await _mail_invite(
                request, agent.email, await people.resend(brand, agent, by=me)
            )
            if failed:
                return await _page(request, errors={"people": failed}, status=502)
        else:
            raise HTTPException(404)
    except AgentError as exc:
        return await _page(request, errors={"people": _(str(exc))}, status=400)
    return RedirectResponse(f"/admin/brands/{brand.slug}/people?done={action}", 303)


BASE = "/admin/brands/{slug}/people"
routes = [
    Route(BASE, list_people, methods=["GET"]),
    Route(f"{BASE}/invite", invite, methods=["POST"]),
    Route(f"{BASE}/{{agent_id:int}}/{{action}}", act, methods=["POST"]),
]

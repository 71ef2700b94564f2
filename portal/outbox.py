"""The local outbox, browsable: what the demo (or any install without providers) would have
sent. Mounted only when OUTBOX_VIEWER is on and a channel writes to the outbox; each signed-in
agent sees their own brands' messages (they hold order links, addresses and unsubscribe links),
an owner every brand's."""

import json
import re
from typing import Any

import anyio
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from porchlight.models import Brand
from porchlight.orders.links import brand_base_url
from portal.admin.access import is_owner
from portal.agent.session import agent_of, brand_ids, requires_agent
from portal.rendering import render
from portal.state import app_state

STEM = re.compile(r"^[0-9a-z-]{1,80}-(email|sms)$")
# The stored email is shown as sent: inline styles and its brand's own images (its logo, from
# the brand's host), nothing else, no scripts.
EMAIL_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data: {origin}; sandbox"
SHOWN = 200


async def _record(path: anyio.Path, request: Request) -> dict[str, Any] | None:
    """The stored message, if it belongs to one of the agent's brands, or to any brand for an
    owner, who runs them all (a message written before the outbox recorded its brand belongs
    to none)."""
    if not await path.is_file():
        return None
    record: dict[str, Any] = json.loads(await path.read_text())
    brand = record.get("brand")
    owner = is_owner(agent_of(request)) and brand is not None
    return record if owner or brand in brand_ids(request) else None


@requires_agent()
async def outbox(request: Request) -> Response:
    directory = anyio.Path(app_state(request).settings.outbox_dir)
    messages = []
    if await directory.is_dir():
        names = sorted([p.name async for p in directory.glob("*.json")], reverse=True)
        for name in names:
            record = await _record(directory / name, request)
            if record is None:
                continue
            stem = name.removesuffix(".json")
            messages.append({**record, "stem": stem, "channel": stem.rsplit("-", 1)[1]})
            if len(messages) == SHOWN:
                break
    return render(
        request,
        None,
        "outbox.html",
        {"messages": messages, "directory": str(directory)},
        headers={"Cache-Control": "no-store"},
    )


@requires_agent()
async def outbox_email(request: Request) -> Response:
    stem = request.path_params["stem"]
    settings = app_state(request).settings
    directory = anyio.Path(settings.outbox_dir)
    html = directory / f"{stem}.html"
    record = await _record(directory / f"{stem}.json", request) if STEM.match(stem) else None
    if record is None or not await html.is_file():
        raise HTTPException(404)
    origin = await brand_base_url(settings.public_base_url, await Brand.get(id=record["brand"]))
    return HTMLResponse(
        await html.read_text(),
        headers={
            "Content-Security-Policy": EMAIL_CSP.format(origin=origin),
            "Cache-Control": "no-store",
        },
    )


routes = [
    Route("/outbox", outbox, methods=["GET"]),
    Route("/outbox/{stem:str}", outbox_email, methods=["GET"]),
]

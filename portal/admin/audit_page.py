"""The brand's audit log: who changed what, when, from what to what, newest first."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from porchlight.models import AuditEntry
from portal.admin.access import brand_of, brand_page
from portal.admin.pages import admin_render

PAGE = 50
MAX_ID = 2**63 - 1


@brand_page
async def audit_log(request: Request) -> Response:
    """A page of entries; `?before=<id>` pages back to older ones."""
    raw = request.query_params.get("before", "")
    before = int(raw) if raw.isdigit() and int(raw) <= MAX_ID else None
    entries = AuditEntry.filter(brand=brand_of(request))
    if before is not None:
        entries = entries.filter(id__lt=before)
    page = await entries.order_by("-id").limit(PAGE + 1)
    context = {
        "entries": [(e, _changes(e)) for e in page[:PAGE]],
        "older": page[PAGE - 1].id if len(page) > PAGE else None,
    }
    return await admin_render(request, "admin/audit.html", context, section="audit")


def _changes(entry: AuditEntry) -> list[tuple[str, object, object]]:
    """(key, before, after) per changed key; a value that is not an object is one row."""
    before, after = entry.before, entry.after
    if isinstance(before, dict | None) and isinstance(after, dict | None):
        before, after = before or {}, after or {}
        return [(k, before.get(k), after.get(k)) for k in sorted(before.keys() | after.keys())]
    return [("", before, after)]


routes = [Route("/admin/brands/{slug}/audit", audit_log, methods=["GET"])]

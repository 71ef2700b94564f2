"""Integrations → Import orders (/admin/brands/<slug>/integrations/import): a CSV file of orders
uploaded in the browser, imported as `porchlight import-orders` does (porchlight.connectors.
order_csv): the same validation as the API, bad rows named by line, good ones kept, and a
summary of what happened. Larger files go through the command line."""

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from porchlight.accounts.audit import record
from porchlight.connectors.order_csv import Imported, import_rows, read_orders
from porchlight.platform.i18n import N_
from portal.admin.access import brand_of, brand_page
from portal.admin.pages import admin_render
from portal.agent.session import agent_of
from portal.body import FORM_LIMIT
from portal.csrf import checked_form
from portal.rendering import translator
from portal.state import app_state

MAX_CSV_BYTES = 1024 * 1024  # a few thousand rows: imported while the admin waits
CSV_BODY_LIMIT = MAX_CSV_BYTES + FORM_LIMIT
NAME_MAX = 200


async def _page(
    request: Request, *, result: Imported | None = None, file: str = "", error: str = ""
) -> Response:
    _ = translator(request, None)
    return await admin_render(
        request,
        "admin/import.html",
        {"result": result, "file": file, "errors": {"file": _(error)} if error else {}},
        section="integrations",
        status=400 if error else 200,
    )


@brand_page
async def show(request: Request) -> Response:
    return await _page(request)


@brand_page
async def upload(request: Request) -> Response:
    """Import the uploaded file and show what was imported and which lines were refused."""
    form = await checked_form(request, max_files=1)
    upload = form.get("file")
    data = await upload.read(MAX_CSV_BYTES + 1) if isinstance(upload, UploadFile) else b""
    name = (upload.filename or "")[:NAME_MAX] if isinstance(upload, UploadFile) else ""
    await form.close()
    if not data:
        return await _page(request, error=N_("Choose a CSV file."))
    if len(data) > MAX_CSV_BYTES:
        return await _page(
            request,
            error=N_("The file is larger than 1 MB: import it with porchlight import-orders."),
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return await _page(request, error=N_("The file is not UTF-8 text."))
    brand = brand_of(request)
    rows = read_orders(iter(text.splitlines(keepends=True)))
    result = await import_rows(app_state(request).arq, brand, rows)
    await record(
        "orders.import",
        brand=brand,
        agent=agent_of(request),
        subject=f"brand:{brand.slug}",
        after={"file": name, "imported": result.stored, "refused": len(result.refused)},
    )
    return await _page(request, result=result, file=name)


PATH = "/admin/brands/{slug:str}/integrations/import"
upload_routes = [Route(PATH, upload, methods=["POST"])]
routes = [Route(PATH, show, methods=["GET"]), *upload_routes]

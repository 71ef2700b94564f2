""" "Report a problem": opens (or joins) a case of the matching exception type, with photos."""

import secrets
from collections.abc import Callable
from pathlib import Path

import anyio
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from porchlight.cases.cases import open_or_join
from porchlight.enums import CaseSource, ExceptionType
from portal.body import FORM_LIMIT
from portal.csrf import checked_form
from portal.rendering import translator
from portal.shopper.brand import shipment_for_token
from portal.shopper.flash import refused
from portal.shopper.parcels import problem_kinds
from portal.state import app_state

# What the shopper says → the exception type whose action and evidence fit it.
# Missing items arrive "unusable" as ordered, so they take the damage path (photos, packer).
PROBLEM_TYPES = {
    "damaged": ExceptionType.DAMAGE_REPORTED,
    "missing_items": ExceptionType.DAMAGE_REPORTED,
    "not_received": ExceptionType.DELIVERED_NOT_RECEIVED,
    "late": ExceptionType.DELAY,
}
MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 5 * 1024 * 1024
BODY_LIMIT = MAX_PHOTOS * MAX_PHOTO_BYTES + FORM_LIMIT  # the photos, and the form around them
IMAGE_SIGNATURES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}


def image_extension(head: bytes) -> str | None:
    """Trust the bytes, not the browser's Content-Type or the file name."""
    for signature, extension in IMAGE_SIGNATURES.items():
        if head.startswith(signature):
            return extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


async def _store_photos(
    photos: list[UploadFile], directory: Path, _: Callable[[str], str]
) -> tuple[list[str], str]:
    """(stored file names, error message). Nothing is written unless every photo passes."""
    accepted: list[tuple[bytes, str]] = []
    for photo in photos:
        data = await photo.read(MAX_PHOTO_BYTES + 1)
        if not data:
            continue
        extension = image_extension(data[:12])
        if len(data) > MAX_PHOTO_BYTES:
            return [], _("Each photo may be at most 5 MB.")
        if extension is None:
            return [], _("Photos must be JPEG, PNG or WebP images.")
        accepted.append((data, extension))
    names = []
    target = anyio.Path(directory)
    await target.mkdir(parents=True, exist_ok=True)
    for data, extension in accepted:
        name = f"{secrets.token_hex(12)}.{extension}"
        await (target / name).write_bytes(data)
        names.append(name)
    return names, ""


async def report_problem(request: Request) -> Response:
    brand, order, shipment = await shipment_for_token(request)
    form = await checked_form(request, max_files=MAX_PHOTOS + 1)
    _ = translator(request, brand, order.customer.locale)
    kind = str(form.get("kind", ""))
    text = str(form.get("text", "")).strip()[:2000]
    # A browser sends one empty, nameless file part when no photo is chosen: that one is no
    # photo. Any part with a name or with bytes is one, and counts against the three.
    photos = [
        f for f in form.getlist("photos") if isinstance(f, UploadFile) and (f.filename or f.size)
    ]
    error = ""
    if kind not in PROBLEM_TYPES or kind not in problem_kinds(shipment.status, shipment.direction):
        error = _("Choose what happened.")
    elif len(photos) > MAX_PHOTOS:
        error = _("Attach at most three photos.")
    names: list[str] = []
    try:
        if not error:
            directory = Path(app_state(request).settings.upload_dir) / str(shipment.id)
            names, error = await _store_photos(photos, directory, _)
    finally:
        await form.close()
    if error:
        path, anchor = f"/o/{order.access_token}", f"parcel-{shipment.id}"
        return refused(request, path, 422, anchor, problem_error=error, problem_for=shipment.id)
    _case, opened = await open_or_join(
        shipment,
        PROBLEM_TYPES[kind],
        CaseSource.SHOPPER,
        body=text,
        data={"problem": kind, "photos": names},
    )
    done = "reported" if opened else "report_joined"  # never "we opened a case" twice
    return RedirectResponse(f"/o/{order.access_token}?done={done}", 303)


routes = [
    Route("/o/{token:str}/parcels/{shipment_id:int}/report", report_problem, methods=["POST"])
]

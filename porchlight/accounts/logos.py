"""A brand's uploaded logo: a PNG re-encoded from its pixels (metadata and any trailing bytes
gone) or an SVG rebuilt from an allowlist of drawing elements and attributes; anything that could
script, load or embed something else is refused, not quietly dropped. Stored under the hash of
what is kept, so its URL names its content and every portal process serves the same file."""

import hashlib
import io
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from PIL import Image, UnidentifiedImageError

from porchlight.platform.i18n import N_

MAX_LOGO_BYTES = 512 * 1024
MAX_SIDE = 2048  # pixels, for a PNG
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
DRAWING = {
    "svg", "g", "defs", "title", "desc", "path", "rect", "circle", "ellipse", "line",
    "polyline", "polygon", "text", "tspan", "linearGradient", "radialGradient", "stop",
    "clipPath", "mask", "use", "symbol",
}  # fmt: skip
ATTRIBUTES = {
    "id", "class", "d", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "rx", "ry",
    "width", "height", "viewBox", "preserveAspectRatio", "points", "transform", "fill",
    "fill-opacity", "fill-rule", "clip-rule", "stroke", "stroke-width", "stroke-linecap",
    "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-opacity", "opacity",
    "offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform",
    "clip-path", "mask", "font-family", "font-size", "font-weight", "text-anchor",
    "letter-spacing", "dx", "dy", "href", "version", "role", "aria-label", "focusable",
    "xml:space", "spreadMethod", "fx", "fy", "dominant-baseline", "patternUnits",
}  # fmt: skip
# Only references inside the file: url(#id) and href="#id".
OUTSIDE = re.compile(r"url\(\s*['\"]?(?!#)|javascript:|data:|expression\(", re.IGNORECASE)


class LogoError(ValueError):
    """Why a logo was refused; `message` is marked for translation and filled with `params`."""

    def __init__(self, message: str, **params: str) -> None:
        self.message, self.params = message, params
        super().__init__(message % params)


def _png(data: bytes) -> bytes:
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            if max(image.size) > MAX_SIDE:
                raise LogoError(N_("The logo may be at most 2048 pixels wide and high."))
            image.load()
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise LogoError(N_("This PNG file could not be read.")) from None


def _local(name: str) -> tuple[str, str]:
    namespace, _, local = name[1:].partition("}") if name.startswith("{") else ("", "", name)
    return namespace, local


def _svg(data: bytes) -> bytes:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True)
    except (ET.ParseError, DefusedXmlException, ValueError):
        raise LogoError(N_("This SVG file could not be read.")) from None
    if _local(root.tag) != (SVG_NS, "svg"):
        raise LogoError(N_("This SVG file could not be read."))
    for element in root.iter():
        namespace, tag = _local(str(element.tag))
        if namespace != SVG_NS or tag not in DRAWING:
            raise LogoError(
                N_("The SVG holds something other than drawing (%(what)s)."), what=tag[:40]
            )
        for name, value in element.attrib.items():
            attr_ns, attr = _local(name)
            allowed = attr in ATTRIBUTES and attr_ns in (
                "",
                XLINK_NS,
                "http://www.w3.org/XML/1998/namespace",
            )
            if (
                not allowed
                or OUTSIDE.search(value)
                or (attr == "href" and not value.startswith("#"))
            ):
                raise LogoError(
                    N_("The SVG holds something other than drawing (%(what)s)."), what=attr[:40]
                )
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return ET.tostring(root, encoding="utf-8", xml_declaration=False)


def checked_logo(data: bytes) -> tuple[bytes, str]:
    """(what to store, its extension), or LogoError. The bytes decide the kind, not a name."""
    if len(data) > MAX_LOGO_BYTES:
        raise LogoError(N_("The logo may be at most 512 KB."))
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(data), "png"
    if b"<svg" in data[:4096]:
        return _svg(data), "svg"
    raise LogoError(N_("The logo must be a PNG or SVG file."))


def store_logo(directory: Path, data: bytes, extension: str) -> str:
    """The file's name (its content's hash); written once, shared by every process."""
    name = f"{hashlib.sha256(data).hexdigest()[:16]}.{extension}"
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    if not target.exists():
        partial = directory / f".{name}.part"
        partial.write_bytes(data)
        partial.replace(target)  # atomic: a reader never sees half a logo
    return name

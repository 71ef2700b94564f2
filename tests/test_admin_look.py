"""The Look page: theme, colours (WCAG AA or refused), tagline and logo (PNG rebuilt, SVG
allowlisted, anything else refused), previews beside the form, and a saved look on the very next
shopper page in another portal process."""

import io

import httpx
from PIL import Image
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from porchlight.accounts.brand_settings import settings_of
from porchlight.models import AuditEntry, Brand
from tests.browser_support import running_portal
from tests.factories import a_brand
from tests.test_admin_brand import an_admin

LOOK = "/admin/brands/northwind/look"


def look_form(token, **changes):
    return {"theme": "default", "accent": "#0b5d3b", "background": "#ffffff", "tagline": "",
            "csrf_token": token, **changes}  # fmt: skip


def png(width=64, height=32, **info) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "#0b5d3b").save(out, format="PNG", **info)
    return out.getvalue()


CLEAN_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20">'
    b'<title>Northwind</title><rect width="40" height="20" fill="#0b5d3b"/></svg>'
)


async def test_colours_and_tagline_are_saved_audited_and_shown_to_shoppers(client):
    await a_brand()
    token = await an_admin(client)
    saved = await client.post(LOOK, data=look_form(token, tagline="Gear & <good> weather"))
    assert saved.status_code == 303
    brand = await Brand.get(slug="northwind")
    assert settings_of(brand).accent == "#0b5d3b"
    [entry] = await AuditEntry.filter(action="look.update")
    assert entry.before == {"accent": "#1f5f8b", "background": "#f4f6f8", "tagline": ""}
    shopper = HTMLParser((await client.get("/track", headers={"host": "track.example.com"})).text)
    assert shopper.css_first(".tagline").text() == "Gear & <good> weather"  # escaped, shown
    sheet = shopper.css_first('link[href^="/brand-colours.css"]').attributes["href"]
    css = await client.get(sheet)
    assert "--accent: #0b5d3b" in css.text and "immutable" in css.headers["cache-control"]


async def test_an_accent_white_text_cannot_be_read_on_is_refused_with_its_ratio(client):
    await a_brand()
    token = await an_admin(client)
    refused = await client.post(LOOK, data=look_form(token, accent="#7fb2e5"))
    assert refused.status_code == 400
    error = HTMLParser(refused.text).css_first("#e-accent").text()
    assert "contrast of 2." in error and "WCAG AA needs 4.5:1" in error
    assert (await Brand.get(slug="northwind")).settings == {}


async def test_the_previews_show_the_draft_and_may_be_framed_only_by_the_console(client):
    await a_brand()
    await an_admin(client)
    page = await client.get(
        f"{LOOK}/preview/page?theme=fjord&accent=%230b5d3b&background=%23ffffff&tagline=Hi"
    )
    assert page.status_code == 200
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    framed = HTMLParser(page.text)
    assert framed.css_first(".tagline").text() == "Hi"
    assert framed.css_first('link[href^="/theme/fjord/theme.css"]') is not None
    email = await client.get(f"{LOOK}/preview/email?accent=%230b5d3b")
    assert "background:#0b5d3b" in email.text and "SAMPLE-1001" in email.text
    assert "script-src" not in email.headers["content-security-policy"]  # default-src 'none'
    partial = HTMLParser(
        (await client.get(f"{LOOK}/preview?accent=%23ffee00&background=%23ffffff")).text
    )
    assert "below WCAG AA" in partial.css_first(".contrast .status-bad").text()
    assert (await Brand.get(slug="northwind")).settings == {}  # previews save nothing


async def test_a_png_logo_is_rebuilt_and_served_under_its_hash(client):
    await a_brand()
    token = await an_admin(client)
    uploaded = await client.post(
        f"{LOOK}/logo",
        data={"csrf_token": token},
        files={"logo": ("logo.png", png(pnginfo=None) + b"trailing junk", "image/png")},
    )
    assert uploaded.status_code == 303, uploaded.text
    name = settings_of(await Brand.get(slug="northwind")).logo
    assert name and name.endswith(".png")
    served = await client.get(f"/brand-logo/{name}")
    assert served.headers["content-type"] == "image/png"
    assert not served.content.endswith(b"trailing junk")
    assert Image.open(io.BytesIO(served.content)).size == (64, 32)
    shopper = HTMLParser((await client.get("/track", headers={"host": "track.example.com"})).text)
    assert shopper.css_first("img.logo").attributes["src"] == f"/brand-logo/{name}"


async def test_svg_logos_with_scripts_or_outside_links_are_refused_clean_ones_kept(client):
    await a_brand()
    token = await an_admin(client)
    hostile = [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
        b'<use x:href="https://evil.example/a.svg#x"/></svg>',
        b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>hi</p></foreignObject></svg>',
        b"GIF89a not a logo",
    ]
    for body in hostile:
        refused = await client.post(
            f"{LOOK}/logo",
            data={"csrf_token": token},
            files={"logo": ("l.svg", body, "image/svg+xml")},
        )
        assert refused.status_code == 400, body
        assert HTMLParser(refused.text).css_first("#e-logo") is not None
    too_big = png(1200, 1200) + b"\0" * (512 * 1024)
    refused = await client.post(
        f"{LOOK}/logo", data={"csrf_token": token}, files={"logo": ("l.png", too_big, "image/png")}
    )
    assert refused.status_code in (400, 413)
    assert settings_of(await Brand.get(slug="northwind")).logo is None
    kept = await client.post(
        f"{LOOK}/logo",
        data={"csrf_token": token},
        files={"logo": ("l.svg", CLEAN_SVG, "image/svg+xml")},
    )
    assert kept.status_code == 303
    name = settings_of(await Brand.get(slug="northwind")).logo
    served = await client.get(f"/brand-logo/{name}")
    assert served.headers["content-type"].startswith("image/svg+xml")
    assert "sandbox" in served.headers["content-security-policy"]
    assert b"<rect" in served.content
    assert await AuditEntry.filter(action="logo.upload").count() == 1


async def test_a_saved_accent_shows_on_the_next_page_of_another_portal_process(client, settings):
    """The other process kept the brand (cached by host for 30 s); the console's save
    announces the change through Redis and its very next page has the new colours."""
    await a_brand(host="127.0.0.1")
    token = await an_admin(client)
    with running_portal(settings) as (base_url, _):
        async with httpx.AsyncClient(base_url=base_url) as other:
            first = HTMLParser((await other.get("/track")).text)
            assert first.css_first('link[href^="/brand-colours.css"]') is None
            saved = await client.post(LOOK, data=look_form(token, accent="#6b2c91"))
            assert saved.status_code == 303
            after = HTMLParser((await other.get("/track")).text)
            sheet = after.css_first('link[href^="/brand-colours.css"]').attributes["href"]
            assert "accent=6b2c91" in sheet

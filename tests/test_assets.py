"""Stylesheets, scripts and logos: versioned URLs a browser keeps for a year, so a shopper's
later views cost one request each, and a changed file shows at once under a new URL."""

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from portal.assets import FOREVER, REVALIDATE, asset_url, version
from tests.factories import a_brand, an_order


def linked_assets(html: str) -> list[str]:
    page = HTMLParser(html)
    links = [n.attributes["href"] for n in page.css("link[href]")]
    return links + [n.attributes["src"] for n in page.css("script[src], img[src]")]


async def test_a_tracking_page_links_versioned_assets_the_browser_keeps_for_a_year(client):
    brand, _ = await a_brand()
    brand.theme = "fjord"
    await brand.save()
    order = await an_order(brand, "A-1001", "TN1")
    shown = await client.get(f"/o/{order.access_token}")
    assets = linked_assets(shown.text)
    assert {a.split("?")[0] for a in assets} == {
        "/theme/fjord/logo.svg",
        "/theme/default/porchlight.css",
        "/theme/fjord/theme.css",
        "/static/vendor/htmx.min.js",
    }
    for url in assets:
        assert "?v=" in url
        fetched = await client.get(url)
        assert fetched.status_code == 200, url
        assert fetched.headers["cache-control"] == FOREVER


async def test_an_old_or_missing_version_is_revalidated_not_kept(client):
    for url in ("/static/vendor/htmx.min.js?v=0123456789abcdef", "/theme/default/porchlight.css"):
        fetched = await client.get(url)
        assert fetched.status_code == 200
        assert fetched.headers["cache-control"] == REVALIDATE
        assert fetched.headers["etag"]
    assert (await client.get("/theme/default/nothing.css?v=1")).status_code == 404


def test_after_a_restart_an_edited_file_has_a_new_version(tmp_path):
    logo = tmp_path / "logo.svg"
    logo.write_text("<svg>old</svg>")
    before = version(logo)
    logo.write_text("<svg>new</svg>")
    assert version(logo) == before  # read once per process, like the pages it keeps
    version.cache_clear()  # what a restart does
    assert version(logo) != before
    assert version(tmp_path / "missing.svg") is None


async def test_a_versioned_file_revalidated_anyway_stays_kept(client):
    url = asset_url("/static/vendor/htmx.min.js")
    etag = (await client.get(url)).headers["etag"]
    again = await client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["cache-control"] == FOREVER


async def test_the_agent_pages_script_is_versioned_too(client):
    login = await client.get("/agent/login")
    assert any(url.startswith("/static/agent.js?v=") for url in linked_assets(login.text))

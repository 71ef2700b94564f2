"""The console's doors: admins administer their own brands, owners every brand and alone create
brands; a lead or agent gets 403 on every console route, another brand's admin a 404."""

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from porchlight.accounts.agents import upsert_agent
from porchlight.models import AuditEntry, Brand, BrandHost
from portal import admin
from tests.factories import a_brand
from tests.test_agent_workspace import PASSWORD, an_agent, csrf_from, sign_in, signed_in_token


def console_requests() -> list[tuple[str, str]]:
    """(method, path) of every console route, the brand placeholder filled with fjord."""
    found = []
    for route in admin.routes:
        path = route.path.replace("{slug}", "fjord")
        path = path.replace("{prefix}", "pl_xxxxxxx").replace("{host}", "x.example.com")
        found += [(method, path) for method in sorted(route.methods - {"HEAD"})]
    return found


async def an_owner(email="owner@porchlight.test"):
    return await upsert_agent(email, PASSWORD, "owner", [], name="Olga")


@pytest.mark.parametrize("role", ["agent", "lead"])
async def test_agents_and_leads_get_403_on_every_console_route(client, role):
    await a_brand()
    await a_brand("fjord", host="fjord.example.com")
    await an_agent(role=role, brands=("northwind", "fjord"))
    token = await signed_in_token(client, "agent@northwind.test")
    for method, path in console_requests():
        response = await client.request(method, path, data={"csrf_token": token})
        assert response.status_code == 403, (method, path)
    assert await AuditEntry.all().count() == 0


async def test_another_brands_admin_gets_404_on_every_brand_page(client):
    await a_brand()
    await a_brand("fjord", host="fjord.example.com")
    await an_agent("admin@northwind.test", role="admin")
    token = await signed_in_token(client, "admin@northwind.test")
    for method, path in console_requests():
        if "/fjord" not in path:
            continue
        response = await client.request(method, path, data={"csrf_token": token})
        assert response.status_code == 404, (method, path)
        assert "Fjord" not in response.text
    assert await AuditEntry.all().count() == 0


async def test_strangers_are_sent_to_sign_in_and_come_back_to_the_console(client):
    await a_brand()
    await an_agent("admin@northwind.test", role="admin")
    response = await client.get("/admin/brands/northwind/audit")
    assert response.status_code == 303
    assert response.headers["location"] == "/agent/login?next=/admin/brands/northwind/audit"
    page = await client.get(response.headers["location"])
    signed = await client.post(
        "/agent/login",
        data={
            "email": "admin@northwind.test",
            "password": PASSWORD,
            "next": "/admin/brands/northwind/audit",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert signed.headers["location"] == "/admin/brands/northwind/audit"


async def test_an_admin_sees_only_their_brands_and_cannot_create_one(client):
    await a_brand()
    await a_brand("fjord", host="fjord.example.com")
    await an_agent("admin@northwind.test", role="admin")
    token = await signed_in_token(client, "admin@northwind.test")
    home = HTMLParser((await client.get("/admin/")).text)
    assert [a.text(strip=True) for a in home.css(".brand-list a")] == ["Northwind"]
    assert home.css_first('form[action="/admin/brands"]') is None
    refused = await client.post(
        "/admin/brands",
        data={"name": "Acme", "slug": "acme", "host": "acme.test", "csrf_token": token},
    )
    assert refused.status_code == 403
    assert not await Brand.exists(slug="acme")


async def test_an_owner_creates_a_brand_and_the_log_says_who(client):
    await an_owner()
    await sign_in(client, "owner@porchlight.test")
    home = await client.get("/admin/")
    created = await client.post(
        "/admin/brands",
        data={
            "name": "Acme",
            "slug": "acme",
            "host": "Track.Acme.test",
            "default_locale": "de",
            "csrf_token": csrf_from(home.text),
        },
    )
    assert created.status_code == 303
    brand = await Brand.get(slug="acme")
    assert brand.default_locale == "de"
    assert await BrandHost.filter(brand=brand).values_list("host", flat=True) == ["track.acme.test"]
    log = HTMLParser((await client.get("/admin/brands/acme/audit")).text)
    [row] = log.css("table.audit tbody tr")
    cells = [td.text(separator=" ", strip=True) for td in row.css("td")]
    assert cells[1] == "owner@porchlight.test" and cells[2].startswith("Brand created")
    assert "track.acme.test" in cells[3]


async def test_a_brand_on_a_host_another_brand_serves_is_refused_with_the_field_named(client):
    await a_brand()
    await an_owner()
    await sign_in(client, "owner@porchlight.test")
    home = await client.get("/admin/")
    refused = await client.post(
        "/admin/brands",
        data={
            "name": "Copy",
            "slug": "copy",
            "host": "track.example.com",
            "csrf_token": csrf_from(home.text),
        },
    )
    assert refused.status_code == 400
    page = HTMLParser(refused.text)
    assert page.css_first("#f-host").attributes["aria-invalid"] == "true"
    assert "track.example.com already serves a brand." in page.css_first("#e-host").text()
    assert not await Brand.exists(slug="copy")


async def test_a_console_form_without_its_csrf_token_is_refused(client):
    await an_owner()
    await sign_in(client, "owner@porchlight.test")
    response = await client.post(
        "/admin/brands", data={"name": "Acme", "slug": "acme", "host": "acme.test"}
    )
    assert response.status_code == 403
    assert not await Brand.exists(slug="acme")

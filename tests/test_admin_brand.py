"""The Brand page: name, hosts, languages, time zone, support contact and sender, each change
audited and refused field by field when wrong."""

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from porchlight.accounts.brand_settings import settings_of
from porchlight.models import AuditEntry, Brand, BrandHost
from tests.factories import a_brand
from tests.test_agent_workspace import an_agent, signed_in_token


async def an_admin(client, brands=("northwind",)) -> str:
    await an_agent("admin@northwind.test", role="admin", brands=brands)
    return await signed_in_token(client, "admin@northwind.test")


def brand_form(**changes):
    form = {
        "name": "Northwind Outfitters",
        "languages": ["en", "de"],
        "default_locale": "de",
        "time_zone": "Europe/Berlin",
        "support.email": "help@northwind.test",
        "support.phone": "+49 30 1234567",
        "support.url": "https://northwind.test/help",
        "email_from": "tracking@northwind.test",
        "reply_to": "care@northwind.test",
    }
    return {**form, **changes}


async def test_an_admin_changes_the_brand_and_the_log_shows_before_and_after(client):
    await a_brand()
    token = await an_admin(client)
    saved = await client.post(
        "/admin/brands/northwind/brand", data={**brand_form(), "csrf_token": token}
    )
    assert saved.status_code == 303
    brand = await Brand.get(slug="northwind")
    assert (brand.name, brand.default_locale, brand.time_zone, brand.email_from) == (
        "Northwind Outfitters",
        "de",
        "Europe/Berlin",
        "tracking@northwind.test",
    )
    chosen = settings_of(brand)
    assert chosen.languages == {"en", "de"} and chosen.reply_to == "care@northwind.test"
    assert chosen.support.url == "https://northwind.test/help"
    [entry] = await AuditEntry.filter(brand=brand, action="brand.update")
    assert entry.before["name"] == "Northwind" and entry.after["name"] == "Northwind Outfitters"
    assert entry.after["languages"] == ["de", "en"]
    page = HTMLParser((await client.get(saved.headers["location"])).text)
    assert page.css_first("#f-support-email").attributes["value"] == "help@northwind.test"
    assert page.css_first("[role=status]").text(strip=True) == "Saved."


async def test_wrong_values_are_refused_beside_their_fields_and_nothing_is_saved(client):
    await a_brand()
    token = await an_admin(client)
    refused = await client.post(
        "/admin/brands/northwind/brand",
        data={
            **brand_form(
                name="",
                languages=["en"],
                default_locale="fr",
                time_zone="Mars/Olympus",
                **{"support.url": "javascript:alert(1)", "reply_to": "not an address"},
            ),
            "csrf_token": token,
        },
    )
    assert refused.status_code == 400
    page = HTMLParser(refused.text)
    invalid = {n.attributes["name"] for n in page.css("[aria-invalid=true]")}
    assert invalid == {"name", "default_locale", "time_zone", "support.url", "reply_to"}
    assert "must be an http:// or https:// address" in page.css_first("#e-support-url").text()
    assert page.css_first("#f-support-email").attributes["value"] == "help@northwind.test"
    brand = await Brand.get(slug="northwind")
    assert brand.name == "Northwind" and brand.settings == {}
    assert not await AuditEntry.exists()


async def test_hosts_are_added_and_removed_but_never_taken_from_another_brand(client):
    await a_brand()
    await a_brand("fjord", host="fjord.example.com")
    token = await an_admin(client)
    url = "/admin/brands/northwind/brand/hosts"
    added = await client.post(url, data={"add": "Track.Northwind.DE", "csrf_token": token})
    assert added.status_code == 303
    taken = await client.post(url, data={"add": "fjord.example.com", "csrf_token": token})
    assert taken.status_code == 400
    error = HTMLParser(taken.text).css_first("#e-add").text()
    assert error == "fjord.example.com already serves a brand."
    bad = await client.post(url, data={"add": "not a host/", "csrf_token": token})
    assert bad.status_code == 400
    removed = await client.post(url, data={"remove": "track.example.com", "csrf_token": token})
    assert removed.status_code == 303
    last = await client.post(url, data={"remove": "track.northwind.de", "csrf_token": token})
    assert last.status_code == 400 and "at least one host" in last.text
    hosts = await BrandHost.filter(brand__slug="northwind").values_list("host", flat=True)
    assert hosts == ["track.northwind.de"]
    assert await BrandHost.filter(brand__slug="fjord").values_list("host", flat=True) == [
        "fjord.example.com"
    ]
    actions = await AuditEntry.all().order_by("id").values_list("action", "before", "after")
    assert actions == [
        (
            "host.add",
            {"hosts": ["track.example.com"]},
            {"hosts": ["track.example.com", "track.northwind.de"]},
        ),
        (
            "host.remove",
            {"hosts": ["track.example.com", "track.northwind.de"]},
            {"hosts": ["track.northwind.de"]},
        ),
    ]


async def test_a_new_host_serves_the_tracking_page_at_once(client):
    await a_brand()
    token = await an_admin(client)
    before = await client.get("/track", headers={"host": "parcels.northwind.test"})
    assert before.status_code == 404
    await client.post(
        "/admin/brands/northwind/brand/hosts",
        data={"add": "parcels.northwind.test", "csrf_token": token},
    )
    after = await client.get("/track", headers={"host": "parcels.northwind.test"})
    assert after.status_code == 200 and "Northwind" in after.text


def test_messages_carry_the_support_contact_in_the_brands_words():
    from porchlight.enums import Trigger
    from porchlight.notifications.messages import render_message, sample_context

    brand = Brand(
        slug="northwind",
        name="Northwind",
        settings={"support": {"email": "help@northwind.test", "url": "https://northwind.test/h"}},
    )
    message = render_message(
        Trigger.DELIVERED, "default", "de", sample_context(brand, "de", "https://t.test/o/x")
    )
    assert "Fragen? Wir helfen gern: help@northwind.test https://northwind.test/h" in message.text
    html = HTMLParser(message.html)
    assert html.css_first('a[href="mailto:help@northwind.test"]') is not None
    assert html.css_first('a[href="https://northwind.test/h"]').text() == "Hilfe-Center"


async def test_the_tracking_page_shows_the_support_contact(client):
    brand, _ = await a_brand()
    brand.settings = {"support": {"phone": "+49 30 1234567"}}
    await brand.save()
    page = HTMLParser((await client.get("/track", headers={"host": "track.example.com"})).text)
    assert page.css_first('.support a[href="tel:+49301234567"]').text() == "+49 30 1234567"

"""API keys hold scopes: a key in a chatbot answers "where is my order?" (with the shopper's
email or postcode, and as few guesses as the tracking page allows) but cannot read any order's
link by its number alone."""

import pytest
from tortoise.context import TortoiseContext
from tortoise.migrations.api.migrate import migrate as run_migrations

from porchlight.accounts.apikeys import create_api_key
from porchlight.enums import Scope
from porchlight.models import ApiKey
from porchlight.platform.db import migrate, tortoise_config
from tests.factories import a_brand, an_order, bearer, order_payload
from tests.test_api_keys import porchlight
from tests.test_shopper_pages import csrf

CONTACT = {"reason": "wismo", "channel": "email", "order_number": "A-1001"}
TRACK = {"order_number": "A-1001", "email": "ana@example.com"}
OPERATIONS = {
    Scope.ORDERS_WRITE: ("POST", "/api/v1/orders", order_payload()),
    Scope.ORDERS_READ: ("GET", "/api/v1/orders/A-1001", None),
    Scope.TRACK: ("GET", "/api/v1/track", None),
    Scope.CONTACTS_WRITE: ("POST", "/api/v1/contacts", CONTACT),
}


async def call(client, key, scope):
    method, url, body = OPERATIONS[scope]
    params = TRACK if scope is Scope.TRACK else None
    return await client.request(method, url, json=body, params=params, headers=bearer(key))


@pytest.mark.parametrize("scope", list(Scope))
async def test_a_key_without_an_operations_scope_gets_403_naming_it(client, scope):
    brand, _ = await a_brand(scopes=tuple(s for s in Scope if s is not scope))
    await an_order(brand, "A-1001", "TN1")
    _, allowed = await a_brand("fjord", "track.fjord.test", scopes=(scope,))
    _, lacking = await a_brand("norway", "track.norway.test", scopes=tuple(set(Scope) - {scope}))
    refused = await call(client, lacking, scope)
    assert refused.status_code == 403, refused.text
    assert refused.json() == {
        "error": f"this API key lacks the scope {scope}",
        "missing_scope": scope,
    }
    assert (await call(client, allowed, scope)).status_code != 403


async def test_a_chatbots_track_key_answers_shoppers_but_cannot_read_an_orders_link(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    chatbot = await create_api_key(brand, [Scope.TRACK])
    tracked = await client.get("/api/v1/track", params=TRACK, headers=bearer(chatbot))
    assert tracked.status_code == 200
    assert tracked.json()["tracking_url"].endswith(order.access_token)
    read = await client.get("/api/v1/orders/A-1001", headers=bearer(chatbot))
    assert read.status_code == 403 and order.access_token not in read.text
    assert read.json()["missing_scope"] == "orders:read"


async def test_a_wrong_key_is_still_401_before_any_scope_is_considered(client):
    await a_brand(scopes=(Scope.TRACK,))
    refused = await client.get("/api/v1/orders/A-1001", headers=bearer("pl_guess"))
    assert refused.status_code == 401


async def test_the_api_document_states_each_operations_scope(client):
    document = (await client.get("/api/openapi.json")).json()
    stated = {
        f"{method.upper()} {path}": (operation["security"], "403" in operation["responses"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    assert stated == {
        "POST /orders": ([{"apiKey": ["orders:write"]}], True),
        "POST /orders/{number}/shipments": ([{"apiKey": ["orders:write"]}], True),
        "POST /orders/{number}/returns": ([{"apiKey": ["orders:write"]}], True),
        "POST /orders/{number}/refunds": ([{"apiKey": ["orders:write"]}], True),
        "GET /orders/{number}": ([{"apiKey": ["orders:read"]}], True),
        "GET /track": ([{"apiKey": ["track"]}], True),
        "POST /contacts": ([{"apiKey": ["contacts:write"]}], True),
    }
    track = document["paths"]["/track"]["get"]
    assert track["description"].startswith("Needs a key with the scope `track`.")
    assert "429" in track["responses"]


async def wrong_guesses_by_api(client, key, count: int) -> None:
    for n in range(count):
        guess = {"order_number": "a-1001", "email": f"guess{n}@example.com"}
        missed = await client.get("/api/v1/track", params=guess, headers=bearer(key))
        assert missed.status_code == 404


async def test_api_track_counts_wrong_guesses_per_order_and_then_refuses_even_the_right_one(
    client,
):
    brand, key = await a_brand()
    await an_order(brand, "A-1001", "TN1")
    await wrong_guesses_by_api(client, key, 5)
    blocked = await client.get("/api/v1/track", params=TRACK, headers=bearer(key))
    assert blocked.status_code == 429, blocked.text
    assert 0 < int(blocked.headers["retry-after"]) <= 15 * 60
    assert "tracking_url" not in blocked.text
    other = {"order_number": "A-1002", "postcode": "10115"}
    assert (await client.get("/api/v1/track", params=other, headers=bearer(key))).status_code == 404


async def test_the_tracking_page_and_the_api_share_one_budget_of_guesses_per_order(client):
    brand, key = await a_brand()
    await an_order(brand, "A-1001", "TN1")
    token = await csrf(client, "/track")
    forms = [{"csrf_token": token, "order_number": "A-1001", "email": f"{n}@x.test"} for n in "abc"]
    answers = [await client.post("/track", data=form, follow_redirects=True) for form in forms]
    assert [answer.status_code for answer in answers] == [404] * 3
    await wrong_guesses_by_api(client, key, 2)
    blocked = await client.get("/api/v1/track", params=TRACK, headers=bearer(key))
    assert blocked.status_code == 429


async def test_create_api_key_needs_a_scope_and_makes_a_key_that_holds_only_those(client, settings):
    await a_brand()
    code, said = await porchlight(settings, "create-api-key", "northwind")
    assert code == 2 and "--scope" in said
    code, said = await porchlight(
        settings, "create-api-key", "northwind", "--scope", "track", "--scope", "contacts:write"
    )
    assert code == 0, said
    key = said.splitlines()[-1]
    assert (await call(client, key, Scope.TRACK)).status_code == 404  # allowed; no such order
    assert (await call(client, key, Scope.ORDERS_READ)).status_code == 403
    code, listing = await porchlight(settings, "api-keys", "northwind")
    [row] = [line for line in listing.splitlines() if line.startswith(key[:10])]
    assert row.split()[-1] == "track,contacts:write"


async def test_keys_made_before_scopes_existed_keep_every_scope_after_the_upgrade(upgrade_url):
    url = upgrade_url
    config = tortoise_config(url)
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        await run_migrations(config=config, target="models.0002_delivery_estimate")
        await ctx.connections.get("default").execute_script(
            "INSERT INTO brand (id, slug, name, theme, default_locale, time_zone, settings, "
            "created_at) VALUES (1, 'old', 'Old', 'default', 'en', 'UTC', '{}', "
            "'2026-01-01 00:00:00+00:00');"
            "INSERT INTO api_key (brand_id, prefix, key_hash, created_at) "
            "VALUES (1, 'pl_old1234', 'hash', '2026-01-01 00:00:00+00:00');"
        )
    # The upgrade as `porchlight migrate` runs it (two runs in one context left a SQLite
    # connection thread open, and pytest never exited).
    await migrate(url)
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        [row] = await ctx.connections.get("default").execute_query_dict(
            "SELECT scopes FROM api_key"
        )
    assert ApiKey(scopes=row["scopes"]).allows(Scope.ORDERS_READ)
    assert row["scopes"].split() == [str(scope) for scope in Scope]

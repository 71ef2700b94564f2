"""API keys leak: an operator sees which are in use and revokes one, and it is refused at once."""

import asyncio
import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from porchlight.accounts.apikeys import ApiKeyError, revoke_api_key
from porchlight.models import ApiKey
from tests.factories import a_brand, bearer


async def read_orders(client, key):
    return await client.get("/api/v1/orders/A-1", headers=bearer(key))


async def test_a_revoked_key_is_refused_from_the_next_request_on(client):
    brand, key = await a_brand()
    assert (await read_orders(client, key)).status_code == 404  # accepted: no such order yet
    await revoke_api_key(brand, key[:10])
    assert (await read_orders(client, key)).status_code == 401


async def test_a_keys_last_use_is_recorded_once_an_hour_not_per_request(client):
    _, key = await a_brand()
    await read_orders(client, key)
    first = (await ApiKey.get()).last_used_at
    await read_orders(client, key)
    assert first is not None and (await ApiKey.get()).last_used_at == first
    await ApiKey.all().update(last_used_at=first - timedelta(hours=2))
    await read_orders(client, key)
    assert (await ApiKey.get()).last_used_at > first


async def test_a_leaked_key_can_be_revoked_by_pasting_it_whole(client):
    brand, key = await a_brand()
    await revoke_api_key(brand, key)
    assert (await read_orders(client, key)).status_code == 401


@pytest.mark.parametrize("prefix", ["pl_", "pl_unknown", "other-brand", "whole-but-wrong"])
async def test_revoking_needs_a_prefix_naming_one_usable_key_of_that_brand(prefix):
    brand, _ = await a_brand()
    _, other_key = await a_brand("southwind", "track.southwind.example")
    prefix = {"other-brand": other_key[:10], "whole-but-wrong": other_key}.get(prefix, prefix)
    with pytest.raises(ApiKeyError):
        await revoke_api_key(brand, prefix)
    assert await ApiKey.filter(revoked_at__not_isnull=True).count() == 0


async def test_a_key_cannot_be_revoked_twice():
    brand, key = await a_brand()
    await revoke_api_key(brand, key[:10])
    with pytest.raises(ApiKeyError):
        await revoke_api_key(brand, key[:10])


async def porchlight(settings, *args: str, stdin: str = "") -> tuple[int, str]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SECRET_KEY": settings.secret_key.get_secret_value(),
    }
    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("porchlight")),
        *args,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate(stdin.encode())
    return proc.returncode or 0, out.decode()


async def test_an_operator_lists_a_brands_keys_and_revokes_one_from_the_command_line(
    client, settings
):
    _, key = await a_brand()
    await read_orders(client, key)
    code, listing = await porchlight(settings, "api-keys", "northwind")
    assert code == 0, listing
    [row] = [line for line in listing.splitlines() if line.startswith(key[:10])]
    assert row.split()[-2:] == ["-", "orders:write,orders:read,track,contacts:write"]
    code, said = await porchlight(settings, "revoke-api-key", "northwind", key[:10])
    assert code == 0, said
    assert (await read_orders(client, key)).status_code == 401
    code, said = await porchlight(settings, "revoke-api-key", "northwind", key[:10])
    assert code == 1 and "no usable key" in said

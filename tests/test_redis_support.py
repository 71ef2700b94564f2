"""The Redis versions Porchlight runs on: the embedded 6.2 `make demo` starts counts and blocks
like any newer one, an older Redis is refused at startup in one line, and runs of the suite on
a shared Redis never share a database."""

import os
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from arq.connections import RedisSettings, create_pool
from asgi_lifespan import LifespanManager
from redis.asyncio import Redis

from notifier.worker import shutdown, startup
from porchlight.platform.redis_version import UnsupportedRedis, require_supported_redis
from portal.app import create_app
from tests.conftest import HOLDER, OwnRedis, hold_database, start_redis
from tests.test_shopper_pages import five_wrong_guesses_then_the_right_one

REFUSAL = "Redis 6.0.20 is too old: Porchlight needs 6.2 or newer"


async def test_wrong_lookups_are_counted_and_blocked_on_the_redis_the_demo_runs(
    client_with_own_redis: OwnRedis,
) -> None:
    client, _, url = client_with_own_redis
    async with Redis.from_url(url) as redis:
        assert (await require_supported_redis(redis)).startswith("6.2.")
    blocked = await five_wrong_guesses_then_the_right_one(client, host="t.test")
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["retry-after"]) <= 900


class OldRedis(socketserver.StreamRequestHandler):
    """Answers a client the way a Redis 6.0 does, as far as connecting and INFO go."""

    def handle(self) -> None:
        while line := self.rfile.readline():
            args = [
                self.rfile.read(int(self.rfile.readline()[1:]) + 2)[:-2]
                for _ in range(int(line[1:]))
            ]
            command = args[0].upper()
            if command == b"PING":
                self.wfile.write(b"+PONG\r\n")
            elif command == b"INFO":
                body = b"# Server\r\nredis_version:6.0.20\r\nredis_mode:standalone\r\n"
                self.wfile.write(b"$%d\r\n%s\r\n" % (len(body), body))
            else:
                self.wfile.write(b"-ERR unknown command '%s'\r\n" % command.lower())


@pytest.fixture
def old_redis_url() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), OldRedis)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"redis://127.0.0.1:{server.server_address[1]}/0"
    server.shutdown()
    server.server_close()


async def test_the_portal_refuses_to_start_on_an_older_redis(settings, old_redis_url):
    old = settings.model_copy(update={"redis_url": old_redis_url})
    with pytest.raises(UnsupportedRedis, match=f"^{REFUSAL}$"):
        async with LifespanManager(create_app(old)):
            pass


async def test_the_worker_refuses_to_start_on_an_older_redis(settings, old_redis_url):
    pool = await create_pool(RedisSettings.from_dsn(old_redis_url))
    ctx = {"redis": pool, "settings": settings}
    try:
        with pytest.raises(UnsupportedRedis, match=f"^{REFUSAL}$"):
            await startup(ctx)
        await shutdown(ctx)  # arq runs it after a failed startup too
    finally:
        await pool.aclose()


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["worker"], ["demo", "--port", "0"]])
def test_the_command_line_says_so_in_one_line(command, old_redis_url, tmp_path):
    env = {
        **os.environ,
        "REDIS_URL": old_redis_url,
        "DATABASE_URL": f"sqlite://{tmp_path / 'db.sqlite3'}",
        "SECRET_KEY": "test-secret-key-with-enough-length",
    }
    done = subprocess.run(
        [str(Path(sys.executable).with_name("porchlight")), *command],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr == f"Error: {REFUSAL}\n"


def test_runs_of_the_suite_on_one_shared_redis_each_hold_their_own_database(tmp_path):
    server, port = start_redis(tmp_path)
    shared = f"redis://127.0.0.1:{port}"
    try:
        first = hold_database(shared)
        second = hold_database(shared)
        dbs = [h.connection_pool.connection_kwargs["db"] for h in (first, second)]
        assert dbs == [1, 2]
        with pytest.raises(RuntimeError, match="another run of the suite is using"):
            hold_database(f"{shared}/1")
        first.close()  # the first run ends (or dies): its database is free again
        third = hold_database(shared)
        assert third.connection_pool.connection_kwargs["db"] == 1
        assert third.client_getname() == HOLDER
        for holder in (second, third):
            holder.close()
    finally:
        server.kill()
        server.wait()

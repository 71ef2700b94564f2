"""The oldest Redis Porchlight runs on. The demo's embedded redis-server is 6.2, so nothing may
use a command or option newer than that; an older Redis is refused at startup, in one line,
rather than failing open later (a rate limit whose every count errors never blocks anyone)."""

import re

from redis.asyncio import Redis

MINIMUM = (6, 2)


class UnsupportedRedis(Exception):
    """Raised with one line naming the version found and the one needed."""


async def require_supported_redis(redis: Redis) -> str:
    """The server's version, when it is one Porchlight supports."""
    info = await redis.info("server")
    found = str(info.get("redis_version", "unknown"))
    if tuple(int(part) for part in re.findall(r"\d+", found)[:2]) < MINIMUM:
        needed = ".".join(map(str, MINIMUM))
        raise UnsupportedRedis(f"Redis {found} is too old: Porchlight needs {needed} or newer")
    return found

"""Failure-counting rate limits in Redis, shared by every portal process."""

from dataclasses import dataclass

from redis.asyncio import Redis

# Each key counts one more failure; the first one starts its window. One script, so the count
# and its expiry land together (a count without expiry would block for good); EXPIRE's NX
# option would do the same but needs Redis 7 (porchlight.platform.redis_version: 6.2 is supported).
COUNT_FAILURE = """
for _, key in ipairs(KEYS) do
    redis.call('INCR', key)
    if redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, ARGV[1]) end
end
"""


@dataclass(frozen=True)
class Limit:
    name: str
    attempts: int
    window_seconds: int


class Limiter:
    """Counts failures per key in a fixed window; blocked keys report how long to wait."""

    def __init__(self, redis: Redis, limit: Limit) -> None:
        self.redis = redis
        self.limit = limit
        self._count_failure = redis.register_script(COUNT_FAILURE)

    def _key(self, subject: str) -> str:
        return f"rl:{self.limit.name}:{subject}"

    async def retry_after(self, *subjects: str) -> int:
        """Seconds until every subject may try again; 0 when none is blocked."""
        wait = 0
        for subject in subjects:
            key = self._key(subject)
            count = await self.redis.get(key)
            if count is not None and int(count) >= self.limit.attempts:
                wait = max(wait, await self.redis.ttl(key), 1)
        return wait

    async def failed(self, *subjects: str) -> None:
        keys = [self._key(subject) for subject in subjects]
        await self._count_failure(keys=keys, args=[self.limit.window_seconds])

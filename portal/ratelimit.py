"""Failure-counting rate limits in Redis, shared by every portal process."""

from dataclasses import dataclass

from redis.asyncio import Redis


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
        async with self.redis.pipeline(transaction=True) as pipe:
            for subject in subjects:
                key = self._key(subject)
                pipe.incr(key)
                pipe.expire(key, self.limit.window_seconds, nx=True)
            await pipe.execute()

"""Counting tracking-page views without a database write or a Redis call on the page: each portal
process tallies views in memory and pushes them to Redis (HINCRBY) about once a second; the
worker moves them into page_view_day every few minutes."""

import asyncio
import logging
import uuid
from collections import Counter
from datetime import date

from redis.asyncio import Redis
from redis.exceptions import RedisError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from porchlight.models import PageViewDay
from porchlight.platform.clock import utcnow

log = logging.getLogger(__name__)
PREFIX = "pageviews:"
FLUSHING = "pageviews-flushing:"


class ViewTally:
    """A Redis round trip per view cost the page about as much as rendering its dates; a tally
    in memory costs nothing. Counts that Redis refuses are kept for the next push, so only a
    process killed outright loses views (at most its last second's)."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, int]] = Counter()

    def count(self, brand_id: int) -> None:
        self._counts[(utcnow().date().isoformat(), brand_id)] += 1

    async def push(self, redis: Redis) -> int:
        pending, self._counts = self._counts, Counter()
        if not pending:
            return 0
        try:
            async with redis.pipeline(transaction=False) as pipe:
                for (day, brand_id), views in pending.items():
                    pipe.hincrby(f"{PREFIX}{day}", str(brand_id), views)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            self._counts.update(pending)
            log.warning("page views kept for the next push: %s", exc)
            return 0
        return pending.total()

    async def push_every(self, redis: Redis, seconds: float) -> None:
        """Runs for the life of the app; the lifespan cancels it and pushes once more."""
        while True:
            await asyncio.sleep(seconds)
            await self.push(redis)


async def flush(redis: Redis) -> int:
    """Move the counters into the database. Each day's hash is renamed first (atomic), so views
    counted meanwhile start a new hash; a flush that fails is retried from its renamed hash."""
    async for key in redis.scan_iter(match=f"{PREFIX}*"):
        name = key.decode() if isinstance(key, bytes) else key
        day = name.removeprefix(PREFIX)
        try:
            await redis.rename(name, f"{FLUSHING}{day}:{uuid.uuid4().hex}")
        except RedisError:
            continue  # gone meanwhile (another worker flushed it)
    moved = 0
    async for key in redis.scan_iter(match=f"{FLUSHING}*"):
        name = key.decode() if isinstance(key, bytes) else key
        day = date.fromisoformat(name.removeprefix(FLUSHING).split(":", 1)[0])
        counts = await redis.hgetall(name)  # type: ignore[misc]  # redis-py sync/async union
        async with in_transaction():
            for brand, views in counts.items():
                brand_id, n = int(brand), int(views)
                row, created = await PageViewDay.get_or_create(
                    brand_id=brand_id, day=day, defaults={"views": n}
                )
                if not created:
                    await PageViewDay.filter(id=row.id).update(views=F("views") + n)
                moved += n
        await redis.delete(name)
    return moved

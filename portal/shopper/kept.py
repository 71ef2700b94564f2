"""Rendered tracking pages and parcel cards, kept per process under everything they show.

A tracking page is mostly seen again, not new: shoppers reload it, and an open page polls each
card every two minutes. Every view still looks the order up (`timeline.by_token`: one query),
and the order's content version and its brand's row are the key with the language and the
page's parameters. So any change to what a page shows is a new key and renders afresh:
nothing kept is ever stale. Kept as sent: encoded, with the forms' token (the link's, the same
for every visitor) in place.
"""

from collections.abc import Awaitable, Callable, Hashable

from async_lru import alru_cache

# Entries per process: a page of 3 parcels and 40 events is about 16 kB, a card about 5 kB.
KEPT = 2048


def _by_key(key: Hashable, _: object) -> Hashable:
    return key


@alru_cache(maxsize=KEPT, key=_by_key)
async def kept(key: Hashable, render: Callable[[], Awaitable[bytes]]) -> bytes:
    """What `render` gives, rendered once per key however many views ask at the same time."""
    return await render()

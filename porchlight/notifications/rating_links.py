"""The delivered email's five rating links: each signed with the order, the parcel and the
score it offers, so following one needs no login and a changed link is refused."""

from dataclasses import dataclass

from porchlight.platform.signed import signed, unsigned

SALT = "porchlight.rating"
SCORES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class RatingLink:
    order_id: int
    shipment_id: int
    score: int


def rating_token(secret: str, link: RatingLink) -> str:
    return signed(secret, SALT, {"o": link.order_id, "s": link.shipment_id, "r": link.score})


def rating_link_from(secret: str, token: str) -> RatingLink | None:
    data = unsigned(secret, SALT, token, "o", "s", "r")
    if data is None or data["r"] not in SCORES:
        return None
    return RatingLink(data["o"], data["s"], data["r"])


def rating_urls(base_url: str, secret: str, order_id: int, shipment_id: int) -> list[str]:
    """One link per score, worst first, on the brand's own host (`base_url`)."""
    return [
        f"{base_url.rstrip('/')}/rate/{rating_token(secret, RatingLink(order_id, shipment_id, s))}"
        for s in SCORES
    ]

"""Signed one-click unsubscribe tokens: the link itself is the proof, no login needed."""

from tortoise.transactions import in_transaction

from porchlight.models import Customer, Order
from porchlight.platform.clock import utcnow
from porchlight.platform.signed import signed, unsigned

SALT = "porchlight.unsubscribe"


def unsubscribe_token(secret: str, customer: Customer) -> str:
    return signed(secret, SALT, {"c": customer.id})


def customer_id_from(secret: str, token: str) -> int | None:
    data = unsigned(secret, SALT, token, "c")
    return data["c"] if data else None


async def set_email_opt_in(customer: Customer, wanted: bool) -> None:
    """All orders at once: an unsubscribe must also silence orders opted in one by one, and
    stays until the shopper subscribes again (the retailer's API cannot undo it)."""
    async with in_transaction():
        customer.email_opt_in = wanted
        customer.email_unsubscribed_at = (
            None if wanted else customer.email_unsubscribed_at or utcnow()
        )
        await customer.save(update_fields=["email_opt_in", "email_unsubscribed_at"])
        if not wanted:
            await Order.filter(customer=customer, notify_email=True).update(notify_email=None)

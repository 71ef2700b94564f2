"""A wave's emails go to SendGrid in as few calls as their contents allow (one personalization
each, the lines they differ in as substitutions), and every shopper still gets exactly the
message rendered for them: the stub fills the substitutions in as SendGrid does."""

from datetime import UTC, datetime

from porchlight.channels import Outgoing
from porchlight.channels.sendgrid_batch import MAX_SUBSTITUTION_BYTES, shared_content
from porchlight.enums import Channel
from porchlight.models import Notification, Shipment
from tests.factories import a_brand, email_text, reachable_orders
from tests.worker_run import run_worker


async def due_emails(brand, count: int) -> None:
    """A failed-attempt email due now for each of `count` shoppers."""
    await reachable_orders(brand, "W", count)
    for shipment in await Shipment.filter(brand=brand).select_related("order__customer"):
        customer = shipment.order.customer
        await Notification.create(
            brand=brand,
            shipment=shipment,
            customer=customer,
            trigger="failed_attempt",
            channel="email",
            recipient=customer.email,
            due_at=datetime.now(UTC),
        )


async def wake_all(arq_redis) -> None:
    from notifier.notifications import enqueue

    for row in await Notification.all():
        await enqueue(arq_redis, row)


async def test_four_shoppers_emails_are_one_call_and_each_gets_their_own(providers, arq_redis):
    stub, settings = providers
    brand, _ = await a_brand()
    await due_emails(brand, 4)
    await wake_all(arq_redis)
    await run_worker(settings, arq_redis)

    [call] = stub.email_calls
    assert len(call.json["personalizations"]) == 4
    rows = await Notification.all().select_related("shipment__order", "customer")
    assert {row.status for row in rows} == {"sent"}
    assert len({row.provider_id for row in rows}) == 1  # the call's X-Message-Id
    got = {email.json["personalizations"][0]["to"][0]["email"]: email for email in stub.emails}
    assert set(got) == {row.customer.email for row in rows}
    for row in rows:
        email, number = got[row.customer.email], row.shipment.order.number
        others = {r.shipment.order.number for r in rows} - {number}
        assert number in email.json["subject"]
        assert number in email_text(email)
        assert not any(other in email_text(email) for other in others)
        assert email_text(email) == row.body  # what we recorded is what they got
        assert email.json["custom_args"] == {"notification_id": str(row.id)}
        assert email.json["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        html = next(c["value"] for c in email.json["content"] if c["type"] == "text/html")
        assert number in html
        assert not set(html.split("\n")) & set(call.json["personalizations"][0]["substitutions"])


async def test_a_shared_call_refused_outright_is_sent_again_one_by_one(providers, arq_redis):
    stub, settings = providers
    brand, _ = await a_brand()
    await due_emails(brand, 3)
    await wake_all(arq_redis)
    stub.fail_next("400")  # say one address SendGrid refuses: the call, all of it, is refused
    await run_worker(settings, arq_redis)

    assert [len(call.json["personalizations"]) for call in stub.email_calls] == [1, 1, 1]
    assert set(await Notification.all().values_list("status", flat=True)) == {"sent"}


def an_email(text: str, html: str = "<p>x</p>") -> Outgoing:
    return Outgoing(
        reference="1",
        brand_id=1,
        kind=Channel.EMAIL,
        to="ana@example.com",
        subject="Your order",
        text=text,
        html=html,
        sender="tracking@example.com",
        unsubscribe_url="",
        status_callback="",
    )


def test_texts_that_do_not_line_up_are_not_shared():
    assert shared_content([an_email("Hi Ana\nA-1"), an_email("Hi Bo\nA-2\nP.S.")]) is None


def test_texts_whose_own_lines_pass_sendgrids_limit_are_not_shared():
    long = "x" * MAX_SUBSTITUTION_BYTES
    assert shared_content([an_email(f"Hi\n{long}"), an_email(f"Hi\n{long}y")]) is None


def test_only_the_lines_that_differ_are_substituted():
    shared = shared_content([an_email("Hi Ana\nThanks\nA-1"), an_email("Hi Bo\nThanks\nA-2")])
    assert shared is not None
    first, second = shared.values
    assert shared.text.split("\n")[1] == "Thanks"
    assert sorted(first.values()) == ["A-1", "Hi Ana"]
    assert sorted(second.values()) == ["A-2", "Hi Bo"]
    assert shared.html == "<p>x</p>"

"""Each brand's emails are its own: its name as the sender, its care address for replies, its
logo and accent (with text that reads on it), on the real worker and the sendgrid SDK."""

from porchlight.models import Brand
from porchlight.notifications.messages import ink_on
from tests.factories import deliver_scans, shopper_order
from tests.worker_run import run_worker


async def test_an_email_carries_the_brands_sender_reply_to_logo_and_colours(
    client, providers, arq_redis
):
    stub, settings = providers
    brand, _, _ = await shopper_order()
    brand.email_from = "updates@northwind-outfitters.example"
    brand.theme = "northwind"
    brand.settings = {"accent": "#1e4d2b", "reply_to": "care@northwind-outfitters.example"}
    await brand.save()
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery", "delivered")
    await run_worker(settings, arq_redis)

    [email] = [e for e in stub.emails if "delivered" in e.json["subject"]]
    assert email.json["from"] == {
        "email": "updates@northwind-outfitters.example",
        "name": "Northwind",
    }
    assert email.json["reply_to"] == {"email": "care@northwind-outfitters.example"}
    html = next(c["value"] for c in email.json["content"] if c["type"] == "text/html")
    assert 'src="https://track.example.com/theme/northwind/logo.svg"' in html
    assert "background:#1e4d2b;color:#ffffff" in html
    assert "prefers-color-scheme: dark" in html and 'name="color-scheme"' in html


async def test_an_email_shows_the_logo_uploaded_in_the_console_not_the_themes(
    client, providers, arq_redis
):
    stub, settings = providers
    brand, _, _ = await shopper_order()
    brand.settings = {"logo": "0123456789abcdef.png"}
    await brand.save()
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery", "delivered")
    await run_worker(settings, arq_redis)
    [email] = [e for e in stub.emails if "delivered" in e.json["subject"]]
    html = next(c["value"] for c in email.json["content"] if c["type"] == "text/html")
    assert 'src="https://track.example.com/brand-logo/0123456789abcdef.png"' in html
    assert "logo.svg" not in html


async def test_a_brand_without_a_reply_to_sends_none(client, providers, arq_redis):
    stub, settings = providers
    await shopper_order()
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery", "delivered")
    await run_worker(settings, arq_redis)
    assert all("reply_to" not in e.json for e in stub.emails)
    assert await Brand.filter(email_from__isnull=True).exists()


def test_text_on_an_accent_is_whichever_of_white_and_ink_reads_better():
    assert ink_on("#1e4d2b") == "#ffffff"  # Northwind's forest green
    assert ink_on("#e8eef3") == "#1d2329"  # a pale blue: dark text

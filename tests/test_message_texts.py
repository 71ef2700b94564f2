"""A brand's own message texts: checked on save, sandboxed, escaped, and sent by the worker."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from porchlight.accounts.brand_settings import stored, validate_settings
from porchlight.enums import Channel, Trigger
from porchlight.models import Brand, Customer, MessageText
from porchlight.notifications.console_mail import preview, send_test
from porchlight.notifications.messages import default_source, render_message, sample_context
from porchlight.notifications.policy import quiet_until
from porchlight.notifications.sms import segments
from porchlight.notifications.texts import TextError, check, reset_text, save_text
from porchlight.platform.i18n import SUPPORTED
from tests.factories import a_brand, deliver_scans, shopper_order
from tests.worker_run import run_worker

GERMAN_OFD = "{{ brand }}: Paket {{ tracking_number }} kommt heute! {{ order_url }}"


async def test_the_german_out_for_delivery_sms_is_the_brands_own(client, providers, arq_redis):
    stub, settings = providers
    brand, _, order = await shopper_order(locale="de")
    await save_text(
        brand, Trigger.OUT_FOR_DELIVERY, Channel.SMS, "de", subject="", body=GERMAN_OFD, agent=None
    )
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    await run_worker(settings, arq_redis)
    [sms] = [s for s in stub.sms if "heute" in s.form["Body"]]
    assert sms.form["Body"] == (
        f"Northwind: Paket TN1 kommt heute! https://track.example.com/o/{order.access_token}"
    )


async def test_a_text_in_another_language_leaves_english_customers_the_themes(
    client, providers, arq_redis
):
    stub, settings = providers
    brand, _, _ = await shopper_order(locale="en")
    await save_text(
        brand, Trigger.OUT_FOR_DELIVERY, Channel.SMS, "de", subject="", body=GERMAN_OFD, agent=None
    )
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    await run_worker(settings, arq_redis)
    assert any("is out for delivery today" in s.form["Body"] for s in stub.sms)
    assert not any("heute" in s.form["Body"] for s in stub.sms)


async def test_an_own_email_keeps_the_parcels_link_and_footer_and_escapes_the_text():
    brand, _ = await a_brand()
    brand.name = "Fish & <Chips>"
    own = {
        Channel.EMAIL: MessageText(
            subject="{{ order_number }} is on the doorstep", body="Hi {{ brand }}\n<b>bold</b>"
        )
    }
    context = sample_context(brand, "en", "https://track.example.com/o/sample")
    message = render_message(Trigger.DELIVERED, "default", "en", context, own=own)
    assert message.subject == "SAMPLE-1001 is on the doorstep"
    assert "Hi Fish &amp; &lt;Chips&gt;<br>&lt;b&gt;bold&lt;/b&gt;" in message.html
    assert "<b>bold</b>" not in message.html
    assert "Hi Fish & <Chips>\n<b>bold</b>" in message.text
    assert "JJD000390007786263" in message.text and "/o/sample" in message.text


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("{{ order_number", "Line 1"),
        ("{{ password }}", "Unknown variable password"),
        ("{{ shipped_count }}", "Unknown variable shipped_count"),  # split_progress only
        ("{{ brand|nosuchfilter }}", "No filter named"),
        ("{{ brand.__class__.__mro__ }}", "a text may use variables, if/else and the filters"),
        ("{{ order_url.no_such_attribute }}", "a text may use variables"),
        ("{% for c in brand %}{% for d in brand %}x{% endfor %}{% endfor %}", "may use variables"),
        ("{{ brand|replace('a', 'aaaaaaaa')|replace('a', 'aaaaaaaa') }}", "may use variables"),
        ("{{ brand * 1000000 }}", "may use variables"),
        ("{{ range(10) }}", "may use variables"),
        ("{{ brand|truncate('many') }}", "This template fails"),
        ("   ", "cannot be empty"),
    ],
)
def test_a_bad_text_is_refused_with_the_reason(source, says):
    with pytest.raises(TextError) as refused:
        check(Trigger.DELIVERED, "body", source)
    assert refused.value.field == "body"
    assert says in refused.value.message % refused.value.params


def test_split_progress_may_count_its_parcels():
    assert check(Trigger.SPLIT_PROGRESS, "sms", "{{ shipped_count }}/{{ parcel_count }}")


def test_a_text_may_choose_words_and_shape_a_value():
    source = (
        "{% if customer_name %}Hi {{ customer_name|title }}, {% else %}Hi, {% endif %}"
        "{{ brand|upper }} {{ estimated_delivery|default('soon') }} {{ order_number ~ '!' }}"
    )
    assert check(Trigger.SHIPPED, "body", source) == source


@pytest.mark.parametrize("locale", SUPPORTED)
@pytest.mark.parametrize("trigger", list(Trigger))
def test_the_editor_starts_from_the_themes_wording_which_renders_the_same(trigger, locale):
    """Saving the default text unchanged changes nothing a customer sees."""
    source = default_source(trigger, "default", locale)
    for field in ("subject", "body", "sms"):
        check(trigger, field, source[field])
    context = sample_context(Brand(name="Northwind"), locale, "https://track.example.com/o/x")
    theirs = render_message(trigger, "default", locale, context)
    own = {
        Channel.EMAIL: MessageText(subject=source["subject"], body=source["body"]),
        Channel.SMS: MessageText(body=source["sms"]),
    }
    ours = render_message(trigger, "default", locale, context, own=own)
    assert (ours.subject, ours.sms) == (theirs.subject, theirs.sms)


async def test_saving_replaces_and_reset_returns_to_the_theme():
    brand, _ = await a_brand()
    for body in ("first {{ brand }}", "second {{ brand }}"):
        await save_text(
            brand, Trigger.DELIVERED, Channel.SMS, "de", subject="", body=body, agent=None
        )
    [row] = await MessageText.filter(brand=brand)
    assert row.body == "second {{ brand }}"
    with pytest.raises(TextError):
        await save_text(
            brand, Trigger.DELIVERED, Channel.EMAIL, "de", subject="a\nb", body="x", agent=None
        )
    assert await reset_text(brand, Trigger.DELIVERED, Channel.SMS, "de")
    assert not await MessageText.exists(brand=brand)
    assert not await reset_text(brand, Trigger.DELIVERED, Channel.SMS, "de")


async def test_a_preview_uses_the_unsaved_text_and_a_test_lands_in_the_outbox(settings):
    brand, _ = await a_brand()
    message = preview(
        brand,
        Trigger.OUT_FOR_DELIVERY,
        Channel.SMS,
        "de",
        subject="",
        body="{{ brand }} – Paket kommt heute: {{ order_url }}",
        base_url="http://localhost:8000",
    )
    assert message.sms == "Northwind - Paket kommt heute: http://localhost:8000/o/sample"
    assert segments(message.sms) == 1
    sent = await send_test(settings, brand, Channel.SMS, "+4915112345678", message)
    record = json.loads(
        (Path(settings.outbox_dir) / f"{sent.removeprefix('outbox:')}.json").read_text()
    )
    assert record["brand"] == brand.id and record["to"] == "+4915112345678"
    assert record["text"] == message.sms
    with pytest.raises(TextError):
        preview(
            brand,
            Trigger.OUT_FOR_DELIVERY,
            Channel.SMS,
            "de",
            subject="",
            body="{{ secret }}",
            base_url="http://localhost:8000",
        )


async def test_a_test_goes_through_the_configured_providers_real_sdks(providers):
    stub, settings = providers
    brand, _ = await a_brand()
    for channel, to in [(Channel.SMS, "+4915112345678"), (Channel.EMAIL, "ops@example.com")]:
        message = preview(
            brand,
            Trigger.DELIVERED,
            channel,
            "en",
            subject="Done: {{ order_number }}",
            body="{{ brand }} delivered it.",
            base_url="https://track.example.com",
        )
        await send_test(settings, brand, channel, to, message)
    [sms] = stub.sms
    assert (sms.form["To"], sms.form["Body"]) == ("+4915112345678", "Northwind delivered it.")
    [email] = stub.emails
    assert email.json["subject"] == "Done: SAMPLE-1001"
    assert "List-Unsubscribe" not in email.json.get("headers", {})


async def test_quiet_hours_are_the_brands_unless_the_customer_chose_their_own():
    brand, _ = await a_brand()
    night = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    customer = Customer(time_zone="UTC")
    assert quiet_until(night, customer, brand) == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    brand.settings = stored(validate_settings({"quiet_hours": {"start": 0, "end": 0}}))
    assert quiet_until(night, customer, brand) is None
    own = Customer(
        time_zone="UTC", quiet_hours_start=22, quiet_hours_end=6, quiet_hours_chosen=True
    )
    assert quiet_until(night, own, brand) == datetime(2026, 12, 2, 6, 0, tzinfo=UTC)

"""Operations: thresholds, SLA hours, business hours and holidays, high-value mark and delivery
changes with their cut-off; the form reads its help and ranges from the schema, refuses field by
field, and what it saves is what the rules read."""

from datetime import UTC, date, datetime, timedelta

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from porchlight.accounts.brand_settings import settings_of
from porchlight.cases import rules
from porchlight.cases.business_hours import Calendar
from porchlight.enums import Direction, ExceptionType
from porchlight.enums import ShipmentStatus as S
from porchlight.models import AuditEntry, Brand
from portal.shopper.parcels import delivery_options
from tests.factories import a_brand
from tests.test_admin_brand import an_admin

PAGE = "/admin/brands/northwind/operations"


def operations_form(token, **changes):
    form = {
        "exception_thresholds.no_first_scan_hours": "12",
        "exception_thresholds.stalled_days": "4",
        "exception_thresholds.stalled_days_by_carrier": "DHL=2\nups = 5",
        "sla_hours.damage_reported": "1",
        "business_hours.start": "8",
        "business_hours.end": "18",
        "days": ["0", "1", "2", "3", "4", "5"],
        "business_hours.holidays": "2026-12-25\n2026-12-26",
        "high_value_amount": "150.50",
        "activation_hours": "",
        "delivery_options": ["choose_date", "reroute"],
        "delivery_options.cutoff_hours": "36",
        "csrf_token": token,
    }
    return {**form, **changes}


async def test_the_form_shows_the_schemas_help_and_ranges(client):
    await a_brand()
    await an_admin(client)
    page = HTMLParser((await client.get(PAGE)).text)
    stalled = page.css_first("#f-exception_thresholds-stalled_days")
    assert (stalled.attributes["min"], stalled.attributes["max"]) == ("0.5", "60")
    assert stalled.attributes["value"] == "3"
    assert page.css_first("#h-exception_thresholds-stalled_days").text() == (
        "Days without a scan before an in-transit parcel is stalled. (0.5–60)"
    )
    assert "step" not in page.css_first("#f-business_hours-start").attributes


async def test_saved_operations_reach_the_rules_that_read_them(client):
    await a_brand()
    token = await an_admin(client)
    saved = await client.post(PAGE, data=operations_form(token))
    assert saved.status_code == 303, saved.text
    brand = await Brand.get(slug="northwind")
    chosen = settings_of(brand)
    assert rules.no_first_scan_after(brand) == timedelta(hours=12)
    assert rules.stalled_after(brand) == {
        "": timedelta(days=4),
        "dhl": timedelta(days=2),
        "ups": timedelta(days=5),
    }
    assert chosen.sla_hours == {ExceptionType.DAMAGE_REPORTED: 1}
    assert chosen.high_value_amount == 150.5 and chosen.activation_hours == 24
    assert chosen.delivery_options.enabled() == ["choose_date", "reroute"]
    calendar = Calendar.of(brand)
    christmas_eve_evening = datetime(2026, 12, 24, 17, 30, tzinfo=UTC)
    assert calendar.add(christmas_eve_evening, timedelta(hours=1)).date() == date(2026, 12, 28)
    [entry] = await AuditEntry.filter(action="settings.update")
    assert entry.before == {} and entry.after["high_value_amount"] == "150.50"


async def test_delivery_changes_close_at_the_cut_off_before_the_estimated_day(client):
    brand, _ = await a_brand()
    token = await an_admin(client)
    await client.post(PAGE, data=operations_form(token))
    brand = await Brand.get(slug="northwind")
    today = datetime.now(UTC).date()
    far, near = today + timedelta(days=5), today + timedelta(days=1)
    assert delivery_options(brand, S.IN_TRANSIT, Direction.OUTBOUND, far) == [
        "choose_date",
        "reroute",
    ]
    assert delivery_options(brand, S.IN_TRANSIT, Direction.OUTBOUND, near) == []


async def test_wrong_values_are_refused_beside_their_fields_and_kept_in_the_form(client):
    await a_brand()
    token = await an_admin(client)
    refused = await client.post(
        PAGE,
        data=operations_form(
            token,
            **{
                "exception_thresholds.stalled_days": "0",
                "business_hours.holidays": "2026-12-25\nChristmas",
                "high_value_amount": "lots",
                "sla_hours.no_first_scan": "-1",
            },
        ),
    )
    assert refused.status_code == 400
    page = HTMLParser(refused.text)
    assert "YYYY-MM-DD" in page.css_first("#e-business_hours-holidays").text()
    assert page.css_first("#f-business_hours-holidays").text() == "2026-12-25\nChristmas"
    refused = await client.post(
        PAGE,
        data=operations_form(
            token,
            **{
                "exception_thresholds.stalled_days": "0",
                "high_value_amount": "lots",
                "sla_hours.no_first_scan": "-1",
                "business_hours.start": "18",
                "business_hours.end": "9",
            },
        ),
    )
    page = HTMLParser(refused.text)
    assert page.css_first("#e-exception_thresholds-stalled_days").text() == "At least 0.5."
    assert page.css_first("#e-high_value_amount").text() == "Give a number."
    assert page.css_first("#e-sla_hours-no_first_scan").text() == "More than 0."
    assert page.css_first("#f-high_value_amount").attributes["value"] == "lots"
    assert "end must be after start" in page.css_first("#hours-title + p + .error").text()
    assert (await Brand.get(slug="northwind")).settings == {}
    assert not await AuditEntry.exists()


async def test_call_backs_on_low_ratings_are_on_until_the_admin_unticks_them(client):
    await a_brand()
    token = await an_admin(client)
    box = 'input[name=after_delivery][value="low_rating_callback"]'
    assert "checked" in HTMLParser((await client.get(PAGE)).text).css_first(box).attributes
    assert (await client.post(PAGE, data=operations_form(token))).status_code == 303
    assert settings_of(await Brand.get(slug="northwind")).low_rating_callback is False
    assert "checked" not in HTMLParser((await client.get(PAGE)).text).css_first(box).attributes
    ticked = operations_form(token, after_delivery=["low_rating_callback"])
    assert (await client.post(PAGE, data=ticked)).status_code == 303
    assert settings_of(await Brand.get(slug="northwind")).low_rating_callback is True

"""A brand's settings are one typed schema: defaults for a new brand, refusals that name the
field, and an upgrade that moves the old free-form JSON into it."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from tortoise.context import TortoiseContext
from tortoise.migrations.api.migrate import migrate as run_migrations

from porchlight.accounts.brand_settings import (
    InvalidSettings,
    changed_settings,
    contrast,
    settings_of,
    stored,
    validate_settings,
)
from porchlight.cases import rules
from porchlight.enums import Channel, ExceptionType, Trigger
from porchlight.models import AuditEntry, Brand
from porchlight.notifications import policy
from porchlight.platform.db import migrate, tortoise_config
from porchlight.platform.i18n import Tone
from tests.conftest import _fresh_postgres
from tests.factories import a_brand
from tests.test_api_keys import porchlight


def test_a_new_brand_works_on_the_defaults_alone():
    brand = Brand(slug="new", name="New", settings={})
    assert policy.shipped_grace(brand) == timedelta(hours=12)
    assert policy.group_hold(brand) == timedelta(minutes=10)
    assert policy.daily_cap(brand) == 4
    assert policy.brand_channels(brand, Trigger.DELIVERED) == {Channel.EMAIL, Channel.SMS}
    assert rules.no_first_scan_after(brand) == timedelta(hours=24)
    assert rules.stalled_after(brand) == {"": timedelta(days=3)}
    chosen = settings_of(brand)
    assert chosen.high_value_amount == Decimal("200")
    assert chosen.delivery_options.enabled() == []
    assert chosen.tone == Tone.INFORMAL
    assert stored(chosen) == {}


def test_a_brands_choices_reach_the_rules_that_read_them():
    brand = Brand(
        slug="b",
        name="B",
        settings={
            "notification_channels": {"delivered": ["email"]},
            "exception_thresholds": {"stalled_days": 5, "stalled_days_by_carrier": {"DHL": 2}},
            "sla_hours": {"damage_reported": 4},
            "delivery_options": {"pickup_point": True},
            "tone": "formal",
        },
    )
    assert policy.brand_channels(brand, Trigger.DELIVERED) == {Channel.EMAIL}
    assert rules.stalled_after(brand) == {"": timedelta(days=5), "dhl": timedelta(days=2)}
    assert settings_of(brand).sla_hours == {ExceptionType.DAMAGE_REPORTED: 4}
    assert settings_of(brand).delivery_options.enabled() == ["pickup_point"]
    assert settings_of(brand).tone == Tone.FORMAL


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"daily_mesage_cap": 3}, "daily_mesage_cap"),
        ({"daily_message_cap": 0}, "daily_message_cap"),
        ({"accent": "red"}, "accent"),
        ({"notification_channels": {"delivered": ["fax"]}}, "notification_channels.delivered.0"),
        ({"notification_channels": {"teleported": ["email"]}}, "notification_channels.teleported"),
        ({"business_hours": {"start": 18, "end": 9}}, "business_hours"),
        ({"exception_thresholds": {"stalled_days": 0}}, "exception_thresholds.stalled_days"),
        ({"retailer_webhook_url": "ftp://x"}, "retailer_webhook_url"),
        ({"high_value_amount": "lots"}, "high_value_amount"),
        ({"tone": "casual"}, "tone"),
    ],
)
def test_an_unknown_or_invalid_setting_is_refused_with_its_field_named(change, field):
    with pytest.raises(InvalidSettings) as refused:
        validate_settings(change)
    assert field in refused.value.errors, refused.value.errors
    assert field in str(refused.value)


async def test_the_upgrade_moves_old_settings_into_the_schema_and_drops_what_it_refuses(
    settings, tmp_path, capfd
):
    if settings.is_sqlite:
        url = f"sqlite://{tmp_path / 'upgrade.sqlite3'}"
    else:
        url = settings.database_url + "_settings_upgrade"
        await _fresh_postgres(url)
    config = tortoise_config(url)
    old = {
        "delivery_options": {"choose_date": True, "reroute": False},
        "daily_message_cap": "3",
        "accent": "blue",
        "exception_thresholds": {"stalled_days_by_carrier": {"DHL": 2}},
    }
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        await run_migrations(config=config, target="models.0006_shopper_contact_choices")
        await ctx.connections.get("default").execute_query(
            "INSERT INTO brand (id, slug, name, theme, default_locale, time_zone, settings, "
            "created_at) VALUES (1, 'old', 'Old', 'default', 'en', 'UTC', "
            + ("?" if settings.is_sqlite else "$1")
            + ", '2026-01-01 00:00:00+00:00')",
            [json.dumps(old)],
        )
    await migrate(url)
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        [row] = await ctx.connections.get("default").execute_query_dict(
            "SELECT settings FROM brand"
        )
    moved = row["settings"] if isinstance(row["settings"], dict) else json.loads(row["settings"])
    assert moved == {
        "delivery_options": {"choose_date": True},
        "daily_message_cap": 3,
        "exception_thresholds": {"stalled_days_by_carrier": {"dhl": 2.0}},
    }
    assert "brand old: dropped setting accent" in capfd.readouterr().err


async def test_the_command_line_shows_each_field_with_its_help_and_range(settings):
    await a_brand()
    code, shown = await porchlight(settings, "brand-settings", "northwind")
    assert code == 0, shown
    lines = shown.splitlines()
    at = lines.index("daily_message_cap = 4")
    assert lines[at + 1].strip() == "Messages per order, channel and day at most. [1..50]"
    assert "business_hours.start = 9" in lines


async def test_the_command_line_changes_settings_audits_them_and_refuses_naming_the_field(
    settings,
):
    brand, _ = await a_brand()
    code, said = await porchlight(
        settings,
        "brand-settings",
        "northwind",
        "--set",
        "daily_message_cap=2",
        "--set",
        "exception_thresholds.stalled_days=5",
        "--set",
        "tagline=Parcels, on time",
    )
    assert code == 0, said
    await brand.refresh_from_db()
    assert brand.settings == {
        "daily_message_cap": 2,
        "exception_thresholds": {"stalled_days": 5.0},
        "tagline": "Parcels, on time",
    }
    [entry] = await AuditEntry.filter(brand=brand, action="settings.update")
    assert entry.actor == "cli" and entry.before == {}
    code, said = await porchlight(
        settings,
        "brand-settings",
        "northwind",
        "--set",
        "daily_message_cap=99",
        "--set",
        "tagline=x",
    )
    assert code == 1 and "daily_message_cap" in said and "less than or equal to 50" in said
    code, said = await porchlight(
        settings, "brand-settings", "northwind", "--set", "accent=#ffee00"
    )
    assert code == 1 and "accent" in said and "below 4.5:1" in said
    await brand.refresh_from_db()
    assert (
        brand.settings["daily_message_cap"] == 2 and brand.settings["tagline"] == "Parcels, on time"
    )


def test_colours_whose_text_would_read_below_wcag_aa_are_refused():
    brand = Brand(slug="b", name="B", settings={})
    assert contrast("#ffffff", "#000000") == pytest.approx(21)
    for change, field in [
        ({"accent": "#ffee00"}, "accent"),  # white header text on yellow
        ({"background": "#333333"}, "background"),  # dark text on a dark page
        ({"accent": "#2a6fdb", "background": "#a0b8d8"}, "background"),
    ]:
        with pytest.raises(InvalidSettings) as refused:
            changed_settings(brand, change)
        assert list(refused.value.errors) == [field], refused.value.errors
    assert (
        changed_settings(brand, {"accent": "#0b5d3b", "background": "#ffffff"}).accent == "#0b5d3b"
    )

"""Every change leaves one entry saying who, when, and what changed from what to what."""

from porchlight.accounts.audit import record
from porchlight.models import Agent, AuditEntry
from tests.factories import a_brand


async def test_a_settings_change_is_logged_with_only_the_keys_that_changed():
    brand, _ = await a_brand()
    admin = await Agent.create(email="admin@example.com", password_hash="x", role="admin")
    before = {"daily_message_cap": 4, "accent": "#1f5f8b"}
    after = {"daily_message_cap": 2, "accent": "#1f5f8b", "shipped_grace_hours": 6}
    await record("settings.update", brand=brand, agent=admin, before=before, after=after)
    [entry] = await AuditEntry.filter(brand=brand)
    assert entry.actor == "admin@example.com" and entry.action == "settings.update"
    assert entry.before == {"daily_message_cap": 4}
    assert entry.after == {"daily_message_cap": 2, "shipped_grace_hours": 6}


async def test_a_change_made_from_the_command_line_names_the_cli():
    brand, _ = await a_brand()
    await record("brand.create", brand=brand, actor="cli", after={"slug": brand.slug})
    [entry] = await AuditEntry.filter(brand=brand)
    assert entry.agent_id is None and entry.actor == "cli" and entry.before is None

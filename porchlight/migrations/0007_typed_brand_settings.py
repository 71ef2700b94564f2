"""Brand settings move into the typed schema (porchlight.accounts.brand_settings): each brand's
JSON is validated and stored as the schema writes it. A value the schema refuses is dropped
(its default applies from now on) and named on stderr, so an old typo cannot stop the upgrade."""

import sys

from tortoise import migrations
from tortoise.migrations import operations as ops

from porchlight.accounts.brand_settings import InvalidSettings, stored, validate_settings


async def into_schema(apps, schema_editor) -> None:
    Brand = apps.get_model("models", "Brand")
    for brand in await Brand.all():
        data = dict(brand.settings) if isinstance(brand.settings, dict) else {}
        while True:
            try:
                typed = validate_settings(data)
                break
            except InvalidSettings as exc:
                refused = {name.split(".")[0] for name in exc.errors} & data.keys()
                for field in refused:
                    print(f"brand {brand.slug}: dropped setting {field} ({exc})", file=sys.stderr)
                data = {k: v for k, v in data.items() if k not in refused} if refused else {}
        if stored(typed) != brand.settings:
            brand.settings = stored(typed)
            await brand.save(update_fields=["settings"])


class Migration(migrations.Migration):
    dependencies = [('models', '0006_shopper_contact_choices')]

    initial = False

    operations = [ops.RunPython(into_schema, reverse_code=lambda apps, schema_editor: None)]

"""The product category tree (seed §四 key fields, §三(四)1 key categories)."""

from django.db import migrations


def load(apps, schema_editor):
    from zhiliang.enterprises.reference_data import CATEGORIES

    ProductCategory = apps.get_model("enterprises", "ProductCategory")
    made = {}
    for code, name, parent, kind, key_category, key_field, is_food, licence_kinds, sort in CATEGORIES:
        made[code], _ = ProductCategory.objects.update_or_create(
            code=code,
            defaults=dict(name=name, parent=made.get(parent), kind=kind, is_key_category=key_category, is_key_field=key_field,
                          is_food=is_food, licence_kinds=licence_kinds, sort_order=sort),
        )


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

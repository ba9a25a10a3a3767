"""A red-list entry ends on its day: it has no date from which removal may be applied for."""

from django.db import migrations


def clear(apps, schema_editor):
    apps.get_model("credit", "ListEntry").objects.filter(list_kind="red").update(removal_apply_from=None)


class Migration(migrations.Migration):
    dependencies = [("credit", "0004_partial_fact_indexes")]

    operations = [migrations.RunPython(clear, migrations.RunPython.noop)]

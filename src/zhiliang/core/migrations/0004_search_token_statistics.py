"""PostgreSQL keeps statistics of the 1 000 most common search tokens (instead of 100):
search reads their frequencies from ``pg_stats`` instead of counting their rows
(``core.search._frequency``).  Nothing to do on SQLite."""

from django.db import migrations

TARGET = 1000


def raise_target(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("core", "SearchToken")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN token SET STATISTICS {TARGET}")


def reset_target(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("core", "SearchToken")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN token SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_search_trigrams")]
    operations = [migrations.RunPython(raise_target, reset_target)]

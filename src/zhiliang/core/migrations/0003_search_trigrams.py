"""The search index gained CJK trigrams (docs/search.md): recompute the token rows of
existing entries from their stored text.  No object of any app is read; safe to
re-run; a large index takes a while (about a minute per 100 000 entries)."""

from django.db import migrations


def retokenize(apps, schema_editor):
    from zhiliang.core import search

    search.retokenize()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_reference_data")]
    # no reverse step: old tokens stay a subset of the new ones, so searching after a
    # rollback still works (the trigram rows are merely unused)
    operations = [migrations.RunPython(retokenize, migrations.RunPython.noop)]

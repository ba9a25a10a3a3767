"""Imported 文号 as one key however they were typed (``importers.document_number``): the facts
already imported get the same form, so a file re-sent in the other form finds them.  A fact
whose folded number another fact of its source already holds is left as it is (the two are
a duplicate staff resolve; changing it would break the one-per-source constraint)."""

from django.db import migrations


def fold(apps, schema_editor):
    from zhiliang.credit.importers import document_number

    fact = apps.get_model("credit", "CreditFact")
    rows = fact.objects.filter(kind__in=("penalty", "licence")).values_list("pk", "kind", "source_key", "source_record_id", "decision_no")
    taken = {(kind, key, number) for _pk, kind, key, number, _no in rows}
    for pk, kind, key, number, decision_no in rows.iterator(chunk_size=5000):
        folded = document_number(number)
        if folded == number or (kind, key, folded) in taken:
            continue
        taken.add((kind, key, folded))
        fact.objects.filter(pk=pk).update(source_record_id=folded, decision_no=document_number(decision_no) if decision_no == number else decision_no)


class Migration(migrations.Migration):
    dependencies = [("credit", "0005_red_list_not_applied_off")]

    operations = [migrations.RunPython(fold, migrations.RunPython.noop)]

"""Regions, departments (with the 2019 merger) and the role groups."""

import datetime

from django.db import migrations


def _date(text):
    return datetime.date.fromisoformat(text) if text else None


def load(apps, schema_editor):
    from zhiliang.core.choices import Role
    from zhiliang.core.reference_data import DEPARTMENTS, REGIONS

    Region = apps.get_model("core", "Region")
    Department = apps.get_model("core", "Department")
    Group = apps.get_model("auth", "Group")

    regions = {}
    for code, name, level, parent, is_local, sort in REGIONS:
        parent_obj = regions.get(parent)
        path = (parent_obj.path if parent_obj else "/") + f"{code}/"
        regions[code], _ = Region.objects.update_or_create(
            code=code,
            defaults=dict(name=name, level=level, parent=parent_obj, path=path, is_local_code=is_local, sort_order=sort),
        )
    depts = {}
    for code, name, short, kind, region, valid_from, valid_to, _successor, responsible in DEPARTMENTS:
        depts[code], _ = Department.objects.update_or_create(
            code=code,
            defaults=dict(
                name=name,
                short_name=short,
                kind=kind,
                region=regions[region],
                valid_from=_date(valid_from),
                valid_to=_date(valid_to),
                is_responsible_unit=responsible,
            ),
        )
    for code, *_rest, successor, _responsible in DEPARTMENTS:
        if successor:
            Department.objects.filter(pk=depts[code].pk).update(successor=depts[successor])
    for role in Role.values:
        Group.objects.get_or_create(name=role)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

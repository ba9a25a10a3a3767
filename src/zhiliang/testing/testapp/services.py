from zhiliang.core.events import emit, service
from zhiliang.core.permissions import recheck

from .models import Record


@service(event="testapp.record_created")
def create_record(*, actor, title, region, department=None, organisation=None, published=False, id_number=""):
    record = Record.objects.create(title=title, region=region, department=department, organisation=organisation, published=published, id_number=id_number)
    recheck(record, actor, "add")
    emit("testapp.record_created", {"title": title}, subject=record, region=region)
    return record


@service(event="testapp.record_changed")
def change_record(*, actor, record, **changes):
    for key, value in changes.items():
        setattr(record, key, value)
    record.save()
    recheck(record, actor, "change")
    emit("testapp.record_changed", {"fields": sorted(changes)}, subject=record, region=record.region)
    return record

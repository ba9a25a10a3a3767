"""Audit: context nesting, capture into a task and restore, exemptions, change sets."""

import pytest
from django.db import transaction

from zhiliang.core import audit, services
from zhiliang.core.audit import SYSTEM, AuditContextRequired, audit_context, change_set
from zhiliang.core.choices import ChangeAction
from zhiliang.core.models import Department, ObjectChange, Region, User
from zhiliang.testing.fixtures import as_system

pytestmark = pytest.mark.django_db


def test_write_outside_context_fails():
    dept = Department.objects.get(code="sy-amr")
    dept.note = "x"
    with pytest.raises(AuditContextRequired):
        dept.save()
    with pytest.raises(AuditContextRequired):
        Department.objects.filter(code="sy-amr").update(note="y")
    with pytest.raises(AuditContextRequired):
        Region.objects.bulk_create([Region(code="999999", name="x", level="county", path="/999999/")])
    with pytest.raises(AuditContextRequired):
        Department.objects.filter(code="sy-amr").delete()
    assert Department.objects.get(code="sy-amr").note == ""


def test_save_records_before_after_and_diff(city_admin):
    dept = Department.objects.get(code="sy-amr")
    with audit_context(actor=city_admin, reason="更正简称", source="test", request_id="req-1"):
        services.update_department(actor=city_admin, department=dept, short_name="市监局")
    change = ObjectChange.objects.filter(object_id=str(dept.pk), action=ChangeAction.UPDATE).get()
    assert change.diff == {"short_name": ["市市场监管局", "市监局"]}
    assert change.before["short_name"] == "市市场监管局"
    assert change.after["short_name"] == "市监局"
    assert change.actor_id == city_admin.pk
    assert change.actor_name.startswith("city-admin")
    assert change.request_id == "req-1"
    assert change.reason == "更正简称"


def test_nested_context_inherits_request_id_and_overrides_reason(city_admin):
    with audit_context(actor=city_admin, reason="外层", source="web", request_id="outer") as outer:
        with audit_context(actor=SYSTEM, reason="内层", source="task") as inner:
            assert inner.request_id == "outer"
            assert inner.reason == "内层"
            assert inner.actor_id is None
            assert audit.current_context() is inner
        assert audit.current_context() is outer
    assert audit.current_context() is None


def test_capture_and_restore_carry_the_context_into_a_worker(city_admin):
    with audit_context(actor=city_admin, reason="导入", source="import", request_id="r-42"):
        captured = audit.capture()
    assert audit.current_context() is None
    before = ObjectChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # the worker side: no context until restored
    with audit.restore(captured) as ctx:
        assert ctx.actor_id == city_admin.pk and ctx.request_id == "r-42" and ctx.reason == "导入"
        dept = Department.objects.get(code="sy-qts")
        dept.note = "由任务写入"
        dept.save()
    change = ObjectChange.objects.get(pk__gt=before, content_type__model="department", object_id=str(dept.pk), action=ChangeAction.UPDATE)
    assert (change.actor_id, change.request_id, change.source) == (city_admin.pk, "r-42", "import")


def test_restore_without_capture_is_the_system_actor():
    with audit.restore(None) as ctx:
        assert ctx.actor_id is None and ctx.actor_name == "系统"


def test_exempt_fields_need_no_context(county_user):
    # last_login is on the explicit exemption list; logging in writes it without a context
    from django.utils import timezone

    county_user.last_login = timezone.now()
    county_user.save(update_fields=["last_login"])
    assert not ObjectChange.objects.filter(object_id=str(county_user.pk), action=ChangeAction.UPDATE).exists()
    # any other field still needs one
    county_user.display_name = "改名"
    with pytest.raises(AuditContextRequired):
        county_user.save(update_fields=["display_name", "last_login"])


def test_exempt_models_are_listed_explicitly():
    from django.conf import settings

    assert "sessions.session" in settings.AUDIT_EXEMPT_MODELS
    assert "django_tasks_db.dbtaskresult" in settings.AUDIT_EXEMPT_MODELS


def test_change_set_bulk_creates_point_to_it_and_updates_get_rows():
    with as_system("批量导入测试"):
        with change_set(kind="import", file_name="regions.csv", file_sha256="ab" * 32) as cs:
            parent = Region.objects.get(code="420300")
            made = Region.objects.bulk_create(
                [Region(code=f"9{i:05d}", name=f"测试{i}", level="zone", parent=parent, path=f"{parent.path}9{i:05d}/") for i in range(3)]
            )
            Region.objects.filter(code__startswith="9").update(name="改名")
    assert all(r.created_in_id == cs.pk for r in Region.objects.filter(code__startswith="9"))
    assert len(made) == 3
    # creates are not logged row by row inside a change set; updates are, pointing to it
    assert not ObjectChange.objects.filter(change_set=cs, action=ChangeAction.CREATE).exists()
    updates = ObjectChange.objects.filter(change_set=cs, action=ChangeAction.UPDATE)
    assert updates.count() == 3
    assert {u.diff["name"][1] for u in updates} == {"改名"}
    assert cs.file_name == "regions.csv" and cs.actor_name == "系统"


def test_delete_is_logged_also_for_cascades(county_user):
    from zhiliang.core.models import Membership

    membership = Membership.objects.get(user=county_user)
    with as_system("删除用户"):
        User.objects.filter(pk=county_user.pk).delete()
    deleted = ObjectChange.objects.filter(action=ChangeAction.DELETE)
    assert {(c.content_type.model, c.object_id) for c in deleted} >= {("user", str(county_user.pk)), ("membership", str(membership.pk))}


def test_personal_fields_are_masked_in_the_log():
    with as_system():
        user = services.create_user(actor=SYSTEM, username="phone-owner", password="x-very-long-pass", phone="13800001234")
    change = ObjectChange.objects.get(object_id=str(user.pk), content_type__model="user", action=ChangeAction.CREATE)
    assert change.after["phone"] == "*******1234"
    assert "password" not in change.after


def test_failed_transaction_leaves_no_log_rows():
    before = ObjectChange.objects.count()
    with as_system(), pytest.raises(RuntimeError):
        with transaction.atomic():
            dept = Department.objects.get(code="sy-amr")
            dept.note = "不会保存"
            dept.save()
            raise RuntimeError("boom")
    assert ObjectChange.objects.count() == before
    assert Department.objects.get(code="sy-amr").note == ""


def test_masking_follows_its_rule(city_admin):
    import datetime

    from django.utils import timezone

    assert audit.mask_value("420302199001011234") == "**************1234"
    with audit_context(actor=city_admin, reason="省级规定保留末6位", source="test"):
        services.set_rule_override(
            actor=city_admin, rule="RULE_IDENTITY_MASK_VISIBLE_CHARS", value=2, effective_from=timezone.localdate() - datetime.timedelta(days=1), reason="测试"
        )
    assert audit.mask_value("420302199001011234") == "****************34"

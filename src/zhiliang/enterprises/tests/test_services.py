"""The registry's services: validation, derived identifiers, former names, scope
re-check, denormalised regions, search index kept current, events."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from zhiliang.core import search
from zhiliang.core.audit import SYSTEM, audit_context
from zhiliang.core.models import DomainEvent
from zhiliang.core.identity import orgcode_check_char
from zhiliang.core.uscc import make_uscc
from zhiliang.enterprises import services
from zhiliang.enterprises.models import Enterprise, ProductCategory
from zhiliang.testing.fixtures import as_system, region

pytestmark = pytest.mark.django_db

ORG = "MA48X0Q1" + orgcode_check_char("MA48X0Q1")  # a well-formed 组织机构代码 inside
USCC = make_uscc("91420302" + ORG)


def make(**extra):
    data = {"name": "十堰东风华鑫汽车零部件有限公司", "uscc": USCC, "region": region("420302"), "address": "茅箭区东风大道1号"}
    data.update(extra)
    with as_system():
        return services.create_enterprise(actor=SYSTEM, **data)


def test_create_derives_identifiers_indexes_and_emits():
    enterprise = make()
    assert {(i.scheme, i.value) for i in enterprise.identifiers.all()} >= {("uscc", USCC)}
    assert ("orgcode", ORG) in {(i.scheme, i.value) for i in enterprise.identifiers.all()}
    hits = search.search("华鑫", kinds=["enterprise"]).hits
    assert [h.object_id for h in hits] == [str(enterprise.pk)]
    assert search.search(USCC, kinds=["enterprise"]).hits[0].object_id == str(enterprise.pk)
    event = DomainEvent.objects.get(name="enterprises.enterprise_created")
    assert event.enterprise_key == USCC and event.region.code == "420302"


def test_a_bad_uscc_names_the_expected_check_character():
    bad = USCC[:-1] + ("0" if USCC[-1] != "0" else "1")
    with pytest.raises(ValidationError) as err:
        make(uscc=bad)
    assert "校验码应为" in str(err.value) and USCC[-1] in str(err.value)
    assert not Enterprise.objects.exists()


def test_renaming_keeps_the_former_name_and_the_uscc_cannot_change():
    enterprise = make()
    with as_system():
        enterprise, changed = services.update_enterprise(actor=SYSTEM, enterprise=enterprise, name="十堰华鑫汽车部件股份有限公司")
        assert changed == ["name"]
        assert enterprise.former_names == ["十堰东风华鑫汽车零部件有限公司"]
        # the former name still finds it
        assert search.search("东风华鑫", kinds=["enterprise"]).hits[0].object_id == str(enterprise.pk)
        with pytest.raises(ValidationError, match="不能修改"):
            services.update_enterprise(actor=SYSTEM, enterprise=enterprise, uscc=make_uscc("91420300" + ORG))
        # an update that changes nothing writes nothing
        _, changed = services.update_enterprise(actor=SYSTEM, enterprise=enterprise, name="十堰华鑫汽车部件股份有限公司")
        assert changed == []


def test_county_staff_cannot_create_or_move_an_enterprise_out_of_their_county(county_user):
    with audit_context(actor=county_user, reason="测试", source="test"):
        with pytest.raises(PermissionDenied):
            services.create_enterprise(actor=county_user, name="张湾某公司", region=region("420303"))
        mine = services.create_enterprise(actor=county_user, name="茅箭某公司", region=region("420302"))
        with pytest.raises(PermissionDenied):
            services.update_enterprise(actor=county_user, enterprise=mine, region=region("420303"))
    mine.refresh_from_db()
    assert mine.region.code == "420302"
    assert not Enterprise.objects.filter(name="张湾某公司").exists()


def test_products_and_licences_carry_the_enterprise_region():
    enterprise = make()
    category = ProductCategory.objects.get(code="auto-parts")
    with as_system():
        product, _ = services.save_product(actor=SYSTEM, enterprise=enterprise, category=category, brand="华鑫", name="制动鼓", model="DFL4251A")
        licence, _ = services.save_licence(actor=SYSTEM, enterprise=enterprise, kind="ccc", number="2024011101234567",
                                           issued_on=datetime.date(2024, 1, 1), valid_until=datetime.date(2029, 1, 1))
        again, changed = services.save_product(actor=SYSTEM, product=product, name="制动鼓")
    assert product.region.code == licence.region.code == "420302"
    assert changed == [] and again.pk == product.pk
    assert search.search("DFL4251A", kinds=["product"]).hits[0].object_id == str(product.pk)


def test_a_conflict_names_exactly_one_party():
    enterprise = make()
    with as_system(), pytest.raises(ValidationError, match="只能指向"):
        services.declare_conflict(actor=SYSTEM, enterprise=enterprise, reason="亲属关系")


def test_insurance_until_needs_insurance():
    with pytest.raises(ValidationError):
        make(insurance_until=datetime.date(2027, 1, 1), liability_insured=False)


def test_public_facts_do_not_open_personal_data(county_user, other_county_user, auditor):
    """Enterprises are public, but their legal representative's ID number is
    revealed only to staff whose own scope holds the enterprise (and logged)."""
    from zhiliang.core import services as core_services

    enterprise = make(legal_rep_name="王伟", legal_rep_id_number="420302199001011234")
    with audit_context(actor=other_county_user, reason="越权查看", source="test"):
        with pytest.raises(PermissionDenied):
            core_services.reveal_personal_data(actor=other_county_user, instance=enterprise, fields=["legal_rep_id_number"], reason="越权查看")
    for user in (county_user, auditor):
        with audit_context(actor=user, reason="核查", source="test"):
            shown = core_services.reveal_personal_data(actor=user, instance=enterprise, fields=["legal_rep_id_number"], reason="核查")
        assert shown == {"legal_rep_id_number": "420302199001011234"}

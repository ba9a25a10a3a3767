"""The registry's living demo data: deterministic from the seed, valid as the services
would make it, the whole city (every key category, every county and zone), the
enterprise and lab accounts bound to their organisations, everything searchable.

The demo is loaded once for this module (inside a transaction rolled back at the
end); each test runs in its own savepoint inside it."""

from __future__ import annotations

import datetime
import random
import re
from collections import Counter

import pytest
from django.db import transaction
from django.db.models import F

from zhiliang.core import demo as core_demo
from zhiliang.core import search
from zhiliang.core.choices import Role
from zhiliang.core.identity import Identifier
from zhiliang.core.models import ChangeSet, Membership, ObjectChange, User
from zhiliang.core.uscc import validate_uscc
from zhiliang.enterprises import demo
from zhiliang.enterprises.models import (
    ConflictOfInterest,
    Enterprise,
    EnterpriseIdentifier,
    Inspector,
    Licence,
    Product,
    ProductCategory,
)
from zhiliang.enterprises.models import (
    TestingAgency as Agency,  # (not “Test…”: pytest would try to collect it)
)

SEED = 4242


def registry():
    """The registry loader's enterprises (the sampling demo adds two producers outside Shiyan,
    region 十堰市外, whose failing products are referred to their home authority)."""
    from zhiliang.core.reference_data import OUTSIDE_CODE

    return Enterprise.objects.exclude(region__code=OUTSIDE_CODE)


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from zhiliang.testing.fixtures import ensure_reference_data

        ensure_reference_data()
        with transaction.atomic():
            accounts = core_demo.load(seed=SEED, report=lambda message: None)
            yield accounts
            transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def generated(seed=SEED, n=demo.ENTERPRISE_COUNT):
    """What the registry's loader generates for ``seed`` (the loader's own rng; the first n)."""
    return demo.generate_enterprises(random.Random(f"{seed}:enterprises.registry"), n)


def test_same_seed_same_data_and_the_database_holds_exactly_that():
    first, second = generated(), generated()
    assert [(r.uscc, r.name, r.region, r.legal_rep_id) for r in first] == [(r.uscc, r.name, r.region, r.legal_rep_id) for r in second]
    assert [r.uscc for r in generated(SEED + 1, 20)] != [r.uscc for r in first[:20]]
    in_db = dict(registry().values_list("uscc", "name"))
    assert in_db == {r.uscc: r.name for r in first}
    # the products are generated from the same rng: same seed, same products
    rng1, rng2 = random.Random(1), random.Random(1)
    a, b = generated(n=50), generated(n=50)
    for rec in a:
        demo.add_products_and_licences(rng1, rec, {}, datetime.date(2026, 12, 1))
    for rec in b:
        demo.add_products_and_licences(rng2, rec, {}, datetime.date(2026, 12, 1))
    assert [r.products for r in a] == [r.products for r in b] and [r.licences for r in a] == [r.licences for r in b]


def test_every_uscc_is_valid_with_the_city_or_a_county_as_registering_authority():
    enterprises = list(registry().values_list("pk", "uscc", "entity_type", "region__code"))
    assert len(enterprises) >= 3000
    kinds = Counter()
    for _pk, uscc, entity_type, _region in enterprises:
        result = validate_uscc(uscc)
        assert result.valid, (uscc, result.message)
        assert uscc[2:8] in demo.DIVISION_CODES, uscc
        assert Identifier("orgcode", uscc[8:17]).is_valid, uscc  # a valid organisation code inside
        kinds[uscc[:2]] += 1
        assert {"92": "individual", "93": "cooperative"}.get(uscc[:2], entity_type) == entity_type
    assert set(kinds) == {"91", "92", "93"} and kinds["91"] > kinds["92"] > kinds["93"] > 0
    # the registering authority is mostly the county operated in, sometimes the city
    by_city = sum(1 for _, uscc, _, region in enterprises if uscc[2:8] == "420300" and region in demo.COUNTY_CODES)
    own = sum(1 for _, uscc, _, region in enterprises if uscc[2:8] == region)
    assert own > len(enterprises) / 2 and by_city > 50
    # and the identifiers derived from it, as create_enterprise makes them
    schemes = Counter(EnterpriseIdentifier.objects.filter(enterprise__in=registry()).values_list("scheme", flat=True))
    assert schemes["uscc"] == len(enterprises) and schemes["orgcode"] == len(enterprises)


def test_the_whole_city_every_key_category_every_county_and_zone():
    key = list(ProductCategory.objects.filter(is_key_category=True))
    assert len(key) == 10
    for category in key:  # the category or one of its subcategories (食品 → 加工食品, 茶叶 …)
        subtree = category.descendant_ids()
        assert Enterprise.objects.filter(categories__in=subtree).exists(), category.name
        assert Product.objects.filter(category__in=subtree).exists(), category.name
    with_products = set(Product.objects.values_list("category__code", flat=True))
    assert {"auto-parts", "auto-commercial", "food-tea", "souvenirs"} <= with_products
    assert set(registry().values_list("region__code", flat=True)) == set(demo.REGION_CODES)
    assert Enterprise.objects.filter(name__contains="东风").count() > 80  # the city's automobile industry
    statuses = Counter(Enterprise.objects.values_list("status", flat=True))
    assert statuses["active"] > 0.8 * sum(statuses.values()) and statuses["revoked"] and statuses["cancelled"]
    assert Agency.objects.count() >= 20 and Inspector.objects.count() >= 60
    assert all(a.categories.exists() and a.cma_number for a in Agency.objects.all())
    assert Inspector.objects.values("department").distinct().count() >= 10
    assert ConflictOfInterest.objects.filter(agency__isnull=False).exists() and ConflictOfInterest.objects.filter(inspector__isnull=False).exists()
    assert Enterprise.objects.filter(liability_insured=True).exists() and Enterprise.objects.exclude(chief_quality_officer="").exists()


def test_each_entity_type_has_a_name_its_form_may_bear():
    """A 有限公司 is a company; 个人独资企业 and 合伙企业 may not be named 有限公司 — the demo had
    65 such “sole proprietorships”, whose pages then named an 投资人."""
    forms = Counter((e.entity_type, e.name.endswith("公司")) for e in generated())
    assert forms[("sole", True)] == forms[("partnership", True)] == forms[("individual", True)] == 0
    assert forms[("sole", False)] and forms[("partnership", False)] and forms[("limited", True)]


def test_rows_are_valid_as_the_services_make_them():
    # denormalised regions, as save_product / save_licence / declare_conflict set them
    assert not Product.objects.exclude(region=F("enterprise__region")).exists()
    assert not Licence.objects.exclude(region=F("enterprise__region")).exists()
    assert not ConflictOfInterest.objects.exclude(region=F("enterprise__region")).exists()
    # full validation (uniqueness and constraints included) of a sample of every model
    for model in (Enterprise, Product, Licence, Agency, Inspector, ConflictOfInterest, EnterpriseIdentifier):
        for obj in model.objects.order_by("pk")[:40]:
            obj.full_clean()
    # written in the demo's change set, without a log row per created record
    cs = ChangeSet.objects.get(kind=core_demo.DEMO_KIND)
    assert not Enterprise.objects.exclude(created_in=cs).exists()
    assert cs.counts["enterprises"] == Enterprise.objects.count()
    assert not ObjectChange.objects.filter(content_type__model="enterprise").exists()


def test_licences_have_real_looking_numbers_and_some_are_expired_or_expiring():
    today = datetime.date.today()
    numbers = list(Licence.objects.values_list("kind", "number"))
    sc = [n for k, n in numbers if k == "sc"]
    assert sc and all(re.fullmatch(r"SC\d{14}", n) for n in sc)
    assert all(Identifier("sc", n).is_valid for n in sc)
    assert any(re.fullmatch(r"鄂XK\d\d-\d{3}-\d{5}", n) for k, n in numbers if k == "production")
    assert any(k == "ccc" for k, _ in numbers) and any(k == "health" for k, _ in numbers)
    assert Licence.objects.filter(valid_until__lt=today).exists()
    assert Licence.objects.filter(valid_until__gte=today, valid_until__lt=today + datetime.timedelta(days=90)).exists()
    standards = {s for stds in Product.objects.values_list("standards", flat=True) for s in stds}
    assert {"GB 7258-2017", "QC/T 29106-2014", "Q/SYDF 001-2024"} <= standards


def test_personal_data_is_synthetic_but_well_formed():
    for number in registry().values_list("legal_rep_id_number", flat=True):
        assert len(number) == 18 and number[:6] in demo.COUNTY_CODES
        assert demo.id_check_char(number[:17]) == number[17]
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        assert 1950 < birth.year < 2000
        assert number[14:16] == "99"  # the synthetic sequence block
    assert all(p.startswith("1990") for p in Inspector.objects.values_list("phone", flat=True))


def test_accounts_one_per_county_more_departments_and_bound_organisation_accounts():
    county = Membership.objects.filter(role__name=Role.COUNTY_STAFF)
    assert sorted(county.values_list("region__code", flat=True)) == sorted(demo.REGION_CODES)
    assert Membership.objects.filter(role__name=Role.DEPARTMENT_STAFF).values("department").distinct().count() >= 7
    assert set(Membership.objects.values_list("role__name", flat=True)) == set(Role.values)

    enterprise_user = User.objects.get(username="enterprise")
    (membership,) = enterprise_user.memberships.all()
    own = membership.organisation
    assert isinstance(own, Enterprise) and own.status == "active" and "东风" in own.name
    assert Enterprise.objects.restrict(enterprise_user, "view").filter(pk=own.pk).exists()
    assert enterprise_user.check_password(core_demo.DEMO_PASSWORD)

    lab_user = User.objects.get(username="lab")
    (membership,) = lab_user.memberships.all()
    agency = membership.organisation
    assert isinstance(agency, Agency) and "汽车零部件" in agency.name
    assert Agency.objects.restrict(lab_user, "view").filter(pk=agency.pk).exists()
    # acting for its own organisation only: no view of inspectors (staff records)
    assert not Inspector.objects.restrict(lab_user, "view").exists()
    assert not Inspector.objects.restrict(enterprise_user, "view").exists()
    assert Membership.objects.filter(role__name__in=[Role.ENTERPRISE, Role.LAB], organisation_id="").count() == 0
    assert Membership.objects.filter(role__name=Role.ENTERPRISE).count() >= 5 and Membership.objects.filter(role__name=Role.LAB).count() >= 4

    # each county account is an inspector of its county
    maojian = User.objects.get(username="maojian")
    assert maojian.inspector.region.code == "420302" and maojian.inspector.name == maojian.display_name


def test_the_printed_accounts_are_grouped_per_role():
    lines = core_demo.accounts_lines()
    text = "\n".join(lines)
    for username in ("admin", "auditor", "amr", "maojian", "enterprise", "lab"):
        assert re.search(rf"^  {username} ", text, re.MULTILINE), username
    assert "…等 10 个" in text and "wudangshan" in text and "ent-food" in text
    assert len(lines) < 20


def test_every_enterprise_is_searchable_by_a_two_character_fragment_of_its_name():
    names = dict(Enterprise.objects.values_list("pk", "name"))
    from zhiliang.core.models import SearchEntry, SearchToken

    entries = dict(SearchEntry.objects.filter(kind="enterprise").values_list("object_id", "id"))
    assert set(entries) == {str(pk) for pk in names}
    # every bigram of every name is an index token of its entry (checked in SQL, all at once)
    have = {(entry_id, token) for entry_id, token in SearchToken.objects.filter(entry_id__in=entries.values()).values_list("entry_id", "token")}
    missing = [(pk, name) for pk, name in names.items()
               if any((entries[str(pk)], bigram) not in have for bigram in search.tokenize(name) if len(bigram) == 2)]
    assert not missing, missing[:5]
    # and search() finds them by their rarest two-character fragment (a sample; paging as a user would)
    df = Counter(bigram for name in names.values() for bigram in set(search.tokenize(name)) if len(bigram) == 2)
    for pk in random.Random(7).sample(sorted(names), 150):
        fragment = min((b for b in search.tokenize(names[pk]) if len(b) == 2), key=lambda b: (df[b], b))
        found, page = False, 1
        while not found:
            results = search.search(fragment, kinds=["enterprise"], per_page=100, page=page)
            found = str(pk) in {h.object_id for h in results.hits}
            if not results.has_next:
                break
            page += 1
        assert found, (names[pk], fragment)

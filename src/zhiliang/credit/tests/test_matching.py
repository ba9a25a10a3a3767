"""Entity matching: USCC, then legacy codes (also the org code inside a USCC), then the exact
name as a candidate for review; natural persons never by name; set-wise for imports."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhiliang.core.audit import SYSTEM
from zhiliang.core.uscc import make_uscc
from zhiliang.credit.choices import MatchStatus, PartyKind
from zhiliang.credit.matching import match_many, match_party
from zhiliang.enterprises import services as registry_services
from zhiliang.testing.fixtures import as_system, region

from .facts_data import OLD_ORGCODE, OLD_REGNO, OLD_USCC, build_credit_registry

pytestmark = pytest.mark.django_db


def test_a_valid_uscc_matches_its_enterprise():
    world = build_credit_registry()
    match = match_party(uscc=world.maojian.uscc.lower(), name="别的名称")
    assert (match.enterprise, match.status, match.candidate) == (world.maojian, MatchStatus.USCC, None)


def test_an_invalid_uscc_matches_nothing_by_code():
    world = build_credit_registry()
    wrong = world.maojian.uscc[:17] + ("0" if world.maojian.uscc[17] != "0" else "1")
    match = match_party(uscc=wrong)
    assert (match.enterprise, match.status) == (None, MatchStatus.UNMATCHED)


def test_legacy_codes_match_an_old_enterprise():
    world = build_credit_registry()
    assert match_party(codes={"regno": OLD_REGNO}).enterprise == world.old
    assert match_party(codes={"orgcode": f"{OLD_ORGCODE[:8]}-{OLD_ORGCODE[8]}"}).status == MatchStatus.IDENTIFIER


def test_the_org_code_inside_a_uscc_finds_an_enterprise_known_by_its_old_code():
    world = build_credit_registry()
    match = match_party(uscc=OLD_USCC, name="十堰市茅箭区老字号五金厂（新名称）")
    assert (match.enterprise, match.status) == (world.old, MatchStatus.IDENTIFIER)


def test_the_exact_name_is_only_a_candidate_for_review():
    world = build_credit_registry()
    match = match_party(name=" 十堰东风车桥配件有限公司 ")
    assert (match.enterprise, match.status, match.candidate) == (None, MatchStatus.CANDIDATE, world.zhangwan)
    assert match_party(name="十堰东风车桥配件").status == MatchStatus.UNMATCHED  # exact names only


def test_full_width_brackets_are_the_same_name():
    build_credit_registry()
    with as_system():
        bracketed = registry_services.create_enterprise(actor=SYSTEM, uscc=make_uscc("91420302MA4A1B2G7"), name="十堰精工（茅箭）五金有限公司",
                                                        region=region("420302"))
    assert match_party(name="十堰精工(茅箭)五金有限公司").candidate == bracketed


def test_natural_persons_are_never_matched_by_name():
    build_credit_registry()
    match = match_party(name="十堰东风车桥配件有限公司", party_kind=PartyKind.NATURAL_PERSON)
    assert match.status == MatchStatus.UNMATCHED and match.candidate is None


def test_a_name_held_by_two_enterprises_gives_no_candidate():
    world = build_credit_registry()
    with as_system():
        registry_services.create_enterprise(actor=SYSTEM, uscc=make_uscc("91420303MA4A1B2H8"), name=world.zhangwan.name, region=region("420303"))
    assert match_party(name=world.zhangwan.name).status == MatchStatus.UNMATCHED


def test_match_many_keeps_the_order_and_needs_few_queries():
    world = build_credit_registry()
    rows = [
        {"uscc": world.maojian.uscc, "name": "x"},
        {"codes": {"regno": OLD_REGNO}, "name": ""},
        {"name": world.zhangwan.name},
        {"name": world.zhangwan.name, "party_kind": PartyKind.NATURAL_PERSON},
        {"uscc": "", "name": "不存在的公司"},
    ]
    many = rows * 300
    with CaptureQueriesContext(connection) as queries:
        results = match_many(many)
    assert len(queries) <= 8, len(queries)
    expected = [(world.maojian, MatchStatus.USCC, None), (world.old, MatchStatus.IDENTIFIER, None),
                (None, MatchStatus.CANDIDATE, world.zhangwan), (None, MatchStatus.UNMATCHED, None), (None, MatchStatus.UNMATCHED, None)]
    assert [(m.enterprise, m.status, m.candidate) for m in results] == expected * 300

"""Identifiers of entities: normalisation, validation per scheme, the legacy org code."""

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.test.utils import isolate_apps

from zhiliang.core.choices import IdentifierScheme as S
from zhiliang.core.identity import (
    Identifier,
    IdentifierBase,
    format_orgcode,
    identifiers_for_uscc,
    orgcode_check_char,
    orgcode_from_uscc,
)
from zhiliang.core.permissions import Scope
from zhiliang.core.uscc import make_uscc

VALID = "91350100M000100Y43"


def test_orgcode_check_character_gb11714():
    assert orgcode_check_char("D2143569") == "X"  # the standard's textbook example D2143569-X
    assert orgcode_check_char("M000100Y") == "4"  # inside the USCC worked example
    assert orgcode_check_char("72203456") == "0"  # 11 − 0 → '0'
    with pytest.raises(ValueError, match="8位数字或大写字母"):
        orgcode_check_char("D21435")


def test_orgcode_accepts_hyphen_or_not_and_displays_hyphenated():
    a = Identifier.parse(S.ORGCODE, "d2143569-x")
    b = Identifier.parse(S.ORGCODE, "D2143569X")
    assert a == b and a.value == "D2143569X"
    assert a.display() == "D2143569-X" == format_orgcode(a.value)
    assert str(a) == "组织机构代码 D2143569-X"


def test_orgcode_with_a_wrong_check_character_is_refused_in_chinese():
    with pytest.raises(ValidationError) as exc:
        Identifier.parse(S.ORGCODE, "D2143569-1")
    assert exc.value.messages == ["组织机构代码校验码错误：第9位为 '1'，按前8位应为 X"]
    # …but an old record with that typo can still be held and matched
    old = Identifier(S.ORGCODE, "D2143569-1")
    assert old.value == "D2143569" + "1" and not old.is_valid


def test_orgcode_from_uscc_matches_legacy_records():
    org = orgcode_from_uscc(VALID.lower())
    assert org == Identifier(S.ORGCODE, "M000100Y-4")
    assert org.is_valid
    assert identifiers_for_uscc(VALID) == [Identifier(S.USCC, VALID), org]


def test_orgcode_from_uscc_skips_an_invalid_embedded_orgcode():
    # individual businesses' codes carry no valid org code in chars 9–17
    uscc = make_uscc("92420302MA4ABCDE1")
    assert not orgcode_from_uscc(uscc).is_valid
    assert identifiers_for_uscc(uscc) == [Identifier(S.USCC, uscc)]


def test_orgcode_from_an_invalid_uscc_says_why():
    with pytest.raises(ValidationError, match="统一社会信用代码无效：第18位“Z”不是合法字符"):
        orgcode_from_uscc("91350100M000100Y4Z")


@pytest.mark.parametrize(
    "scheme, raw, value",
    [
        (S.USCC, " 91350100m000100y43 ", VALID),
        (S.REGNO, "420300 000 012345", "420300000012345"),
        (S.TAXNO, "42030072203456-0", "420300722034560"),
        (S.TAXNO, VALID, VALID),
        (S.TAXNO, "42030019800101123400", "42030019800101123400"),
        (S.SC, "sc 10642030300012", "SC10642030300012"),
        (S.FOREIGN, "  cusa  1234 5678 ", "CUSA 1234 5678"),
        (S.OTHER, "  沪食药监械 2015 ", "沪食药监械 2015"),
    ],
)
def test_parse_normalises_each_scheme(scheme, raw, value):
    assert Identifier.parse(scheme, raw).value == value


@pytest.mark.parametrize(
    "scheme, raw, message",
    [
        (S.USCC, "91350100M000100Y4Z", "第18位“Z”不是合法字符；按前17位，校验码应为 3"),
        (S.REGNO, "42030000001234", "工商注册号应为15位数字，收到“42030000001234”（14 位）"),
        (S.REGNO, "42030000001234A", "工商注册号应为15位数字"),
        (S.ORGCODE, "D214356", "组织机构代码应为9位（格式 XXXXXXXX-X）"),
        (S.TAXNO, "4203007220345", "税务登记号应为15、18或20位数字或字母"),
        (S.SC, "SC1064203030001", "食品生产许可证编号应为“SC”加14位数字"),
        (S.FOREIGN, "   ", "境外注册号为空"),
        (S.OTHER, "x" * 65, "其他过长"),
    ],
)
def test_parse_refuses_malformed_values_in_chinese(scheme, raw, message):
    with pytest.raises(ValidationError) as exc:
        Identifier.parse(scheme, raw)
    assert message in exc.value.messages[0]


def test_unknown_scheme():
    with pytest.raises(ValidationError, match="未知的标识类型“passport”"):
        Identifier("passport", "E1234")


def test_identifiers_are_values_equal_across_spellings():
    assert {Identifier(S.USCC, VALID), Identifier(S.USCC, VALID.lower()), Identifier("uscc", f" {VALID}")} == {
        Identifier(S.USCC, VALID)
    }


@isolate_apps("zhiliang.core")
def test_identifier_base_model_normalises_and_validates_on_clean():
    # an isolated registry: the audited base's created_in points at core.ChangeSet
    class ChangeSet(models.Model):
        class Meta:
            app_label = "core"

    class Owner(models.Model):
        class Meta:
            app_label = "core"

    class OwnerIdentifier(IdentifierBase):
        owner = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="identifiers")
        scope = Scope(reference=True)

        class Meta(IdentifierBase.Meta):
            app_label = "core"
            constraints = IdentifierBase.constraints_for("owner", "owner_identifier")

    (constraint,) = OwnerIdentifier._meta.constraints
    assert constraint.fields == ("owner", "scheme", "value")
    row = OwnerIdentifier(scheme=S.ORGCODE, value="d2143569-x")
    row.clean()
    assert row.value == "D2143569X"
    assert row.identifier == Identifier(S.ORGCODE, "D2143569X")
    bad = OwnerIdentifier(scheme=S.REGNO, value="12")
    with pytest.raises(ValidationError) as exc:
        bad.clean()
    assert exc.value.message_dict == {"value": ["工商注册号应为15位数字，收到“12”（2 位）"]}

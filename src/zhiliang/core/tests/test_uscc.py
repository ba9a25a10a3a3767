"""统一社会信用代码 (GB 32100-2015): validation, construction, the check-uscc command."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from zhiliang.core.uscc import ALPHABET, check_char, division_code, make_uscc, organisation_code, validate_uscc

VALID = "91350100M000100Y43"

# first 17 characters of Shiyan-registered codes (registering authority 420300 十堰市 or a district)
SHIYAN_FIRST17 = [
    "91420300MA4912345",  # 企业，十堰市市场监管局登记
    "91420300722034567",  # 旧组织机构代码转换而来
    "92420302MA4ABCDE1",  # 个体工商户，茅箭区
    "91420381MA49XYWR2",  # 丹江口市
    "12420300012345678",  # 事业单位
]


def test_worked_example_is_valid():
    result = validate_uscc(VALID)
    assert result.valid
    assert result.errors == []
    assert result.expected_check == "3"
    assert result.code == VALID


def test_worked_example_with_z_reports_the_bad_character_and_the_expected_check():
    result = validate_uscc("91350100M000100Y4Z")
    assert not result.valid
    assert result.message == "第18位“Z”不是合法字符；按前17位，校验码应为 3"
    assert result.expected_check == "3"


def test_a_legal_but_wrong_check_character_names_both():
    result = validate_uscc("91350100M000100Y44")
    assert result.errors == ["校验码错误：第18位为“4”，按前17位，校验码应为 3"]


def test_every_failure_is_reported_in_order_length_alphabet_check():
    result = validate_uscc("9135O100I000100Y4")  # 17 chars, O and I are outside the alphabet
    assert result.errors == ["长度应为18位，实为 17 位", "第5位“O”不是合法字符", "第9位“I”不是合法字符"]
    assert result.expected_check is None  # the first 17 are not all legal: no check can be computed


def test_a_missing_check_character_is_computed_for_the_user():
    result = validate_uscc(VALID[:17])
    assert result.errors == ["长度应为18位，实为 17 位", "缺少校验码：按前17位，校验码应为 3"]


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_empty_input(raw):
    assert validate_uscc(raw).errors == ["统一社会信用代码为空"]


def test_lowercase_full_width_and_spaces_are_accepted_and_noted():
    result = validate_uscc(" 9135 0100m000100y43\n")
    assert result.valid and result.code == VALID
    assert "已将小写字母转为大写" in result.notes
    assert "已去除空白字符" in result.notes
    full_width = validate_uscc("９１３５０１００Ｍ０００１００Ｙ４３")
    assert full_width.valid and full_width.code == VALID
    assert "已将全角字符转为半角" in full_width.notes


def test_excluded_letters_are_rejected_even_in_lowercase():
    for letter in "IOSVZ":
        code = VALID[:8] + letter + VALID[9:]
        result = validate_uscc(code.lower())
        assert f"第9位“{letter}”不是合法字符" in result.errors


def test_every_single_substitution_of_the_worked_example_is_detected():
    """GB 32100's mod-31 check with weights coprime to 31 catches every single substitution."""
    for position in range(18):
        for ch in ALPHABET + "IOSVZ":
            if ch == VALID[position]:
                continue
            corrupted = VALID[:position] + ch + VALID[position + 1 :]
            assert not validate_uscc(corrupted).valid, corrupted


@pytest.mark.parametrize("first17", SHIYAN_FIRST17)
def test_make_uscc_builds_valid_shiyan_codes(first17):
    code = make_uscc(first17)
    assert len(code) == 18 and code.startswith(first17)
    assert validate_uscc(code).valid
    assert check_char(first17) == code[-1]
    assert division_code(code) == first17[2:8]
    assert organisation_code(code) == first17[8:17]


def test_division_code_is_the_registering_authority():
    # a 张湾区 enterprise registered by the city bureau carries the city's code
    assert division_code(make_uscc("91420300MA4912345")) == "420300"


def test_check_char_refuses_bad_input_in_chinese():
    with pytest.raises(ValueError, match="第5位“O”不是合法字符"):
        check_char("9135O100M000100Y4")
    with pytest.raises(ValueError, match="须为前17位"):
        check_char("913501")


first17s = st.text(alphabet=ALPHABET, min_size=17, max_size=17)


@given(first17s)
def test_make_uscc_output_is_always_valid(first17):
    assert validate_uscc(make_uscc(first17)).valid


@given(first17s, st.integers(min_value=0, max_value=17), st.sampled_from(ALPHABET + "IOSVZ"))
def test_any_single_character_substitution_is_invalid(first17, position, ch):
    code = make_uscc(first17)
    if code[position] == ch:
        return
    corrupted = code[:position] + ch + code[position + 1 :]
    assert not validate_uscc(corrupted).valid


@given(st.one_of(st.text(), st.text(alphabet=ALPHABET + "iosvz ０１Ａ\t", max_size=25)))
def test_validate_never_raises_and_always_explains(text):
    result = validate_uscc(text)
    assert result.valid == (not result.errors)


# --- the command ------------------------------------------------------------------------------


def run_check(*codes):
    out = io.StringIO()
    call_command("check-uscc", *codes, stdout=out)
    return out.getvalue()


def test_check_uscc_command_all_valid_without_a_database():
    # no db fixture: the command must not touch the database
    assert run_check(VALID, make_uscc("91420300MA4912345")) == f"{VALID} 有效\n{make_uscc('91420300MA4912345')} 有效\n"


def test_check_uscc_command_reports_invalid_codes_and_fails():
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("check-uscc", VALID, "91350100M000100Y4Z", "123", stdout=out)
    assert exc.value.returncode == 1
    assert out.getvalue().splitlines() == [
        f"{VALID} 有效",
        "91350100M000100Y4Z 无效: 第18位“Z”不是合法字符；按前17位，校验码应为 3",
        "123 无效: 长度应为18位，实为 3 位",
    ]


def test_check_uscc_console_script_exit_codes(tmp_path):
    zhiliang = Path(sys.executable).parent / "zhiliang"
    env = {**os.environ, "ZHILIANG_DATA_DIR": str(tmp_path)}
    bad = subprocess.run([str(zhiliang), "check-uscc", VALID, "91350100M000100Y4Z"], capture_output=True, text=True, env=env)
    assert bad.returncode == 1
    assert bad.stdout == f"{VALID} 有效\n91350100M000100Y4Z 无效: 第18位“Z”不是合法字符；按前17位，校验码应为 3\n"
    assert "1 个代码无效" in bad.stderr
    good = subprocess.run([str(zhiliang), "check-uscc", VALID.lower()], capture_output=True, text=True, env=env)
    assert good.returncode == 0
    assert good.stdout == f"{VALID} 有效\n"
    assert not list(tmp_path.glob("*.sqlite3*")), "check-uscc must not create or migrate a database"

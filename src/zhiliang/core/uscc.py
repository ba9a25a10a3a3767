"""统一社会信用代码 (USCC) — GB 32100-2015 (RULES.md "Identity", CORE.md "Identity").

An 18-character code: 1 登记管理部门代码, 2 机构类别代码, 3–8 登记管理机关行政区划码,
9–17 主体标识码 (the old 组织机构代码), 18 校验码.

:func:`validate_uscc` checks length, alphabet and check character — in that
order — and reports every failure it can, in Chinese::

    >>> validate_uscc("91350100M000100Y4Z").errors
    ["第18位“Z”不是合法字符", '按前17位，校验码应为 3']

It deliberately does **not** check characters 3–8 against today's division
codes (codes get abolished; old codes stay valid) nor the GB 11714 check
character inside 9–17 (see :mod:`zhiliang.core.identity` for that).

Input normalisation: full-width characters are folded (NFKC), all whitespace
is removed and letters are upper-cased, so ``" 91350100m000100y43 "`` is
accepted as ``91350100M000100Y43``; :attr:`USCCResult.notes` says so.

This module has no Django dependency: ``zhiliang check-uscc`` runs without a
database.
"""

from __future__ import annotations

import operator
import unicodedata
from dataclasses import dataclass, field

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


@dataclass
class USCCResult:
    """The outcome of :func:`validate_uscc`."""

    #: the normalised code (whitespace removed, upper-cased)
    code: str
    valid: bool
    #: every failure found, in Chinese, in the order length → alphabet → check character
    errors: list[str] = field(default_factory=list)
    #: the check character the first 17 characters call for (when they can be computed)
    expected_check: str | None = None
    #: what normalisation changed (e.g. lower case accepted), in Chinese
    notes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.valid

    @property
    def message(self) -> str:
        """The errors joined with '；' (empty when valid)."""
        return "；".join(self.errors)


def normalise(raw: object) -> str:
    """Fold full-width forms, drop all whitespace, upper-case."""
    text = "" if raw is None else str(raw)
    text = unicodedata.normalize("NFKC", text)
    return "".join(text.split()).upper()


def _weighted_check(first17: str) -> str:
    if len(first17) != len(WEIGHTS):
        raise ValueError(f"需要 {len(WEIGHTS)} 位，收到 {len(first17)} 位")
    total = sum(map(operator.mul, map(_VALUE.__getitem__, first17), WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def check_char(first17: str) -> str:
    """The check character (18th) for the first 17 characters.

    Raises :class:`ValueError` (Chinese message) when ``first17`` is not 17
    characters of the USCC alphabet."""
    code = normalise(first17)
    if len(code) != 17:
        raise ValueError(f"须为前17位，实为 {len(code)} 位")
    bad = [f"第{i}位“{c}”不是合法字符" for i, c in enumerate(code, 1) if c not in _VALUE]
    if bad:
        raise ValueError("；".join(bad))
    return _weighted_check(code)


def make_uscc(first17: str) -> str:
    """A complete, valid USCC from its first 17 characters (demo data, tests)."""
    code = normalise(first17)
    return code + check_char(code)


def division_code(uscc: str) -> str:
    """Characters 3–8: the *registering authority's* division code (GB/T 2260).

    Often the city's (420300 十堰市), not the enterprise's county, and possibly
    an abolished code — never use it as the enterprise's region without a
    person confirming it (CORE.md "Identity")."""
    code = normalise(uscc)
    if len(code) < 8:
        raise ValueError(f"统一社会信用代码过短（{len(code)} 位），取不到第3–8位")
    return code[2:8]


def organisation_code(uscc: str) -> str:
    """Characters 9–17: the 主体标识码, i.e. the legacy 组织机构代码 (without hyphen)."""
    code = normalise(uscc)
    if len(code) < 17:
        raise ValueError(f"统一社会信用代码过短（{len(code)} 位），取不到第9–17位")
    return code[8:17]


def validate_uscc(raw: object) -> USCCResult:
    """Check length, alphabet and check character, reporting every failure.

    Never raises, whatever ``raw`` is."""
    code = normalise(raw)
    notes = []
    original = "" if raw is None else str(raw)
    folded = unicodedata.normalize("NFKC", original)
    if folded != original:
        notes.append("已将全角字符转为半角")
    if "".join(folded.split()) != folded:
        notes.append("已去除空白字符")
    if any(ch.islower() for ch in folded):
        notes.append("已将小写字母转为大写")
    if not code:
        return USCCResult(code=code, valid=False, errors=["统一社会信用代码为空"], notes=notes)

    errors: list[str] = []
    # 1. length
    if len(code) != LENGTH:
        errors.append(f"长度应为18位，实为 {len(code)} 位")
    # 2. alphabet (every position)
    for i, c in enumerate(code, 1):
        if c not in _VALUE:
            shown = c if c.isprintable() else f"U+{ord(c):04X}"
            errors.append(f"第{i}位“{shown}”不是合法字符")
    # 3. check character — computable when the first 17 are known and legal
    expected = None
    if len(code) in (17, LENGTH) and all(c in _VALUE for c in code[:17]):
        expected = _weighted_check(code[:17])
        if len(code) == 17:
            errors.append(f"缺少校验码：按前17位，校验码应为 {expected}")
        elif code[17] not in _VALUE:
            errors.append(f"按前17位，校验码应为 {expected}")
        elif code[17] != expected:
            errors.append(f"校验码错误：第18位为“{code[17]}”，按前17位，校验码应为 {expected}")
    return USCCResult(code=code, valid=not errors, errors=errors, expected_check=expected, notes=notes)


def is_valid_uscc(raw: object) -> bool:
    return validate_uscc(raw).valid

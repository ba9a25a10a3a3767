"""Identifiers of entities (CORE.md "Identity of entities", RULES.md "Identity").

Not every party has a 统一社会信用代码: old records carry a 工商注册号, a
组织机构代码 or a 税务登记号; imported food names an overseas registration;
food producers have an SC licence number.  Every importer matches entities
through :class:`Identifier` values ``(scheme, value)``:

* ``Identifier(scheme, value)`` normalises the value (full-width folded,
  whitespace and hyphens removed where the scheme has none, upper-cased) but
  does not validate it — old records must still match even when a digit was
  mistyped long ago;
* ``Identifier.parse(scheme, raw)`` normalises **and validates**, raising a
  :class:`~django.core.exceptions.ValidationError` in Chinese;
* :func:`orgcode_from_uscc` derives the legacy 组织机构代码 (characters 9–17
  of a USCC), so a USCC record matches an old record keyed by its org code.

:class:`IdentifierBase` is the abstract model that apps (enterprises, …)
subclass with their owner foreign key::

    class EnterpriseIdentifier(IdentifierBase):
        enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="identifiers")
        scope = Scope(reference=True)

        class Meta(IdentifierBase.Meta):
            constraints = IdentifierBase.constraints_for("enterprise", "enterprise_identifier")
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models

from .choices import IdentifierScheme
from .models.base import DomainModel
from .uscc import validate_uscc

# --- 组织机构代码 GB 11714-1997 -------------------------------------------------------------

ORGCODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_BODY = re.compile(r"^[0-9A-Z]{8}$")


def _org_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10


def orgcode_check_char(body8: str) -> str:
    """The 9th character of a 组织机构代码 for its 8-character body (GB 11714):
    C9 = 11 − (Σ Ci·Wi mod 11); 10 → 'X', 11 → '0'."""
    body = _normalise(body8, drop="-")
    if not _ORG_BODY.match(body):
        raise ValueError(f"组织机构代码本体须为8位数字或大写字母，收到“{body8}”")
    c9 = 11 - sum(_org_value(c) * w for c, w in zip(body, ORGCODE_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(c9, str(c9))


def format_orgcode(value: str) -> str:
    """``XXXXXXXX-X``, the way certificates print it."""
    return f"{value[:8]}-{value[8:]}" if len(value) == 9 else value


# --- normalisation and validation per scheme ------------------------------------------------


def _normalise(raw: object, *, drop: str = "", upper: bool = True) -> str:
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw))
    text = "".join(text.split())
    for ch in drop:
        text = text.replace(ch, "")
    return text.upper() if upper else text


def normalise_value(scheme: str, raw: object) -> str:
    """The canonical form of ``raw`` for ``scheme`` (no validation)."""
    if scheme == IdentifierScheme.OTHER:
        text = unicodedata.normalize("NFKC", "" if raw is None else str(raw))
        return " ".join(text.split())
    if scheme == IdentifierScheme.FOREIGN:
        text = unicodedata.normalize("NFKC", "" if raw is None else str(raw))
        return " ".join(text.split()).upper()
    if scheme in (IdentifierScheme.ORGCODE, IdentifierScheme.TAXNO, IdentifierScheme.REGNO, IdentifierScheme.SC):
        return _normalise(raw, drop="-—－")
    return _normalise(raw)


def _validate(scheme: str, value: str) -> list[str]:
    label = IdentifierScheme(scheme).label
    if not value:
        return [f"{label}为空"]
    if scheme == IdentifierScheme.USCC:
        return validate_uscc(value).errors
    if scheme == IdentifierScheme.REGNO:
        if not re.fullmatch(r"\d{15}", value):
            return [f"{label}应为15位数字，收到“{value}”（{len(value)} 位）"]
        return []
    if scheme == IdentifierScheme.ORGCODE:
        if len(value) != 9:
            return [f"{label}应为9位（格式 XXXXXXXX-X），收到“{value}”（{len(value)} 位）"]
        if not _ORG_BODY.match(value[:8]):
            return [f"{label}前8位须为数字或大写字母，收到“{value[:8]}”"]
        expected = orgcode_check_char(value[:8])
        if value[8] != expected:
            return [f"{label}校验码错误：第9位为 '{value[8]}'，按前8位应为 {expected}"]
        return []
    if scheme == IdentifierScheme.TAXNO:
        if len(value) not in (15, 18, 20) or not re.fullmatch(r"[0-9A-Z]+", value):
            return [f"{label}应为15、18或20位数字或字母，收到“{value}”（{len(value)} 位）"]
        return []
    if scheme == IdentifierScheme.SC:
        if not re.fullmatch(r"SC\d{14}", value):
            return [f"{label}应为“SC”加14位数字，收到“{value}”"]
        return []
    if len(value) > 64:
        return [f"{label}过长（{len(value)} 个字符，最多64个）"]
    return []


@dataclass(frozen=True)
class Identifier:
    """An identifier of an entity: ``(scheme, value)``, value in canonical form."""

    scheme: str
    value: str

    def __post_init__(self):
        if self.scheme not in IdentifierScheme.values:
            raise ValidationError(f"未知的标识类型“{self.scheme}”")
        object.__setattr__(self, "scheme", str(IdentifierScheme(self.scheme).value))
        object.__setattr__(self, "value", normalise_value(self.scheme, self.value))

    @classmethod
    def parse(cls, scheme: str, raw: object) -> Identifier:
        """Normalise and validate; a :class:`ValidationError` in Chinese says what is wrong."""
        ident = cls(scheme, "" if raw is None else str(raw))
        errors = _validate(ident.scheme, ident.value)
        if errors:
            raise ValidationError("；".join(errors), code="invalid_identifier")
        return ident

    @property
    def errors(self) -> list[str]:
        """What is wrong with this value (empty when it is well-formed)."""
        return _validate(self.scheme, self.value)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def label(self) -> str:
        return str(IdentifierScheme(self.scheme).label)

    def display(self) -> str:
        return format_orgcode(self.value) if self.scheme == IdentifierScheme.ORGCODE else self.value

    def __str__(self) -> str:
        return f"{self.label} {self.display()}"


def orgcode_from_uscc(uscc: str) -> Identifier:
    """The legacy 组织机构代码 inside a USCC (characters 9–17).

    The USCC must be well-formed; the org code's own GB 11714 check is not
    required to hold (codes issued to individual businesses and some bodies
    carry no valid org code there), see :attr:`Identifier.is_valid`."""
    result = validate_uscc(uscc)
    if not result.valid:
        raise ValidationError(f"统一社会信用代码无效：{result.message}")
    return Identifier(IdentifierScheme.ORGCODE, result.code[8:17])


def identifiers_for_uscc(uscc: str) -> list[Identifier]:
    """The identifiers by which a record with this USCC may be matched: the
    USCC itself and, when its characters 9–17 form a valid 组织机构代码, that."""
    ident = Identifier.parse(IdentifierScheme.USCC, uscc)
    org = orgcode_from_uscc(ident.value)
    return [ident, org] if org.is_valid else [ident]


# --- the abstract model ------------------------------------------------------------------------


class IdentifierBase(DomainModel):
    """标识 — one identifier of an owner (enterprise, person, …).

    Subclasses declare the owner foreign key, a ``scope`` and, in their Meta,
    ``constraints = IdentifierBase.constraints_for("<owner field>", "<prefix>")``
    (unique per owner, scheme and value).  Values are stored in canonical form:
    create rows from :meth:`Identifier.parse` (through a service) or call
    ``full_clean()``, which normalises and validates."""

    scheme = models.CharField("标识类型", max_length=16, choices=IdentifierScheme.choices)
    value = models.CharField("标识值", max_length=64, db_index=True)
    source = models.CharField("来源", max_length=200, blank=True, help_text="该标识出自哪份数据或文书")

    class Meta:
        abstract = True
        ordering = ["scheme", "value"]

    @staticmethod
    def constraints_for(owner_field: str, prefix: str) -> list[models.BaseConstraint]:
        return [models.UniqueConstraint(fields=[owner_field, "scheme", "value"], name=f"{prefix}_unique_per_owner")]

    @property
    def identifier(self) -> Identifier:
        return Identifier(self.scheme, self.value)

    def clean(self) -> None:
        super().clean()
        if self.scheme not in IdentifierScheme.values:
            raise ValidationError({"scheme": f"未知的标识类型“{self.scheme}”"})
        self.value = normalise_value(self.scheme, self.value)
        errors = _validate(self.scheme, self.value)
        if errors:
            raise ValidationError({"value": "；".join(errors)})

    def __str__(self) -> str:
        return str(self.identifier)


# --- personal identity numbers (GB 11643) -----------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_char(first17: str) -> str:
    """The check character of an 18-digit resident identity number (GB 11643)."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def looks_like_person_id(value: str, *, check: bool = True) -> bool:
    """An 18-character resident identity number (valid birth date and, unless ``check`` is
    false, check character) or an old 15-digit one with a valid birth date."""
    code = value.upper()
    if re.fullmatch(r"\d{17}[\dX]", code):
        birth = code[6:14]
        if check and code[17] != id_check_char(code[:17]):
            return False
    elif re.fullmatch(r"\d{15}", code):
        birth = "19" + code[6:12]
    else:
        return False
    try:
        born = datetime.date(int(birth[:4]), int(birth[4:6]), int(birth[6:8]))
    except ValueError:
        return False
    return datetime.date(1900, 1, 1) <= born <= datetime.date.today()


#: 证件类型 values naming the resident identity card (GB 11643), or none given
RESIDENT_ID_TYPES = frozenset({"", "身份证", "居民身份证", "身份证号", "身份证号码", "居民身份证号码", "二代身份证"})


def person_id_problem(id_type: str, number: str) -> str | None:
    """Why ``number`` cannot be a resident identity number when its type is the identity card
    (or not given and it has the card's shape): a wrong check character or birth date, or,
    for the card named, a wrong length. Other documents (passports, permits) are not checked.
    The message names the number by its last 4 characters only."""
    if not number or re.sub(r"\s+", "", id_type) not in RESIDENT_ID_TYPES:
        return None
    tail = f"（尾号 {number[-4:]}）"
    if re.fullmatch(r"\d{17}[\dX]", number):
        if not looks_like_person_id(number, check=False):
            return f"身份证号码{tail}中的出生日期 {number[6:10]}-{number[10:12]}-{number[12:14]} 不是有效日期"
        expected = id_check_char(number[:17])
        if number[17] != expected:
            return f"身份证号码{tail}校验位不符：按前 17 位，第 18 位应为 {expected}，请核对是否录错"
        return None
    if re.fullmatch(r"\d{15}", number):
        return None if looks_like_person_id(number) else f"15 位身份证号码{tail}中的出生日期不是有效日期"
    if id_type.strip():
        return f"身份证号码{tail}应为 18 位（或旧版 15 位），现为 {len(number)} 位"
    return None

"""Entity matching: which registry enterprise a credit fact's party is (issue 5).

In this order, the first that decides wins:

1. the 统一社会信用代码 — validated with :mod:`zhiliang.core.uscc` (an invalid code matches
   nothing) and looked up in ``Enterprise.uscc``;
2. legacy identifiers (``EnterpriseIdentifier``: 工商注册号 REGNO, 组织机构代码 ORGCODE, 税务登记号
   TAXNO) given in ``codes``, and the 组织机构代码 inside a valid USCC (characters 9–17), so a
   USCC record finds an old enterprise known only by its org code;
3. the exact normalised name (NFKC — full-width brackets folded —, no whitespace): a
   *candidate* for staff review (``MatchStatus.CANDIDATE``), never merged automatically.

An identifier held by two enterprises decides nothing (the next step is tried); so does a name
held by two.  Natural persons are never matched by name (namesakes are common).  Nothing
unmatched is dropped: the caller keeps the fact with ``MatchStatus.UNMATCHED``.

:func:`match_many` does the same for many rows set-wise — three queries per 500 rows — for
the importers; :func:`match_party` is one row.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from zhiliang.core.choices import IdentifierScheme
from zhiliang.core.identity import Identifier
from zhiliang.core.uscc import validate_uscc
from zhiliang.enterprises.models import Enterprise, EnterpriseIdentifier

from .choices import MatchStatus, PartyKind

LEGACY_SCHEMES = (IdentifierScheme.REGNO, IdentifierScheme.ORGCODE, IdentifierScheme.TAXNO)
CHUNK = 500


@dataclass(frozen=True)
class Match:
    """The outcome for one party: ``enterprise`` when matched by code (status ``uscc`` or
    ``identifier``), ``candidate`` when only the name matched (status ``candidate``)."""

    enterprise: Enterprise | None
    status: str
    candidate: Enterprise | None = None


UNMATCHED = Match(None, MatchStatus.UNMATCHED)


def normalise_name(name: str | None) -> str:
    """A name as compared: NFKC (full-width letters and brackets folded), no whitespace."""
    return "".join(unicodedata.normalize("NFKC", name or "").split())


def valid_uscc(raw: str | None) -> str:
    """The normalised USCC when it is valid, else ``""``."""
    if not raw:
        return ""
    result = validate_uscc(raw)
    return result.code if result.valid else ""


def _legacy(uscc: str, codes: Mapping[str, Any] | None) -> list[Identifier]:
    idents = []
    for scheme, value in (codes or {}).items():
        if scheme in LEGACY_SCHEMES and value and str(value).strip():
            ident = Identifier(scheme, str(value))
            if ident.value:
                idents.append(ident)
    if uscc:
        idents.append(Identifier(IdentifierScheme.ORGCODE, uscc[8:17]))
    return idents


def _row(row: Any) -> tuple[str, dict, str, str]:
    get = row.get if isinstance(row, Mapping) else (lambda k, d=None: getattr(row, k, d))
    return (get("uscc", "") or "", get("codes", None) or {}, get("name", "") or "", get("party_kind", "") or "")


def _chunks(values: list, size: int = CHUNK):
    for i in range(0, len(values), size):
        yield values[i:i + size]


def match_many(rows: Iterable[Any]) -> list[Match]:
    """Match every row (mappings or objects with ``uscc``, ``codes``, ``name`` and optionally
    ``party_kind``); the result is in the rows' order."""
    parsed = []
    for row in rows:
        raw_uscc, codes, name, party_kind = _row(row)
        uscc = valid_uscc(raw_uscc)
        parsed.append((uscc, _legacy(uscc, codes), normalise_name(name), party_kind))

    by_uscc: dict[str, Enterprise] = {}
    usccs = sorted({p[0] for p in parsed if p[0]})
    for chunk in _chunks(usccs):
        for enterprise in Enterprise.objects.select_related("region").filter(uscc__in=chunk):
            by_uscc[enterprise.uscc] = enterprise

    by_ident: dict[tuple[str, str], set[int]] = defaultdict(set)
    wanted = sorted({(i.scheme, i.value) for p in parsed if p[0] not in by_uscc for i in p[1]})
    values = sorted({v for _, v in wanted})
    for chunk in _chunks(values):
        for scheme, value, enterprise_id in EnterpriseIdentifier.objects.filter(value__in=chunk, scheme__in=LEGACY_SCHEMES).values_list(
            "scheme", "value", "enterprise_id"
        ):
            by_ident[(scheme, value)].add(enterprise_id)

    by_name: dict[str, set[int]] = defaultdict(set)
    names = sorted({p[2] for p in parsed if p[2] and p[3] != PartyKind.NATURAL_PERSON})
    # the stored name may carry full-width brackets or stray spaces: ask for both spellings
    spellings = sorted(set(names) | {n.replace("(", "（").replace(")", "）") for n in names})
    for chunk in _chunks(spellings):
        for enterprise_id, stored in Enterprise.objects.filter(name__in=chunk).values_list("pk", "name"):
            by_name[normalise_name(stored)].add(enterprise_id)

    needed = {next(iter(ids)) for ids in list(by_ident.values()) + list(by_name.values()) if len(ids) == 1}
    enterprises = {e.pk: e for e in by_uscc.values()}
    missing = sorted(needed - set(enterprises))
    for chunk in _chunks(missing):
        enterprises.update({e.pk: e for e in Enterprise.objects.select_related("region").filter(pk__in=chunk)})

    results = []
    for uscc, idents, name, party_kind in parsed:
        if uscc in by_uscc:
            results.append(Match(by_uscc[uscc], MatchStatus.USCC))
            continue
        found = {eid for i in idents for eid in by_ident.get((i.scheme, i.value), ())}
        if len(found) == 1:
            results.append(Match(enterprises[found.pop()], MatchStatus.IDENTIFIER))
            continue
        if name and party_kind != PartyKind.NATURAL_PERSON and len(by_name.get(name, ())) == 1:
            results.append(Match(None, MatchStatus.CANDIDATE, enterprises[next(iter(by_name[name]))]))
            continue
        results.append(UNMATCHED)
    return results


def match_party(*, uscc: str = "", codes: Mapping[str, Any] | None = None, name: str = "", party_kind: str = "") -> Match:
    """Match one party (see the module docstring)."""
    return match_many([{"uscc": uscc, "codes": codes, "name": name, "party_kind": party_kind}])[0]


def source_key_of(source_department=None, source_name: str = "", source_code: str = "") -> str:
    """The key a source's records are unique under: the department's code, else the
    source unit's USCC, else its name."""
    if source_department is not None:
        return source_department.code
    return (valid_uscc(source_code) or (source_name or "").strip())[:60]

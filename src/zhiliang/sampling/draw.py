"""The verifiable random draw (双随机) — a pure, deterministic engine (``docs/draw.md``).

A draw is a documented function of four published inputs: the frozen **pool** (a canonical
JSON Lines file and its SHA-256), the **seed** (committed by its SHA-256 before the draw and
revealed after it), an optional **public value** announced on the day of the draw (e.g. a
lottery number), and the **quotas** (written into the pool's header, so the pool hash covers
them).  Anyone holding the record and the pool file can re-run it with :func:`verify`, or
re-implement it from ``docs/draw.md``.

Algorithm ``zl-draw-1``:

* ``K   = HMAC-SHA256(key = seed bytes, msg = "zl-draw-1" LF pool_hash LF public_value)``
* ``K_s = HMAC-SHA256(K, stratum)`` for each stratum ``s``
* ``rank(item) = HMAC-SHA256(K_s, item key)``; a stratum is ordered by priority (1 first),
  then rank (bytes ascending), then key — and its allocated number is taken from the top;
* a drawn item with sub-items (an enterprise's products) gets the sub-item with the smallest
  ``HMAC-SHA256(K_s, key LF sub)``;
* allocation over strata: a group's quota is split over its credit classes in proportion to
  ratio × class size by the largest-remainder method (ties: class code), a group without a
  quota takes ceil(ratio × size) per class, or every stratum takes ``per_stratum`` items
  (inspectors, labs); items with a ``capacity`` in the header (labs) are shared by the strata,
  processed in stratum order.

Nothing here touches the database; the services (``services/draws.py``) build the pools
(``pools.py``), store the file and create the tasks.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import hmac
import heapq
import itertools
import json
import math
import operator
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from operator import itemgetter
from typing import Any

ALGORITHM = "zl-draw-1"
POOL_FORMAT = "zl-pool-1"
RECORD_FORMAT = "zl-draw-record-1"

#: the pool file's first line, in this field order
HEADER_FIELDS = ("format", "algorithm", "kind", "plan", "on", "based_on", "ratios", "quotas", "per_stratum", "capacity",
                 "eligible", "excluded")
#: every further line of the pool file, in this field order
ITEM_FIELDS = ("stratum", "key", "priority", "excluded", "sub", "name")
#: one entry of a draw's result, in this field order
RESULT_FIELDS = ("stratum", "order", "key", "priority", "sub")
#: separates the parts of a stratum name (region|category|class, enterprise|category)
STRATUM_SEP = "|"

_SEED_RE = re.compile(r"[0-9a-f]{64}")
_HASH_RE = re.compile(r"[0-9a-f]{64}")
_encode_str = json.encoder.encode_basestring  # exactly what json.dumps(str, ensure_ascii=False) writes
_TRANS_36 = bytes(x ^ 0x36 for x in range(256))
_TRANS_5C = bytes(x ^ 0x5C for x in range(256))


class PoolError(ValueError):
    """The pool file is not a canonical ``zl-pool-1`` file (with the line number, 1-based)."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        super().__init__(f"第 {line} 行：{message}" if line else message)


# --- canonical serialization --------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    """JSON without spaces, UTF-8 characters unescaped; objects keep the order they are built in
    (callers build them in the documented field order, maps with sorted keys)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def item_line(stratum: str, key: str, priority: int = 0, excluded: str = "", sub: Sequence[str] = (), name: str = "") -> str:
    """One pool line (without its newline): ``{"stratum":…,"key":…,"priority":0|1,"excluded":…,"sub":[…],"name":…}``.
    The same bytes as ``canonical_json`` of that object, written without building it."""
    enc = _encode_str
    return (f'{{"stratum":{enc(stratum)},"key":{enc(key)},"priority":{1 if priority else 0},"excluded":{enc(excluded)},'
            f'"sub":[{",".join(map(enc, sub))}],"name":{enc(name)}}}')


def _sorted_map(mapping: Mapping | None, convert) -> dict:
    return {str(k): convert(v) for k, v in sorted((mapping or {}).items(), key=lambda kv: str(kv[0]))}


def ratio_text(value) -> str:
    """A ratio as the decimal text the header holds (``0.1``, ``0.05``): exact, no float."""
    number = Decimal(str(value))
    if not number.is_finite() or number < 0:
        raise ValueError(f"抽查比例无效：{value}")
    return format(number.normalize(), "f")


def pool_header(*, kind: str, plan: str, on: str, based_on: str = "", ratios: Mapping | None = None, quotas: Mapping | None = None,
                per_stratum: int = 0, capacity: Mapping | None = None, eligible: int = 0, excluded: int = 0) -> dict:
    """The header object in :data:`HEADER_FIELDS` order, maps sorted by key."""
    return {
        "format": POOL_FORMAT,
        "algorithm": ALGORITHM,
        "kind": kind,
        "plan": plan,
        "on": on,
        "based_on": based_on,
        "ratios": _sorted_map(ratios, ratio_text),
        "quotas": _sorted_map(quotas, int),
        "per_stratum": int(per_stratum),
        "capacity": _sorted_map(capacity, int),
        "eligible": int(eligible),
        "excluded": int(excluded),
    }


#: a JSON string as the pool file writes it (``json.dumps(value, ensure_ascii=False)``)
json_string = _encode_str


def assemble_pool(header: Mapping, lines: list[bytes], excluded: int) -> tuple[bytes, int, int]:
    """The canonical file from item lines already written as :func:`item_line` writes them
    (UTF-8, no newline): sorted by their bytes, after the header (its counts filled in).
    ``lines`` is sorted in place.  Returns (bytes, eligible count, excluded count)."""
    with _no_gc():
        lines.sort()
    eligible = len(lines) - excluded
    head = pool_header(**{k: header[k] for k in ("kind", "plan", "on", "based_on", "ratios", "quotas", "per_stratum", "capacity")
                          if k in header}, eligible=eligible, excluded=excluded)
    lines.append(b"")
    try:
        return canonical_json(head).encode("utf-8") + b"\n" + b"\n".join(lines), eligible, excluded
    finally:
        lines.pop()


def serialize_pool(header: Mapping, items: Iterable[tuple]) -> tuple[bytes, int, int]:
    """The canonical pool file: the header line, then one line per item
    ``(stratum, key, priority, excluded, sub, name)`` sorted by their UTF-8 bytes, each line
    ending in ``\\n``.  Returns (bytes, eligible count, excluded count); the header's counts are
    filled in."""
    lines: list[bytes] = []
    append = lines.append
    enc = _encode_str
    excluded = 0
    with _no_gc():
        for stratum, key, priority, reason, sub, name in items:
            if reason:
                excluded += 1
            # item_line(), inlined: this loop runs once per enterprise of the pool
            subs = enc(sub[0]) if len(sub) == 1 else ",".join(map(enc, sub))
            append(f'{{"stratum":{enc(stratum)},"key":{enc(key)},"priority":{1 if priority else 0},"excluded":{enc(reason)},'
                   f'"sub":[{subs}],"name":{enc(name)}}}'.encode("utf-8"))
    return assemble_pool(header, lines, excluded)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def compress(data: bytes) -> bytes:
    """gzip with a zero timestamp, so the same pool gives the same file bit for bit."""
    return gzip.compress(data, compresslevel=1, mtime=0)


def decompress(data: bytes) -> bytes:
    """The canonical bytes of a pool file given plain or gzipped."""
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


# --- seed, commitment, keys ---------------------------------------------------------------------


def new_seed() -> str:
    """32 random bytes from the operating system (``secrets``), as 64 lowercase hex digits."""
    return secrets.token_bytes(32).hex()


def commitment(seed: str) -> str:
    """The seed's commitment: SHA-256 of the seed's hex text (ASCII), published before the draw."""
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def _check_seed(seed: str) -> bytes:
    if not isinstance(seed, str) or not _SEED_RE.fullmatch(seed):
        raise ValueError("随机种子应为 64 位小写十六进制数字")
    return bytes.fromhex(seed)


def derive_key(seed: str, pool_hash: str, public_value: str = "") -> bytes:
    """``K = HMAC-SHA256(seed bytes, "zl-draw-1" LF pool_hash LF public_value)``."""
    message = ALGORITHM.encode("ascii") + b"\n" + pool_hash.encode("ascii") + b"\n" + public_value.encode("utf-8")
    return hmac.digest(_check_seed(seed), message, "sha256")


def stratum_key(key: bytes, stratum: str) -> bytes:
    """``K_s = HMAC-SHA256(K, stratum)``."""
    return hmac.digest(key, stratum.encode("utf-8"), "sha256")


def _hmac_states(key: bytes):
    """HMAC-SHA256 with ``key``, its two padded states computed once (RFC 2104): copying them
    per message gives the same bytes as ``hmac.digest`` at less than half the cost."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return hashlib.sha256(key.translate(_TRANS_36)).copy, hashlib.sha256(key.translate(_TRANS_5C)).copy


def rank_digests(stratum_k: bytes, keys: Sequence[bytes]) -> list[bytes]:
    """``HMAC-SHA256(K_s, key)`` of every key (UTF-8 bytes), in order."""
    inner, outer = _hmac_states(stratum_k)
    out: list[bytes] = []
    append = out.append
    for message in keys:
        i = inner()
        i.update(message)
        o = outer()
        o.update(i.digest())
        append(o.digest())
    return out


def rank(seed: str, pool_hash: str, public_value: str, stratum: str, key: str) -> str:
    """One item's rank as hex — for a reader checking a single line by hand."""
    return hmac.digest(stratum_key(derive_key(seed, pool_hash, public_value), stratum), key.encode("utf-8"), "sha256").hex()


# --- parsing a pool -----------------------------------------------------------------------------


@dataclass
class Stratum:
    """The eligible items of one stratum: keys (UTF-8), their priority flags and the raw
    JSON text inside their ``sub`` array (parsed only for the drawn items)."""

    keys: list[bytes] = field(default_factory=list)
    priority: list[int] = field(default_factory=list)
    subs: list[bytes] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.keys)


@dataclass
class Pool:
    header: dict
    strata: dict[str, Stratum]
    eligible: int
    excluded: int
    sha256: str = ""


# What the draw needs of a canonical line — stratum, key, priority, reason and the raw text of
# the sub array — read by one pattern over the whole file; the name is not read, and the sub
# array is parsed with ``json`` for the drawn items only.  ``[^"]*`` captures a JSON string
# exactly when it holds no backslash: :func:`_backslashes_only_in_names` checks that first.
_FAST_LINE = re.compile(rb'\n\{"stratum":"([^"]*)","key":"([^"]*)","priority":([01]),"excluded":"([^"]*)","sub":\[([^\]]*)\],"name":"')


def _backslashes_only_in_names(data: bytes, start: int) -> bool:
    """True if every backslash after ``start`` lies in a line's name (the last member, which
    the draw does not read): then the other members hold no JSON escape."""
    pos = data.find(b"\\", start)
    while pos != -1:
        line = data.rfind(b"\n", 0, pos) + 1
        if data.find(b'"name":"', line, pos) == -1:
            return False
        end = data.find(b"\n", pos)
        pos = data.find(b"\\", end) if end != -1 else -1
    return True


@contextmanager
def _no_gc():
    """Building a million small objects triggers the cyclic collector over and over; none of
    them form cycles, so it is paused while they are built."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse_header(data: bytes) -> tuple[dict, int]:
    end = data.find(b"\n")
    if end < 0:
        raise PoolError("缺少首行（名录说明）", 1)
    try:
        header = json.loads(data[:end])
    except ValueError as exc:
        raise PoolError(f"首行不是 JSON：{exc}", 1) from None
    if not isinstance(header, dict) or tuple(header) != HEADER_FIELDS:
        raise PoolError(f"首行字段应依次为 {', '.join(HEADER_FIELDS)}", 1)
    if header["format"] != POOL_FORMAT:
        raise PoolError(f"名录格式为 {header['format']}，本程序只识别 {POOL_FORMAT}", 1)
    if header["algorithm"] != ALGORITHM:
        raise PoolError(f"抽取算法为 {header['algorithm']}，本程序实现的是 {ALGORITHM}", 1)
    if canonical_json(pool_header(**{k: header[k] for k in HEADER_FIELDS if k not in ("format", "algorithm")})) != data[:end].decode("utf-8"):
        raise PoolError("首行不是规范格式（字段顺序、键的排序、比例写法或空格）", 1)
    return header, end + 1


def parse_pool(data: bytes, *, strict: bool = False) -> Pool:
    """Read a pool file.  ``strict`` checks every line with a JSON parser and that the file is
    canonical (field order, writing, sorted lines, no duplicates) — what :func:`verify` uses on
    a file from anywhere.  Otherwise (the services, on a file whose SHA-256 they have just
    checked against the frozen pool's) a line pattern reads what the draw needs, and a file it
    cannot read entirely goes through the strict reader.  On a canonical file both give the
    same :class:`Pool`."""
    header, start = _parse_header(data)
    if data and not data.endswith(b"\n"):
        raise PoolError("文件应以换行符结束")
    if not strict and _backslashes_only_in_names(data, start):
        with _no_gc():
            rows = _FAST_LINE.findall(data, start - 1)  # each match starts at the newline before its line
            if len(rows) == data.count(b"\n", start):
                return _pool_from_rows(header, rows)
    return _parse_strict(header, data, start)


def _pool_from_rows(header: dict, rows: list[tuple]) -> Pool:
    strata: dict[str, Stratum] = {}
    eligible = excluded = 0
    not_ = operator.not_
    for name, group in itertools.groupby(rows, itemgetter(0)):
        _, keys, flags, reasons, subs = zip(*group)  # columns, built in C
        if any(reasons):
            keep = list(map(not_, reasons))
            excluded += len(keep) - sum(keep)
            keys, flags, subs = (tuple(itertools.compress(column, keep)) for column in (keys, flags, subs))
        eligible += len(keys)
        s = strata.setdefault(name.decode("utf-8"), Stratum())
        s.keys.extend(keys)
        s.priority.extend([1 if f == b"1" else 0 for f in flags] if b"1" in flags else [0] * len(keys))
        s.subs.extend(subs)
    _check_counts(header, eligible, excluded)
    return Pool(header, strata, eligible, excluded)


def _check_counts(header: dict, eligible: int, excluded: int) -> None:
    if (header["eligible"], header["excluded"]) != (eligible, excluded):
        raise PoolError(f"首行记载可抽取 {header['eligible']} 条、排除 {header['excluded']} 条，实际为 {eligible} 条、{excluded} 条")


def _parse_strict(header: dict, data: bytes, start: int) -> Pool:
    strata: dict[str, Stratum] = {}
    eligible = excluded = 0
    previous = None
    seen: set[tuple[str, str]] = set()
    lines = data[start:].split(b"\n")
    lines.pop()  # after the final newline
    with _no_gc():
        for number, raw in enumerate(lines, start=2):
            try:
                text = raw.decode("utf-8")
                item = json.loads(text)
            except ValueError as exc:
                raise PoolError(f"不是 UTF-8 的 JSON：{exc}", number) from None
            if not isinstance(item, dict) or tuple(item) != ITEM_FIELDS:
                raise PoolError(f"字段应依次为 {', '.join(ITEM_FIELDS)}", number)
            stratum, key, priority, reason, sub, name = (item[f] for f in ITEM_FIELDS)
            if not (isinstance(stratum, str) and stratum and isinstance(key, str) and key and priority in (0, 1)
                    and type(priority) is int and isinstance(reason, str) and isinstance(name, str)
                    and isinstance(sub, list) and all(isinstance(x, str) for x in sub)):
                raise PoolError("字段类型不符（stratum、key 为非空文本，priority 为 0 或 1，sub 为文本数组）", number)
            if item_line(stratum, key, priority, reason, sub, name) != text:
                raise PoolError("不是规范格式（多余空格或转义写法不同）", number)
            if previous is not None and raw <= previous:
                raise PoolError("各行未按字节顺序排列，或与上一行重复", number)
            if (stratum, key) in seen:
                raise PoolError(f"同一分层中对象 {key} 重复出现", number)
            seen.add((stratum, key))
            previous = raw
            s = strata.setdefault(stratum, Stratum())
            if reason:
                excluded += 1
                continue
            eligible += 1
            s.keys.append(key.encode("utf-8"))
            s.priority.append(priority)
            s.subs.append(",".join(map(_encode_str, sub)).encode("utf-8"))
    _check_counts(header, eligible, excluded)
    return Pool(header, strata, eligible, excluded)


# --- allocation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shortfall:
    """A quota (or per-stratum number) larger than what the pool holds."""

    name: str  #: the group (region|category) or the stratum
    wanted: int
    available: int


def split_stratum(stratum: str) -> tuple[str, str]:
    """(group, class): ``420302|auto-parts|B`` → (``420302|auto-parts``, ``B``)."""
    group, _, cls = stratum.rpartition(STRATUM_SEP)
    return group, cls


def apportion(total: int, weights: Mapping[str, Fraction], caps: Mapping[str, int]) -> dict[str, int]:
    """Split ``total`` over classes in proportion to ``weights`` by the largest-remainder method,
    no class above its cap (its size): a class whose exact share exceeds its cap gets its cap and
    the rest is shared again among the others.  Remainder ties go to the lower class code.
    Classes whose weights are all 0 share in proportion to their caps."""
    alloc = {c: 0 for c in caps}
    active = sorted(c for c in caps if caps[c] > 0)
    remaining = min(total, sum(caps[c] for c in active))
    shares: dict[str, Fraction] = {}
    while active and remaining > 0:
        w = {c: Fraction(weights.get(c, 0)) for c in active}
        total_w = sum(w.values())
        if total_w == 0:
            w = {c: Fraction(caps[c]) for c in active}
            total_w = sum(w.values())
        shares = {c: remaining * w[c] / total_w for c in active}
        over = [c for c in active if shares[c] > caps[c]]
        if not over:
            break
        for c in over:
            alloc[c] = caps[c]
            remaining -= caps[c]
            active.remove(c)
        shares = {}
    if not shares:
        return alloc
    floors = {c: math.floor(shares[c]) for c in active}
    left = remaining - sum(floors.values())
    for c in sorted(active, key=lambda c: (-(shares[c] - floors[c]), c))[:left]:
        floors[c] += 1
    alloc.update(floors)
    return alloc


def allocate(header: Mapping, sizes: Mapping[str, int]) -> tuple[dict[str, int], list[Shortfall]]:
    """How many items each stratum gives (``sizes``: eligible items per stratum), and the
    shortfalls.  See the module docstring and ``docs/draw.md`` "Allocation"."""
    per_stratum = int(header.get("per_stratum") or 0)
    take: dict[str, int] = {}
    shortfalls: list[Shortfall] = []
    if per_stratum > 0:
        for s in sorted(sizes):
            take[s] = min(per_stratum, sizes[s])
            if sizes[s] < per_stratum:
                shortfalls.append(Shortfall(s, per_stratum, sizes[s]))
        return take, shortfalls
    ratios = {c: Fraction(v) for c, v in (header.get("ratios") or {}).items()}
    quotas = {g: int(q) for g, q in (header.get("quotas") or {}).items()}
    groups: dict[str, dict[str, int]] = {}
    names: dict[tuple[str, str], str] = {}
    for s, n in sizes.items():
        group, cls = split_stratum(s)
        groups.setdefault(group, {})[cls] = n
        names[(group, cls)] = s
    for group in sorted(set(groups) | set(quotas)):
        classes = groups.get(group, {})
        if group in quotas:
            quota = quotas[group]
            counts = apportion(quota, {c: ratios.get(c, Fraction(0)) * n for c, n in classes.items()}, classes)
            available = sum(classes.values())
            if available < quota:
                shortfalls.append(Shortfall(group, quota, available))
        else:
            counts = {c: min(n, math.ceil(ratios.get(c, Fraction(0)) * n)) for c, n in classes.items()}
        for cls, n in counts.items():
            take[names[(group, cls)]] = n
    return {s: take.get(s, 0) for s in sorted(sizes)}, shortfalls


# --- the draw --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    picks: list[dict]
    take: dict[str, int]
    shortfalls: list[Shortfall]
    pool_hash: str
    result_hash: str
    #: strata that got fewer items than allocated because shared capacity ran out (labs)
    capacity_short: dict[str, int] = field(default_factory=dict)


def _order(stratum_k: bytes, st: Stratum, needed: int | None) -> list[int]:
    """Indices of ``st``'s items in draw order (priority first, then rank, then key); only
    the first ``needed`` when given (a top-k selection that gives the same first items as a
    full sort)."""
    digests = rank_digests(stratum_k, st.keys)
    keys = st.keys
    n = len(keys)
    prio = [i for i, p in enumerate(st.priority) if p] if any(st.priority) else []
    sort_key = lambda i: (digests[i], keys[i])  # noqa: E731
    first = sorted(prio, key=sort_key)
    if needed is not None and len(first) >= needed:
        return first[:needed]
    prio_set = set(prio)
    rest_idx = [i for i in range(n) if i not in prio_set] if prio else range(n)
    want = None if needed is None else needed - len(first)
    if want is None or want * 4 >= len(rest_idx):
        rest = sorted(rest_idx, key=sort_key)
        return first + (rest if want is None else rest[:want])
    if want <= 0:
        return first
    rest_digests = [digests[i] for i in rest_idx] if prio else digests
    threshold = heapq.nsmallest(want, rest_digests)[-1]
    chosen = sorted((i for i in rest_idx if digests[i] <= threshold), key=sort_key)
    return first + chosen[:want]


def _choose_sub(stratum_k: bytes, key: bytes, raw_sub: bytes) -> str:
    if not raw_sub:
        return ""
    subs = json.loads(b"[" + raw_sub + b"]")
    if len(subs) < 2:
        return subs[0] if subs else ""  # the minimum of one
    inner, outer = _hmac_states(stratum_k)

    def sub_rank(sub: str):
        i = inner()
        i.update(key + b"\n" + sub.encode("utf-8"))
        o = outer()
        o.update(i.digest())
        return o.digest(), sub

    return min(subs, key=sub_rank)


def run(pool: Pool | bytes, seed: str, public_value: str = "", *, pool_hash: str | None = None) -> Outcome:
    """Draw from ``pool`` (its canonical bytes, or a parsed :class:`Pool` with ``pool_hash``)."""
    if isinstance(pool, (bytes, bytearray)):
        pool_hash = sha256_hex(pool)
        pool = parse_pool(bytes(pool))
    elif pool_hash is None:
        pool_hash = pool.sha256
    if not pool_hash or not _HASH_RE.fullmatch(pool_hash):
        raise ValueError("需要名录的 SHA-256")
    with _no_gc():
        return _run(pool, seed, public_value, pool_hash)


def _run(pool: Pool, seed: str, public_value: str, pool_hash: str) -> Outcome:
    key = derive_key(seed, pool_hash, public_value)
    sizes = {s: len(st) for s, st in pool.strata.items()}
    take, shortfalls = allocate(pool.header, sizes)
    capacity = dict(pool.header.get("capacity") or {})
    limited = {k.encode("utf-8"): int(v) for k, v in capacity.items()}
    picks: list[dict] = []
    capacity_short: dict[str, int] = {}
    for stratum in sorted(pool.strata):
        n = take.get(stratum, 0)
        if n <= 0:
            continue
        st = pool.strata[stratum]
        ks = stratum_key(key, stratum)
        if limited:
            order = _order(ks, st, None)
        else:
            order = _order(ks, st, n)
        got = 0
        for i in order:
            if got == n:
                break
            item_key = st.keys[i]
            if item_key in limited:
                if limited[item_key] <= 0:
                    continue
                limited[item_key] -= 1
            got += 1
            picks.append({
                "stratum": stratum,
                "order": got,
                "key": item_key.decode("utf-8"),
                "priority": st.priority[i],
                "sub": _choose_sub(ks, item_key, st.subs[i]),
            })
        if got < n:
            capacity_short[stratum] = n - got
    return Outcome(picks, take, shortfalls, pool_hash, result_hash(picks), capacity_short)


def result_line(pick: Mapping) -> str:
    """One pick as canonical JSON (``canonical_json`` of it in :data:`RESULT_FIELDS` order)."""
    enc = _encode_str
    order, priority = pick["order"], pick["priority"]
    if type(order) is not int or type(priority) is not int:
        raise TypeError("order 与 priority 应为整数")
    return (f'{{"stratum":{enc(pick["stratum"])},"order":{order},"key":{enc(pick["key"])},"priority":{priority},'
            f'"sub":{enc(pick["sub"])}}}')


def result_bytes(picks: Iterable[Mapping]) -> bytes:
    """The canonical result: one JSON line per pick in :data:`RESULT_FIELDS` order."""
    return "".join(result_line(p) + "\n" for p in picks).encode("utf-8")


def result_hash(picks: Iterable[Mapping]) -> str:
    return sha256_hex(result_bytes(picks))


# --- the published record and its verification -------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def record_for(draw) -> dict:
    """The published record of a ``Draw`` row (read by attribute; nothing imported).  The seed
    and the result appear only once drawn; before, only the seed's commitment."""
    revealed = draw.status != "frozen"
    name = draw.pool_file.name.rsplit("/", 1)[-1] if draw.pool_file else ""
    return {
        "format": RECORD_FORMAT,
        "algorithm": draw.algorithm,
        "draw": draw.pk,
        "kind": draw.kind,
        "plan": draw.plan.code,
        "plan_title": draw.plan.title,
        "based_on": draw.based_on_id,
        "on": _iso(draw.on_date),
        "frozen_at": _iso(draw.frozen_at),
        "drawn_at": _iso(draw.drawn_at),
        "published_at": _iso(draw.published_at),
        "status": draw.status,
        "pool_file": name,
        "pool_public": draw.kind == "enterprise",
        "pool_hash": draw.pool_hash,
        "pool_size": draw.pool_size,
        "excluded_count": draw.excluded_count,
        "seed_commitment": draw.seed_commitment,
        "seed": draw.seed if revealed else "",
        "public_value": draw.public_value if revealed else "",
        "result": [{f: p[f] for f in RESULT_FIELDS} for p in (draw.result or [])] if revealed else [],
        "result_hash": draw.result_hash if revealed else "",
    }


@dataclass(frozen=True)
class Check:
    """One check of a verification: ``ok`` is None when it could not be made."""

    name: str
    ok: bool | None
    message: str


@dataclass
class VerifyResult:
    checks: list[Check]
    #: the re-computed result (when the pool was given and could be read)
    recomputed: list[dict] | None = None

    @property
    def ok(self) -> bool:
        """Every check made and passed."""
        return all(c.ok is True for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.ok is False]

    @property
    def incomplete(self) -> bool:
        return any(c.ok is None for c in self.checks)

    def summary(self) -> str:
        if self.ok:
            count = len(self.recomputed or [])
            return f"核验通过：名录文件、随机种子与承诺、抽取结果全部相符，按公布的算法重新抽取得到相同的 {count} 条结果。"
        if self.failed:
            return "核验未通过：" + "；".join(c.message for c in self.failed)
        return "未能完整核验：" + "；".join(c.message for c in self.checks if c.ok is None)


def _describe(pick: Mapping) -> str:
    sub = f"（{pick['sub']}）" if pick.get("sub") else ""
    return f"{pick['stratum']} 第 {pick['order']} 名 {pick['key']}{sub}"


def compare_results(recorded: Sequence[Mapping], recomputed: Sequence[Mapping], limit: int = 5) -> list[str]:
    """What differs between the recorded and the re-computed result, in words."""
    canon = lambda p: tuple(p.get(f) for f in RESULT_FIELDS)  # noqa: E731
    rec = [canon(p) for p in recorded]
    new = [canon(p) for p in recomputed]
    if rec == new:
        return []
    notes = []
    if len(rec) != len(new):
        notes.append(f"记录有 {len(rec)} 条结果，重新抽取得到 {len(new)} 条")
    rec_set, new_set = set(rec), set(new)
    missing = [p for p in new if p not in rec_set]
    extra = [p for p in rec if p not in new_set]
    as_dict = lambda t: dict(zip(RESULT_FIELDS, t))  # noqa: E731
    if extra:
        notes.append("记录中有而重新抽取没有：" + "、".join(_describe(as_dict(p)) for p in extra[:limit])
                     + (f" 等 {len(extra)} 条" if len(extra) > limit else ""))
    if missing:
        notes.append("重新抽取有而记录中没有：" + "、".join(_describe(as_dict(p)) for p in missing[:limit])
                     + (f" 等 {len(missing)} 条" if len(missing) > limit else ""))
    if not extra and not missing:
        first = next(i for i, (a, b) in enumerate(zip(rec, new)) if a != b)
        notes.append(f"结果相同但顺序不同，自第 {first + 1} 条起不一致")
    return notes


def verify(record: Mapping, pool_bytes: bytes | None) -> VerifyResult:
    """Check a published draw record against its pool file (plain or gzipped): the pool's
    SHA-256, the seed against its commitment, the result against its hash, and a re-run of the
    draw against the recorded result.  Without the pool (inspector and lab pools are not
    public) only the seed and the result hash are checked."""
    checks: list[Check] = []
    algorithm = record.get("algorithm")
    if algorithm != ALGORITHM:
        checks.append(Check("algorithm", False, f"记录的算法版本为 {algorithm!r}，本程序实现的是 {ALGORITHM}"))
        return VerifyResult(checks)
    checks.append(Check("algorithm", True, f"算法版本 {ALGORITHM}"))

    seed = record.get("seed") or ""
    committed = record.get("seed_commitment") or ""
    seed_ok = False
    if not seed:
        checks.append(Check("seed", None, "记录中没有随机种子（尚未抽取，种子在抽取后才公开）"))
    elif not _SEED_RE.fullmatch(seed):
        checks.append(Check("seed", False, "随机种子应为 64 位小写十六进制数字"))
    elif commitment(seed) != committed:
        checks.append(Check("seed", False, f"随机种子的 SHA-256 为 {commitment(seed)}，与抽取前公布的承诺 {committed} 不符：种子不是事先承诺的那一个"))
    else:
        seed_ok = True
        checks.append(Check("seed", True, "随机种子的 SHA-256 与抽取前公布的承诺一致"))

    recorded = list(record.get("result") or [])
    recorded_hash = None
    if not recorded and not record.get("result_hash"):
        checks.append(Check("result_hash", None, "记录中还没有抽取结果"))
    elif "result" not in record and record.get("result_public") is False:
        # inspector and lab draws publish only the hash of their result (it names people and labs)
        checks.append(Check("result_hash", None, f"抽取结果不公开，仅公布其 SHA-256（{record.get('result_hash')}）；审计人员可用完整记录核对"))
    else:
        try:
            recorded_hash = result_hash(recorded)
        except (KeyError, TypeError):
            checks.append(Check("result_hash", False, f"抽取结果的格式不符，每条应含 {', '.join(RESULT_FIELDS)}"))
    if recorded_hash is not None:
        if recorded_hash != record.get("result_hash"):
            checks.append(Check("result_hash", False, f"抽取结果的 SHA-256 为 {recorded_hash}，与记录中的 {record.get('result_hash')} 不符：结果列表被改动过"))
        else:
            checks.append(Check("result_hash", True, "抽取结果与其 SHA-256 一致"))

    if pool_bytes is None:
        checks.append(Check("pool", None, f"未提供名录文件，无法核对名录 SHA-256（{record.get('pool_hash')}）并重新抽取"))
        return VerifyResult(checks)
    data = decompress(pool_bytes)
    actual = sha256_hex(data)
    if actual != record.get("pool_hash"):
        checks.append(Check("pool_hash", False, f"名录文件的 SHA-256 为 {actual}，与抽取记录中的 {record.get('pool_hash')} 不符：名录文件被改动过，或不是本次抽取的名录"))
    else:
        checks.append(Check("pool_hash", True, "名录文件的 SHA-256 与抽取记录一致"))
    try:
        pool = parse_pool(data, strict=True)
    except PoolError as exc:
        checks.append(Check("pool_format", False, f"名录文件格式不符：{exc}"))
        return VerifyResult(checks)
    if not seed_ok:
        checks.append(Check("rerun", None, "没有有效的随机种子，无法重新抽取"))
        return VerifyResult(checks)
    outcome = run(pool, seed, record.get("public_value") or "", pool_hash=actual)
    differences = compare_results(recorded, outcome.picks)
    if differences:
        checks.append(Check("rerun", False, "按名录、随机种子和公开随机值重新抽取的结果与记录不符：" + "；".join(differences)))
    else:
        checks.append(Check("rerun", True, f"按名录、随机种子和公开随机值重新抽取，得到与记录相同的 {len(outcome.picks)} 条结果"))
    return VerifyResult(checks, outcome.picks)

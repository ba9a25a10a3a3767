"""The draw engine (``sampling.draw``): canonical pools, reproducible draws, allocation,
priority, capacity and verification — and that the published algorithm (docs/draw.md),
re-implemented here with the standard library only, gives the engine's result."""

from __future__ import annotations

import hashlib
import hmac
import json
from fractions import Fraction

import pytest

from zhiliang.sampling import draw

SEED = "0f" * 32
OTHER_SEED = "a1" * 32
RATIOS = {"A": "0.05", "B": "0.1", "C": "0.3", "D": "0.6"}


def enterprises(region="420302", category="auto-parts", cls="B", n=50, start=0, **fields):
    return [(f"{region}|{category}|{cls}", f"91420302MA{start + i:07d}X", 0, "", [], f"十堰测试企业{start + i}号") for i in range(n)]


def pool(items, **header):
    header = {"kind": "enterprise", "plan": "SY-TEST-01", "on": "2026-03-02", "ratios": RATIOS, **header}
    data, _, _ = draw.serialize_pool(header, items)
    return data


def record(data: bytes, outcome: draw.Outcome, seed=SEED, public_value="") -> dict:
    return {
        "format": draw.RECORD_FORMAT, "algorithm": draw.ALGORITHM, "draw": 1, "plan": "SY-TEST-01", "kind": "enterprise",
        "pool_hash": draw.sha256_hex(data), "seed_commitment": draw.commitment(seed), "seed": seed, "public_value": public_value,
        "result": outcome.picks, "result_hash": outcome.result_hash,
    }


# --- canonical pool file -------------------------------------------------------------------------


def test_the_pool_file_is_canonical_json_lines_sorted_by_bytes_with_the_header_first():
    items = [("420303|toys|B", "K2", 0, "", ["product:2", "product:1"], "乙\"公司\\"), ("420302|toys|A", "K1", 1, "不在经营：登记状态为注销", [], "甲公司")]
    data = pool(items, quotas={"420303|toys": 1, "420302|toys": 2})
    lines = data.decode("utf-8").split("\n")
    assert lines[-1] == "" and data.endswith(b"\n")
    header = json.loads(lines[0])
    assert list(header) == list(draw.HEADER_FIELDS)
    assert header["quotas"] == {"420302|toys": 2, "420303|toys": 1} and list(header["quotas"]) == ["420302|toys", "420303|toys"]
    assert (header["eligible"], header["excluded"]) == (1, 1)
    body = lines[1:-1]
    assert body == sorted(body, key=lambda line: line.encode("utf-8"))
    for line in body:
        item = json.loads(line)
        assert list(item) == list(draw.ITEM_FIELDS)
        assert line == json.dumps(item, ensure_ascii=False, separators=(",", ":"))  # what any JSON library writes
    assert "甲公司" in body[0]  # UTF-8, not \\u escapes


def test_the_same_items_in_any_order_give_the_same_bytes():
    items = enterprises(n=30) + enterprises(cls="C", n=5, start=100)
    assert pool(items) == pool(list(reversed(items)))


def test_fast_and_strict_readers_agree_including_escapes_priority_and_exclusions():
    items = enterprises(n=40)
    items[3] = (items[3][0], items[3][1], 1, "", ["product:7", "product:3"], "名称含\"引号\"与\\反斜杠")
    items[5] = (items[5][0], items[5][1], 0, "6个月内不得重复抽查：…", [], items[5][5])
    data = pool(items)
    fast, strict = draw.parse_pool(data), draw.parse_pool(data, strict=True)
    assert fast.strata == strict.strata
    assert (fast.eligible, fast.excluded) == (39, 1)
    plain = pool(enterprises(n=40))  # no escapes: the line pattern reads every line
    assert draw.parse_pool(plain).strata == draw.parse_pool(plain, strict=True).strata
    odd = enterprises(n=5)
    odd[1] = (odd[1][0], 'key\\with"escapes', 0, "", ["product:1"], "乙")  # escapes outside the name: the strict reader reads it
    odd[2] = (odd[2][0], odd[2][1], 0, '原因含"引号"', [], "丙")
    data = pool(odd)
    assert draw.parse_pool(data).strata == draw.parse_pool(data, strict=True).strata
    assert 'key\\\\with\\"escapes' in data.decode()  # written escaped in the file
    assert draw.parse_pool(data).strata["420302|auto-parts|B"].keys[-1] == 'key\\with"escapes'.encode()  # read back exactly


def test_the_strict_reader_names_the_line_that_is_not_canonical():
    data = pool(enterprises(n=3))
    lines = data.split(b"\n")
    spaced = list(lines)
    spaced[2] = spaced[2].replace(b'"priority":0', b'"priority": 0')
    with pytest.raises(draw.PoolError, match="第 3 行"):
        draw.parse_pool(b"\n".join(spaced), strict=True)
    swapped = b"\n".join([lines[0], lines[2], lines[1], lines[3], b""])
    with pytest.raises(draw.PoolError, match="字节顺序"):
        draw.parse_pool(swapped, strict=True)


# --- seed, key derivation, ranking ----------------------------------------------------------------


def test_a_new_seed_is_32_random_bytes_and_its_commitment_is_the_sha256_of_its_hex_text():
    seed = draw.new_seed()
    assert len(seed) == 64 and int(seed, 16) >= 0 and seed == seed.lower()
    assert draw.new_seed() != seed
    assert draw.commitment(seed) == hashlib.sha256(seed.encode("ascii")).hexdigest()


def test_the_fast_hmac_is_hmac_sha256():
    key = hashlib.sha256(b"k").digest()
    messages = [b"", b"91420302MA0000001X", "企业:十堰".encode(), b"x" * 200]
    assert draw.rank_digests(key, messages) == [hmac.digest(key, m, "sha256") for m in messages]
    long_key = b"k" * 100  # longer than a SHA-256 block: hashed first, as RFC 2104 says
    assert draw.rank_digests(long_key, [b"m"]) == [hmac.digest(long_key, b"m", "sha256")]


def reference_draw(data: bytes, seed: str, public_value: str) -> list[dict]:
    """docs/draw.md re-implemented with json, hashlib and hmac only (no engine code)."""
    lines = data.decode("utf-8").split("\n")[:-1]
    header = json.loads(lines[0])
    pool_hash = hashlib.sha256(data).hexdigest()
    k = hmac.new(bytes.fromhex(seed), f"zl-draw-1\n{pool_hash}\n{public_value}".encode(), "sha256").digest()
    strata: dict[str, list[dict]] = {}
    for line in lines[1:]:
        item = json.loads(line)
        strata.setdefault(item["stratum"], [])
        if not item["excluded"]:
            strata[item["stratum"]].append(item)
    ratios = {c: Fraction(v) for c, v in header["ratios"].items()}
    picks = []
    for stratum in sorted(strata):
        items = strata[stratum]
        cls = stratum.rsplit("|", 1)[1]
        n = min(len(items), -(-ratios[cls] * len(items) // 1))  # no quota: ceil(ratio × size)
        ks = hmac.new(k, stratum.encode(), "sha256").digest()
        ranked = sorted(items, key=lambda it: (-it["priority"], hmac.new(ks, it["key"].encode(), "sha256").digest(), it["key"].encode()))
        for order, item in enumerate(ranked[:n], start=1):
            sub = min(item["sub"], key=lambda s: hmac.new(ks, (item["key"] + "\n" + s).encode(), "sha256").digest(), default="")
            picks.append({"stratum": stratum, "order": order, "key": item["key"], "priority": item["priority"], "sub": sub})
    return picks


def test_the_published_algorithm_reimplemented_from_the_documentation_gives_the_same_result():
    items = enterprises(n=60) + enterprises(cls="D", n=12, start=200) + enterprises(region="420303", n=25, start=400)
    items[7] = (items[7][0], items[7][1], 1, "", [], items[7][5])
    items[9] = (items[9][0], items[9][1], 0, "", ["product:31", "product:32", "product:33"], items[9][5])
    data = pool(items)
    outcome = draw.run(data, SEED, "双色球 2026025 期：03 08 15 21 27 30 + 12")
    assert outcome.picks == reference_draw(data, SEED, "双色球 2026025 期：03 08 15 21 27 30 + 12")
    assert outcome.result_hash == hashlib.sha256(
        "".join(json.dumps(p, ensure_ascii=False, separators=(",", ":")) + "\n" for p in outcome.picks).encode()).hexdigest()


# --- reproducibility ------------------------------------------------------------------------------------


def test_the_same_pool_seed_and_public_value_give_the_same_result_bit_for_bit():
    data = pool(enterprises(n=300) + enterprises(cls="C", n=40, start=1000), quotas={"420302|auto-parts": 25})
    first = draw.run(data, SEED, "12345")
    again = draw.run(bytes(data), SEED, "12345")
    parsed = draw.run(draw.parse_pool(data, strict=True), SEED, "12345", pool_hash=draw.sha256_hex(data))
    assert len(first.picks) == 25
    assert draw.result_bytes(first.picks) == draw.result_bytes(again.picks) == draw.result_bytes(parsed.picks)
    assert first.result_hash == again.result_hash == parsed.result_hash


def test_the_public_value_and_the_seed_change_the_result():
    data = pool(enterprises(n=500), quotas={"420302|auto-parts": 10})
    base = {p["key"] for p in draw.run(data, SEED, "12345").picks}
    assert {p["key"] for p in draw.run(data, SEED, "12346").picks} != base
    assert {p["key"] for p in draw.run(data, OTHER_SEED, "12345").picks} != base


def test_a_different_pool_gives_an_independent_ranking():
    """The pool hash is part of the key: adding one enterprise reshuffles the whole stratum."""
    items = enterprises(n=200)
    a = draw.run(pool(items, quotas={"420302|auto-parts": 5}), SEED).picks
    b = draw.run(pool(items + enterprises(n=1, start=999), quotas={"420302|auto-parts": 5}), SEED).picks
    assert [p["key"] for p in a] != [p["key"] for p in b]


# --- allocation ------------------------------------------------------------------------------------------


def test_a_quota_is_split_over_credit_classes_by_ratio_times_size_with_the_largest_remainder():
    # weights A 0.05×100 = 5, B 0.1×100 = 10, C 0.3×10 = 3 → exact shares 5.56, 11.11, 3.33 of 20
    sizes = {"420302|toys|A": 100, "420302|toys|B": 100, "420302|toys|C": 10}
    take, short = draw.allocate({"ratios": RATIOS, "quotas": {"420302|toys": 20}}, sizes)
    assert take == {"420302|toys|A": 6, "420302|toys|B": 11, "420302|toys|C": 3} and short == []


def test_a_class_never_gives_more_than_it_has_and_the_rest_goes_to_the_others():
    # D's exact share 0.6×5 / (0.1×100 + 0.6×5) × 12 = 2.77 fits; with quota 40 D would get 9.2 > 5
    take, _ = draw.allocate({"ratios": RATIOS, "quotas": {"g|x": 40}}, {"g|x|B": 100, "g|x|D": 5})
    assert take == {"g|x|B": 35, "g|x|D": 5}


def test_remainder_ties_go_to_the_lower_class_code_and_a_quota_beyond_the_pool_is_a_shortfall():
    take, _ = draw.allocate({"ratios": {"A": "0.1", "B": "0.1"}, "quotas": {"g|x": 1}}, {"g|x|A": 10, "g|x|B": 10})
    assert take == {"g|x|A": 1, "g|x|B": 0}
    take, short = draw.allocate({"ratios": RATIOS, "quotas": {"g|x": 30, "g|y": 2}}, {"g|x|B": 12})
    assert take == {"g|x|B": 12}
    assert short == [draw.Shortfall("g|x", 30, 12), draw.Shortfall("g|y", 2, 0)]


def test_without_a_quota_each_class_gives_its_ratio_of_its_size_rounded_up():
    take, short = draw.allocate({"ratios": RATIOS}, {"g|x|A": 10, "g|x|B": 25, "g|x|C": 3, "g|x|D": 1})
    assert take == {"g|x|A": 1, "g|x|B": 3, "g|x|C": 1, "g|x|D": 1} and short == []


def test_a_per_stratum_number_applies_to_every_stratum():
    take, short = draw.allocate({"per_stratum": 2}, {"e1|toys": 5, "e2|toys": 1})
    assert take == {"e1|toys": 2, "e2|toys": 1} and short == [draw.Shortfall("e2|toys", 2, 1)]


def test_the_draw_takes_the_allocation_from_each_stratum():
    items = enterprises(cls="A", n=100) + enterprises(cls="B", n=100, start=100) + enterprises(cls="C", n=10, start=200)
    outcome = draw.run(pool(items, quotas={"420302|auto-parts": 20}), SEED)
    counts = {}
    for p in outcome.picks:
        counts[p["stratum"]] = counts.get(p["stratum"], 0) + 1
    assert counts == {"420302|auto-parts|A": 6, "420302|auto-parts|B": 11, "420302|auto-parts|C": 3}
    assert [p["order"] for p in outcome.picks if p["stratum"].endswith("|C")] == [1, 2, 3]


# --- priority, sub-items, capacity --------------------------------------------------------------------------


def test_priority_items_are_taken_first_in_their_stratum():
    items = enterprises(n=80)
    refused = {items[i][1] for i in (11, 42, 77)}
    items = [(s, k, 1 if k in refused else 0, e, sub, n) for s, k, _, e, sub, n in items]
    data = pool(items, quotas={"420302|auto-parts": 2})
    picks = draw.run(data, SEED).picks
    assert {p["key"] for p in picks} <= refused and all(p["priority"] == 1 for p in picks)
    picks = draw.run(pool(items, quotas={"420302|auto-parts": 5}), SEED).picks
    assert [p["priority"] for p in picks] == [1, 1, 1, 0, 0]
    assert {p["key"] for p in picks[:3]} == refused


def test_excluded_items_are_never_drawn():
    items = enterprises(n=10)
    items = [(s, k, p, "不在经营：登记状态为吊销" if i % 2 else "", sub, n) for i, (s, k, p, _, sub, n) in enumerate(items)]
    picks = draw.run(pool(items, quotas={"420302|auto-parts": 10}), SEED).picks
    assert len(picks) == 5 and {p["key"] for p in picks} == {items[i][1] for i in range(0, 10, 2)}


def test_a_drawn_item_gets_one_of_its_sub_items_by_the_same_ranking():
    items = [("420302|toys|B", "K1", 0, "", ["product:1", "product:2", "product:3"], "甲")]
    data = pool(items, quotas={"420302|toys": 1})
    (pick,) = draw.run(data, SEED, "7").picks
    k = draw.derive_key(SEED, draw.sha256_hex(data), "7")
    ks = draw.stratum_key(k, "420302|toys|B")
    expected = min(["product:1", "product:2", "product:3"], key=lambda s: hmac.digest(ks, f"K1\n{s}".encode(), "sha256"))
    assert pick["sub"] == expected


def test_shared_capacity_moves_later_strata_to_other_labs():
    labs = [("lab:1", "甲检测所"), ("lab:2", "乙检测所")]
    items = [(f"E{i}|toys", key, 0, "", [], name) for i in range(4) for key, name in labs]
    data = pool(items, kind="lab", ratios={}, per_stratum=1, capacity={"lab:1": 1, "lab:2": 2})
    outcome = draw.run(data, SEED)
    used = [p["key"] for p in outcome.picks]
    assert used.count("lab:1") <= 1 and used.count("lab:2") <= 2
    assert len(used) == 3 and outcome.capacity_short == {"E3|toys": 1}


# --- verification -------------------------------------------------------------------------------------


def drawn():
    data = pool(enterprises(n=120) + enterprises(cls="D", n=9, start=500), quotas={"420302|auto-parts": 12})
    outcome = draw.run(data, SEED, "88")
    return data, record(data, outcome, public_value="88")


def test_verify_confirms_a_genuine_record():
    data, rec = drawn()
    result = draw.verify(rec, data)
    assert result.ok and not result.failed
    assert "核验通过" in result.summary() and "12 条" in result.summary()
    assert draw.verify(rec, draw.compress(data)).ok  # a gzipped copy of the pool too


def test_verify_detects_a_tampered_pool_file():
    data, rec = drawn()
    tampered = data.replace("十堰测试企业5号".encode(), "十堰测试企业6号".encode(), 1)
    result = draw.verify(rec, tampered)
    assert not result.ok
    assert [c.name for c in result.failed][0] == "pool_hash"
    assert "名录文件的 SHA-256 为" in result.summary() and "被改动过" in result.summary()
    dropped = b"\n".join(line for i, line in enumerate(data.split(b"\n")) if i != 4)
    assert "pool_hash" in {c.name for c in draw.verify(rec, dropped).failed}


def test_verify_detects_a_tampered_result_even_with_its_hash_recomputed():
    data, rec = drawn()
    swapped = [dict(p) for p in rec["result"]]
    swapped[0]["key"] = "91420302MA9999999X"
    result = draw.verify({**rec, "result": swapped}, data)
    assert {c.name for c in result.failed} == {"result_hash", "rerun"}
    forged = draw.verify({**rec, "result": swapped, "result_hash": draw.result_hash(swapped)}, data)
    assert [c.name for c in forged.failed] == ["rerun"]
    assert "91420302MA9999999X" in forged.summary() and "重新抽取" in forged.summary()


def test_verify_detects_a_seed_that_is_not_the_committed_one():
    data, rec = drawn()
    result = draw.verify({**rec, "seed": OTHER_SEED}, data)
    assert "seed" in {c.name for c in result.failed}
    assert "承诺" in result.summary()


def test_verify_without_the_pool_checks_what_it_can_and_says_so():
    _, rec = drawn()
    result = draw.verify(rec, None)
    assert not result.ok and not result.failed and result.incomplete
    assert "未提供名录文件" in result.summary()

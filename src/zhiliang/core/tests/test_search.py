"""Search: tokens, matching, ranking, permission, paging, index upkeep and query plans."""

from __future__ import annotations

import pytest
from django.db import connection

from zhiliang.core import search
from zhiliang.core.models import Membership, SearchEntry, SearchToken
from zhiliang.core.search import Document
from zhiliang.testing.fixtures import make_user

KIND = "testname"


@pytest.fixture
def kind(db):
    """A test-only kind on Membership (scoped by region, so non-public entries can be restricted)."""
    search.register_kind(KIND, model=Membership, label="测试名称", document=lambda m: None)
    yield KIND
    search.unregister_kind(KIND)


def add(title, text="", *, oid=None, rank=0, is_public=True, region=None):
    oid = oid or f"n{next(_ids)}"
    search.index(KIND, oid, title=title, text=text, rank=rank, is_public=is_public, region=region)
    return oid


_ids = iter(range(1, 10**9))


def titles(query, **kwargs):
    return [h.title for h in search.search(query, kinds=[KIND], **kwargs).hits]


# --- tokenizer ------------------------------------------------------------------------------


def test_tokenizer_bigrams_trigrams_unigrams_and_ascii_words():
    assert search.tokenize("东风汽车") == ["东风", "东风汽", "风汽", "风汽车", "汽车"]
    # a CJK character standing alone yields a unigram; ASCII words stay whole and lower-cased
    assert search.tokenize("A座 DFL4251-B 型") == ["a", "座", "dfl4251", "b", "型"]
    # full-width letters and digits fold to half-width (NFKC)
    assert search.tokenize("ＤＦＬ４２５１") == ["dfl4251"]
    assert search.tokenize("十堰·婴幼儿") == ["十堰", "婴幼", "婴幼儿", "幼儿"]


def test_queries_of_three_or_more_characters_use_trigrams_only():
    # every bigram of 汽车有限 is in a large part of the city's names; its trigrams are not
    assert search.parse_query("汽车有限").tokens == ("汽车有", "车有限")
    assert search.parse_query("东风").tokens == ("东风",)
    assert search.parse_query("十堰市 DFL4251").tokens == ("十堰市", "dfl4251")
    # every query token is a token of a document that contains the query
    for query, document in [("汽车有限", "十堰汽车有限公司"), ("婴幼儿用品", "十堰市婴幼儿用品厂"), ("东风", "东风路")]:
        assert set(search.parse_query(query).tokens) <= set(search.tokenize(document))


def test_query_of_one_character_is_refused_with_a_clear_message():
    with pytest.raises(search.QueryTooShort) as exc:
        search.parse_query(" 车 ")
    assert exc.value.messages == ["请至少输入两个字"]
    with pytest.raises(search.QueryTooShort):
        search.parse_query("a")
    # a one-character term next to a longer one only filters
    assert search.parse_query("东风 车").tokens == ("东风",)


# --- matching -------------------------------------------------------------------------------


def test_two_character_fragments_are_found(kind):
    add("东风汽车集团有限公司")
    add("十堰市婴幼儿用品有限公司")
    add("湖北汽车配件厂")
    add("竹山县食品厂")
    assert titles("东风") == ["东风汽车集团有限公司"]
    assert titles("婴幼") == ["十堰市婴幼儿用品有限公司"]
    assert sorted(titles("汽车")) == ["东风汽车集团有限公司", "湖北汽车配件厂"]
    assert titles("有限公司") and len(titles("有限公司")) == 2
    assert titles("电器") == []


def test_ascii_codes_and_models_are_found_in_any_width(kind):
    add("东风商用车有限公司", "统一社会信用代码 91350100M000100Y43 车型 DFL4251A")
    add("十堰重型车桥厂", "车型 DFL4250")
    assert titles("91350100M000100Y43") == ["东风商用车有限公司"]
    assert titles("dfl4251a") == ["东风商用车有限公司"]
    assert titles("ＤＦＬ４２５１Ａ") == ["东风商用车有限公司"]
    assert titles("DFL4250") == ["十堰重型车桥厂"]
    assert titles("东风 DFL4251A") == ["东风商用车有限公司"]


def test_substring_check_rejects_bigram_only_candidates(kind):
    add("东风汽车零部件公司")
    add("风汽机械东风路门店")  # holds the bigrams 东风 and 风汽, not 东风汽
    assert titles("东风汽") == ["东风汽车零部件公司"]
    # every whitespace-separated term must be present, in any order
    assert titles("公司 东风") == ["东风汽车零部件公司"]
    assert titles("门店 汽车") == []


# --- ranking and paging --------------------------------------------------------------------


def test_ranking_exact_then_prefix_then_title_then_text(kind):
    add("湖北某贸易公司", "主营汽车配件")
    add("东风汽车股份有限公司", rank=0)
    add("十堰汽车城", rank=0)
    add("重点汽车企业", rank=5)
    add("汽车配件厂")
    add("汽车")
    results = search.search("汽车", kinds=[KIND])
    assert [(h.title, h.match) for h in results.hits] == [
        ("汽车", "exact"),
        ("汽车配件厂", "prefix"),
        ("重点汽车企业", "title"),  # higher rank first
        ("十堰汽车城", "title"),  # then the shorter title
        ("东风汽车股份有限公司", "title"),
        ("湖北某贸易公司", "text"),
    ]
    assert results.count == 6 and not results.count_is_estimate


def test_paging_is_complete_and_disjoint_beyond_the_ranking_window(kind):
    docs = {f"p{i}": Document(title=f"{i:03d}号食品加工厂", rank=i % 7) for i in range(search.WINDOW + 50)}
    docs["exact"] = Document(title="食品", rank=-5)  # lowest rank, yet first
    search.write_documents(KIND, docs)
    seen = []
    page = 1
    while True:
        res = search.search("食品", kinds=[KIND], page=page, per_page=20)
        seen.extend(h.object_id for h in res.hits)
        if not res.has_next:
            break
        page += 1
    assert seen[0] == "exact"
    assert len(seen) == len(set(seen)) == len(docs)
    assert res.count == len(docs) and not res.count_is_estimate
    assert page == -(-len(docs) // 20)


def test_large_counts_are_estimated(kind, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 50)
    monkeypatch.setattr(search, "WINDOW", 20)
    docs = {}
    for i in range(300):
        docs[f"c{i}"] = Document(title=f"{i}号汽车修理厂" if i % 2 == 0 else f"{i}号服装店")
    search.write_documents(KIND, docs)
    res = search.search("汽车", kinds=[KIND])
    assert res.count_is_estimate
    assert 100 <= res.count <= 200  # 150 true matches, spread evenly
    assert res.count_label.startswith("约 ")
    assert len(res.hits) == 20


def test_counts_past_the_window_are_exact_only_for_a_rare_driver(kind, monkeypatch):
    """Past the window the exact count walks every row of the driver token (with index probes
    each): it is done when the driver is rare, and estimated ("约") when it is common."""
    monkeypatch.setattr(search, "WINDOW", 20)
    search.write_documents(KIND, {f"r{i}": Document(title=f"{i}号汽车修理厂" if i % 2 == 0 else f"{i}号汽车销售店") for i in range(300)})
    res = search.search("汽车修理", kinds=[KIND])
    assert (res.count, res.count_is_estimate) == (150, False)
    monkeypatch.setattr(search, "EXACT_COUNT_MAX_ROWS", 100)  # the driver token has 150 rows
    res = search.search("汽车修理", kinds=[KIND])
    assert res.count_is_estimate and res.count_label.startswith("约 ")
    assert 100 <= res.count <= 200


def test_a_count_of_one_kind_is_exact_when_the_drivers_other_rows_are_another_kinds(kind, monkeypatch):
    """The public credit search looks for enterprises only, but 汽车 is also in thousands of
    product names.  The window reads the best-ranked rows (the enterprises' titles) where every
    row matches: scaling that density by all of the token's rows said "约 2 500" for 804
    enterprises.  A driver that can be counted through is counted."""
    other = "testproduct"
    search.register_kind(other, model=Membership, label="测试产品", document=lambda m: None)
    try:
        monkeypatch.setattr(search, "WINDOW", 20)
        monkeypatch.setattr(search, "COUNT_CAP", 100)  # the density estimate (20 of 20 × 300 rows) is past it
        search.write_documents(KIND, {f"e{i}": Document(title=f"{i}号汽车修理厂") for i in range(60)})
        search.write_documents(other, {f"p{i}": Document(title=f"{i}号配件", text="汽车用") for i in range(240)})
        res = search.search("汽车", kinds=[KIND])
        assert (res.count, res.count_is_estimate, res.count_label) == (60, False, "共 60 条")
        monkeypatch.setattr(search, "EXACT_COUNT_MAX_ROWS", 100)  # too common to count through: an estimate, as before
        assert search.search("汽车", kinds=[KIND]).count_is_estimate
    finally:
        search.unregister_kind(other)


def test_common_token_frequencies_come_from_the_planner_statistics_on_postgresql(kind):
    """Ranking the tokens of a query needs their frequencies: PostgreSQL reads the most common
    ones from ``pg_stats`` (kept by ANALYZE, target raised by migration core 0004) instead of
    counting hundreds of thousands of rows; SQLite counts.  Either way the figure is right."""
    from django.core.cache import cache

    search.write_documents(KIND, {f"f{i}": Document(title=f"{i}号食品店") for i in range(400)})
    _, tokens = search._tables()
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {tokens}")
    search._COMMON.update(at=0.0, tokens={})
    cache.clear()
    true = SearchToken.objects.filter(token="食品").count()
    assert true >= 400
    common = search._common_tokens()
    if connection.vendor == "postgresql":
        assert abs(common["食品"] - true) <= true * 0.1
    else:
        assert common == {}
    assert abs(search._frequency("食品") - true) <= true * 0.1


# --- permission ----------------------------------------------------------------------------


def test_non_public_entries_follow_the_models_scope(kind, county_user, other_county_user, city_admin):
    from zhiliang.core.models import Region

    maojian, zhangwan = Region.objects.get(code="420302"), Region.objects.get(code="420303")
    own = Membership.objects.get(user=county_user)
    other = Membership.objects.get(user=other_county_user)
    add("茅箭区内部检查记录", oid=str(own.pk), is_public=False, region=maojian)
    add("张湾区内部检查记录", oid=str(other.pk), is_public=False, region=zhangwan)
    add("公开检查通告")
    assert titles("检查") == ["公开检查通告"]  # the public
    assert sorted(titles("检查", user=county_user)) == ["公开检查通告", "茅箭区内部检查记录"]
    assert sorted(titles("检查", user=other_county_user)) == ["公开检查通告", "张湾区内部检查记录"]
    assert len(titles("检查", user=city_admin)) == 3
    nobody = make_user(None)
    assert titles("检查", user=nobody) == ["公开检查通告"]
    assert search.search("内部", kinds=[KIND], user=county_user).count == 1


# --- keeping the index current ---------------------------------------------------------------


def test_index_replaces_tokens_and_unindex_removes(kind):
    oid = add("竹溪县茶叶有限公司")
    assert titles("茶叶") == ["竹溪县茶叶有限公司"]
    search.index(KIND, oid, title="竹溪县贡米有限公司")
    assert titles("茶叶") == []
    assert titles("贡米") == ["竹溪县贡米有限公司"]
    entry = SearchEntry.objects.get(kind=KIND, object_id=oid)
    assert sorted(entry.tokens.values_list("token", flat=True)) == sorted(search.tokenize("竹溪县贡米有限公司"))
    search.unindex(KIND, oid)
    assert titles("贡米") == []
    assert not SearchToken.objects.filter(entry_id=entry.pk).exists()


def test_core_kinds_are_indexed_and_reindex_is_idempotent(db, system):
    from zhiliang.core import services
    from zhiliang.core.models import Department, Region

    assert [h.title for h in search.search("郧西", kinds=["region"]).hits] == ["郧西县"]
    assert [h.object_id for h in search.search("420325", kinds=["region"]).hits] == [str(Region.objects.get(code="420325").pk)]
    first = search.reindex("department")
    entries = SearchEntry.objects.filter(kind="department").count()
    tokens = SearchToken.objects.filter(entry__kind="department").count()
    assert entries == Department.objects.count()
    again = search.reindex("department")
    assert (again.created, again.updated, again.removed, again.unchanged) == (0, 0, 0, first.total)
    assert SearchToken.objects.filter(entry__kind="department").count() == tokens
    # an entry whose object is gone is swept away
    search.index("department", "999999", title="已撤销的虚构部门")
    assert search.reindex("department").removed == 1
    # a service keeps its record current
    dept = Department.objects.get(code="sy-amr")
    services.update_department(actor=system, department=dept, short_name="市监局测试简称")
    assert [h.object_id for h in search.search("测试简称", kinds=["department"]).hits] == [str(dept.pk)]


# --- through the index -----------------------------------------------------------------------


def test_short_queries_use_the_token_index(kind):
    docs = {f"x{i}": Document(title=f"{i}号{'汽车' if i % 10 == 0 else '服装'}贸易有限公司") for i in range(3000)}
    search.write_documents(KIND, docs)
    statements = search.explain_sql("汽车", kinds=[KIND])
    assert len(statements) == 2
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ANALYZE core_searchtoken")
            cur.execute("ANALYZE core_searchentry")
        for sql, params in statements:
            if connection.vendor == "sqlite":
                cur.execute("EXPLAIN QUERY PLAN " + sql, params)
                plan = "\n".join(str(row[-1]) for row in cur.fetchall())
                # the (token, weight, entry) index or the unique (token, entry) one, which SQLite
                # names sqlite_autoindex_core_searchtoken_1 — never a scan of the token table
                token_lines = [line.strip() for line in plan.splitlines() if " t0 " in line + " "]
                assert token_lines and all(line.startswith("SEARCH t0 USING") and "INDEX" in line for line in token_lines), plan
                assert "SCAN t0" not in plan and "SCAN core_searchtoken" not in plan, plan
            else:
                cur.execute("EXPLAIN " + sql, params)
                plan = "\n".join(row[0] for row in cur.fetchall())
                assert "Seq Scan on core_searchtoken" not in plan, plan
                assert any(s in plan for s in ("Index Scan using search_token_", "Index Only Scan using search_token_", "Bitmap Index Scan on search_token_")), plan


def test_a_long_pasted_query_still_matches_exactly(kind):
    sentence = "经抽样检验，该批次婴幼儿服装的纤维含量、pH值和耐水色牢度三项指标不符合GB 31701-2015的要求，责令立即停止销售并限期整改"
    add("十堰市某服饰商行", sentence)
    add("十堰市另一服饰商行", sentence.replace("耐水色牢度", "耐汗渍色牢度"))
    assert len(search.parse_query(sentence).tokens) > search.MAX_CANDIDATE_TOKENS
    assert titles(sentence) == ["十堰市某服饰商行"]


def test_retokenize_brings_an_old_index_up_to_the_tokenizer(kind):
    """The trigram migration: entries indexed with bigrams only get their trigrams from
    their stored text, and then a four-character fragment finds them."""
    oid = add("十堰汽车有限公司")
    entry = SearchEntry.objects.get(kind=KIND, object_id=oid)
    SearchToken.objects.filter(entry=entry, token__regex=r"^.{3}$").delete()  # as written before trigrams
    assert titles("汽车有限") == []
    assert search.retokenize(batch_size=7) >= 1
    assert titles("汽车有限") == ["十堰汽车有限公司"]
    assert sorted(entry.tokens.values_list("token", flat=True)) == sorted(search.tokenize("十堰汽车有限公司"))
    assert search.retokenize() == 0  # nothing left to change: safe to re-run

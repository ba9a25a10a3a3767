from django.db import models

from ..permissions import Scope


class SearchEntry(models.Model):
    """检索条目 — one searchable record (an enterprise, a product …) with its text;
    a derived index kept current by the services (exempt from audit, like a cache).

    ``title`` is shown as is; ``title_norm`` and ``text`` are normalised
    (NFKC, lower case, single spaces — :func:`zhiliang.core.search.normalise`)
    and ``text`` includes the title.  Permission is decided by
    :func:`zhiliang.core.search.search` (``is_public``, else the registered
    model's ``restrict``) — never query this table for a user directly."""

    kind = models.CharField("类型", max_length=40)
    object_id = models.CharField("对象编号", max_length=64)
    title = models.CharField("标题", max_length=255)
    title_norm = models.CharField("规范化标题", max_length=255, default="", editable=False)
    text = models.TextField("全文", help_text="规范化后的可检索文本（含标题）")
    region = models.ForeignKey("core.Region", verbose_name="区划", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    is_public = models.BooleanField("可公开", default=True)
    rank = models.IntegerField("排序权重", default=0)

    scope = Scope(region="region", public=models.Q(is_public=True))

    class Meta:
        verbose_name = "检索条目"
        verbose_name_plural = "检索条目"
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique")]
        indexes = [
            models.Index(fields=["title_norm"], name="search_entry_title"),
            models.Index(fields=["kind", "id"], name="search_entry_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.title}"


class SearchToken(models.Model):
    """检索词元 — a CJK character bigram or trigram (a lone character: unigram) or a whole ASCII word of an entry.

    ``weight`` is the entry's base order for this token (token in the title
    first, then higher ``rank``, then shorter title), so that the first page of
    a query walks the ``(token, weight, entry)`` index and stops early instead
    of sorting every match."""

    token = models.CharField("词元", max_length=64)
    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="tokens", db_constraint=True)
    weight = models.BigIntegerField("排序键", default=0)

    scope = Scope()

    class Meta:
        verbose_name = "检索词元"
        verbose_name_plural = "检索词元"
        constraints = [models.UniqueConstraint(fields=["token", "entry"], name="search_token_unique")]
        indexes = [models.Index(fields=["token", "weight", "entry"], name="search_token_order")]

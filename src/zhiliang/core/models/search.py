from django.db import models

from ..permissions import Scope


class SearchEntry(models.Model):
    """检索条目 — one searchable record (an enterprise, a product …) with its text;
    a derived index kept current by the services (exempt from audit, like a cache)."""

    kind = models.CharField("类型", max_length=40)
    object_id = models.CharField("对象编号", max_length=64)
    title = models.CharField("标题", max_length=255)
    text = models.TextField("全文", help_text="规范化后的可检索文本")
    region = models.ForeignKey("core.Region", verbose_name="区划", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    is_public = models.BooleanField("可公开", default=True)
    rank = models.IntegerField("排序权重", default=0)

    scope = Scope(region="region", public=models.Q(is_public=True), reference=True)

    class Meta:
        verbose_name = "检索条目"
        verbose_name_plural = "检索条目"
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.title}"


class SearchToken(models.Model):
    """检索词元 — a CJK character bigram or a whole ASCII token of an entry."""

    token = models.CharField("词元", max_length=64)
    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="tokens", db_constraint=True)

    scope = Scope()

    class Meta:
        verbose_name = "检索词元"
        verbose_name_plural = "检索词元"
        constraints = [models.UniqueConstraint(fields=["token", "entry"], name="search_token_unique")]

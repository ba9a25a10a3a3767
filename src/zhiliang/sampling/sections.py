"""The sampling app's additions to shared pages: the "抽查记录" section of the enterprise page
(``core.sections``) and the sampling entries of the staff menu and the public header
(``core.navigation``).

Staff see the enterprise's samples within their own scope (``restrict(Sample, user)``: their
county's or department's work, and what is published); the public page shows only published
results (``restrict(Sample, None)``: samples of a published bulletin), and only
``Sample.public_fields``."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhiliang.core.sections import Section, register_section

#: rows shown in the section (the newest); the count says how many there are in all
SECTION_LIMIT = 50


def enterprise_samples(enterprise, user, public):
    """Samples where the enterprise is the producer or the sampled unit, as ``user`` may see them."""
    from zhiliang.core.permissions import restrict

    from . import rules
    from .choices import Conclusion
    from .models import Sample

    qs = restrict(Sample.objects.all(), None if public else user).filter(
        Q(producer=enterprise) | Q(sampled_unit=enterprise)
    )
    if public:
        qs = qs.select_related("region", "bulletin").only(
            *[f for f in Sample.public_fields if f != "region"], "region__name", "bulletin__id", "bulletin__title",
            "bulletin__status", "place", "producer_id", "sampled_unit_id",
        )
    else:
        qs = qs.select_related("region", "bulletin", "plan", "lab")
    qs = qs.order_by("-sampled_on", "-pk")
    counts = qs.order_by().aggregate(
        tested=_count(~Q(conclusion="")), failed=_count(Q(conclusion=Conclusion.FAIL)), total=_count(Q()),
    )
    if not counts["total"]:
        return None
    rows = list(qs[:SECTION_LIMIT])
    for s in rows:
        s.failing_text = failing_text(s.failing_items)
    return {
        "samples": rows,
        "total": counts["total"],
        "tested": counts["tested"],
        "failed": counts["failed"],
        "rate": rules.pass_rate(counts["tested"] - counts["failed"], counts["tested"]),
        "limited": counts["total"] > len(rows),
    }


def _count(q):
    from django.db.models import Count

    return Count("pk", filter=q)


def failing_text(items) -> str:
    """The failing items of a sample as one line (名称 or {name: …} entries)."""
    names = []
    for item in items or []:
        if isinstance(item, dict):
            item = item.get("name") or item.get("item") or ""
        if item:
            names.append(str(item))
    return "、".join(names)


def register() -> None:
    register_section("enterprise", Section("samples", _("抽查记录"), 40, "sampling/public/section_samples.html",
                                           enterprise_samples, public=True))


def register_menu() -> None:
    """The staff menu's sampling entries and the public header's link (call from ``apps.ready``)."""
    from zhiliang.core.navigation import MenuItem, register as register_staff, register_public

    group = _("监督抽查")
    register_staff(MenuItem(_("抽查计划"), "sampling:plan-list", "sampling.view_samplingplan", group=group, order=200))
    register_staff(MenuItem(_("抽查任务"), "sampling:task-list", "sampling.view_samplingtask", group=group, order=210))
    # labs see the samples sent to them; enterprise accounts are taken to their own results
    register_staff(MenuItem(_("样品与检验"), "sampling:sample-list", "sampling.view_sample", group=group, order=220))
    register_staff(MenuItem(_("逾期事项"), "sampling:overdue", "sampling.change_rectification", group=group, order=230))
    register_staff(MenuItem(_("结果公告"), "sampling:bulletin-list", "sampling.change_bulletin", group=group, order=240))
    register_staff(MenuItem(_("导入结果核对"), "sampling:import-review", "sampling.change_samplingplan", group=group, order=250))
    register_staff(MenuItem(_("合格率统计"), "sampling-public:stats", "sampling.view_samplingplan", group=group, order=260))
    register_staff(MenuItem(_("县市区排名"), "sampling-public:stats-ranking", "sampling.view_samplingplan", group=group, order=261))
    register_public(MenuItem(_("监督抽查"), "sampling-public:index", order=20))

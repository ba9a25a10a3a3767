"""The sampling app's searchable kinds (``core.search``): sampling plans (抽查计划) and result
bulletins (抽查结果公告).  Published ones are public entries (the one-stop public search finds
them); drafts are indexed as non-public entries, found only by the staff who may see them.

The services keep the index current, inside their transaction::

    search.index_object(PLAN_KIND, plan)          # plans.create_plan/update_plan/approve/publish/close
    search.index_object(BULLETIN_KIND, bulletin)  # bulletins.create_bulletin/publish_bulletin

``zhiliang search reindex`` rebuilds both from the registered querysets."""

from __future__ import annotations

from zhiliang.core import search

PLAN_KIND = "sampling_plan"
BULLETIN_KIND = "sampling_bulletin"
#: a bulletin's entry names at most this many products and producers
BULLETIN_TEXT_SAMPLES = 300


def plan_document(plan) -> search.Document:
    from .models import PUBLISHED_PLAN_STATUSES

    categories = [c.name for c in plan.categories.all()] if plan.pk else []
    parts = [plan.code, str(plan.year), f"{plan.year}年", plan.get_level_display(), plan.get_kind_display(),
             plan.organiser_name, plan.region.name if plan.region_id else "", plan.department.name if plan.department_id else "",
             *categories, plan.description[:500]]
    return search.Document(
        title=plan.title,
        text=" ".join(p for p in parts if p),
        region_id=plan.region_id,
        is_public=plan.status in PUBLISHED_PLAN_STATUSES,
        rank=plan.year,
    )


def bulletin_document(bulletin) -> search.Document:
    from .choices import BulletinStatus

    plan = bulletin.plan
    parts = [bulletin.number, plan.title, plan.get_level_display(), str(plan.year), plan.organiser_name,
             plan.region.name if plan.region_id else ""]
    if bulletin.pk:
        for product, producer in bulletin.samples.order_by("pk").values_list("product_name", "producer_name")[:BULLETIN_TEXT_SAMPLES]:
            parts += [product, producer]
    return search.Document(
        title=bulletin.title,
        text=" ".join(dict.fromkeys(p for p in parts if p)),
        region_id=bulletin.plan.region_id,
        is_public=bulletin.status == BulletinStatus.PUBLISHED,
        rank=bulletin.plan.year,
    )


def register() -> None:
    from .models import Bulletin, SamplingPlan

    search.register_kind(PLAN_KIND, model=SamplingPlan, label="抽查计划", document=plan_document,
                         queryset=lambda: SamplingPlan.objects.select_related("region", "department").prefetch_related("categories"),
                         url_name="sampling:plan-detail", public_url_name="sampling-public:plan-detail")
    search.register_kind(BULLETIN_KIND, model=Bulletin, label="抽查结果公告", document=bulletin_document,
                         queryset=lambda: Bulletin.objects.select_related("plan", "plan__region"),
                         url_name="sampling:bulletin-detail", public_url_name="sampling-public:bulletin-detail")

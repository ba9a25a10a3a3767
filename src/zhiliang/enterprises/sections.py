"""The registry's own sections of the enterprise page (core.sections): basic facts,
products, licences.  Later apps register theirs (samples, credit, complaints …)."""

from django.utils.translation import gettext_lazy as _

from zhiliang.core.sections import Section, register_section


def basic_facts(enterprise, user, public):
    """Public: only ``Enterprise.public_fields`` (no personal data, not even masked).
    Staff: also the masked personal fields, with the reveal button (``selectors.may_reveal``)."""
    from zhiliang.core.audit import mask_value

    from .models import Enterprise
    from .selectors import may_reveal

    context = {"public_fields": Enterprise.public_fields}
    if not public:
        context.update(
            identifiers=[i for i in enterprise.identifiers.all() if i.value != enterprise.uscc],
            show_personal=True,
            can_reveal=may_reveal(enterprise, user),
            model_label=Enterprise._meta.label_lower,
            masked={f: mask_value(getattr(enterprise, f)) for f in Enterprise.personal_fields},
            categories=list(enterprise.categories.order_by("sort_order")),
        )
    return context


def products(enterprise, user, public):
    rows = list(enterprise.products.select_related("category").order_by("category__sort_order", "name")[:200])
    return {"products": rows} if rows else None


def licences(enterprise, user, public):
    from django.utils import timezone

    rows = list(enterprise.licences.prefetch_related("categories").order_by("kind", "number"))
    return {"licences": rows, "today": timezone.localdate()} if rows else None


def register() -> None:
    register_section("enterprise", Section("basic", _("基本信息"), 10, "enterprises/sections/basic.html", basic_facts, public=True))
    register_section("enterprise", Section("products", _("产品"), 20, "enterprises/sections/products.html", products, public=True))
    register_section("enterprise", Section("licences", _("许可证书"), 30, "enterprises/sections/licences.html", licences, public=True))

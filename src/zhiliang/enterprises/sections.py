"""The registry's own sections of the enterprise page (core.sections): basic facts,
products, licences.  Later apps register theirs (samples, credit, complaints …)."""

from django.utils.translation import gettext_lazy as _

from zhiliang.core.permissions import has_perm
from zhiliang.core.sections import Section, register_section


def basic_facts(enterprise, user, public):
    from .models import Enterprise

    show_personal = not public and has_perm(user, "core.view_personal_data")
    return {"show_personal": show_personal, "public_fields": Enterprise.public_fields}


def products(enterprise, user, public):
    rows = list(enterprise.products.select_related("category").order_by("category__sort_order", "name")[:200])
    return {"products": rows} if rows else None


def licences(enterprise, user, public):
    rows = list(enterprise.licences.order_by("kind", "number"))
    return {"licences": rows} if rows else None


def register() -> None:
    register_section("enterprise", Section("basic", _("基本信息"), 10, "enterprises/sections/basic.html", basic_facts, public=True))
    register_section("enterprise", Section("products", _("产品"), 20, "enterprises/sections/products.html", products, public=True))
    register_section("enterprise", Section("licences", _("许可证书"), 30, "enterprises/sections/licences.html", licences, public=True))

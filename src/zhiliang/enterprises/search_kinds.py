"""The registry's searchable kinds: enterprises, products, testing agencies."""

from zhiliang.core import search


def enterprise_document(enterprise):
    parts = [enterprise.uscc or "", *enterprise.former_names, enterprise.address, enterprise.legal_rep_name]
    parts += [i.value for i in enterprise.identifiers.all()] if enterprise.pk else []
    return search.Document(
        title=enterprise.name,
        text=" ".join(p for p in parts if p),
        region_id=enterprise.region_id,
        is_public=True,
        rank=10 if enterprise.status == "active" else 0,
    )


def product_document(product):
    return search.Document(
        title=str(product),
        text=" ".join([product.enterprise.name, product.model, product.gtin, *product.standards]),
        region_id=product.region_id,
        is_public=True,
    )


def agency_document(agency):
    return search.Document(title=agency.name, text=" ".join(filter(None, [agency.uscc, agency.cma_number, agency.address])),
                           region_id=agency.region_id, is_public=agency.is_active)


def register() -> None:
    from .models import Enterprise, Product, TestingAgency

    search.register_kind("enterprise", model=Enterprise, label="企业", document=enterprise_document,
                         queryset=lambda: Enterprise.objects.prefetch_related("identifiers"),
                         url_name="enterprises:enterprise-detail", public_url_name="enterprises:public-enterprise")
    search.register_kind("product", model=Product, label="产品", document=product_document,
                         queryset=lambda: Product.objects.select_related("enterprise"), url_name="enterprises:product-detail")
    search.register_kind("agency", model=TestingAgency, label="检验检测机构", document=agency_document,
                         url_name="enterprises:agency-detail")

"""The enterprise registry: market entities, their products, licences, the product
category tree, testing agencies, inspectors and conflicts of interest.

Every later capability points at these rows; the registry imports none of the
apps that use it (they add enterprise-page sections and search kinds instead).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhiliang.core.identity import IdentifierBase
from zhiliang.core.models import DomainModel
from zhiliang.core.permissions import Scope

from .choices import (
    CategoryKind,
    EnterpriseStatus,
    EntityType,
    LEGAL_REP_TITLES,
    IdType,
    LicenceKind,
    LicenceStatus,
    Scale,
)
from .industries import industry_label

#: county staff maintain their county's registry facts; department staff (the plan's
#: 责任单位, e.g. the market-supervision bureau importing a department's list) the city's
STAFF_EDIT = {"county_staff": ("view", "add", "change"), "department_staff": ("view", "add", "change")}


class ProductCategory(DomainModel):
    """产品类别 — a tree holding the seed's 5 key fields (§四) and 10 key product
    categories (§三(四)1); extensible.  A category may require licences or
    certificates (``licence_kinds``) for the market-access checks."""

    code = models.SlugField("类别代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)
    parent = models.ForeignKey("self", verbose_name="上级类别", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    kind = models.CharField("类型", max_length=12, choices=CategoryKind.choices, default=CategoryKind.CATEGORY)
    is_key_category = models.BooleanField("十类重点消费品", default=False, help_text="纲要§三(四)1 所列10类重点产品")
    is_key_field = models.BooleanField("五个重点领域", default=False, help_text="纲要§四 所列重点领域")
    is_food = models.BooleanField("食品类", default=False, help_text="复检等规则按食品适用（如 7 个工作日）")
    licence_kinds = models.JSONField("准入要求", default=list, blank=True, help_text="生产许可、CCC 认证等")
    sort_order = models.PositiveIntegerField("排序", default=0)

    scope = Scope(reference=True, public=Q())

    class Meta:
        verbose_name = "产品类别"
        verbose_name_plural = "产品类别"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def licence_labels(self) -> list[str]:
        return [LicenceKind(k).label for k in self.licence_kinds if k in LicenceKind.values]

    def descendant_ids(self) -> list[int]:
        ids, frontier = {self.pk}, [self.pk]
        while frontier:
            frontier = list(ProductCategory.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            ids.update(frontier)
        return sorted(ids)


class Enterprise(DomainModel):
    """市场主体 — an enterprise (or individual business) keyed by its 统一社会信用代码
    where it has one.  ``region`` is where it operates (proposed from the address or
    the USCC's registering authority and confirmed by staff), not the division
    code inside the USCC.  Basic registration facts are public; the legal
    representative's ID number and personal phone numbers are masked."""

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True, null=True, blank=True)
    name = models.CharField("名称", max_length=150, db_index=True)
    former_names = models.JSONField("曾用名", default=list, blank=True)
    entity_type = models.CharField("主体类型", max_length=16, choices=EntityType.choices, default=EntityType.LIMITED)
    legal_rep_name = models.CharField("法定代表人", max_length=60, blank=True)
    legal_rep_id_type = models.CharField("法定代表人证件类型", max_length=16, choices=IdType.choices, default=IdType.RESIDENT_ID, blank=True)
    legal_rep_id_number = models.CharField("法定代表人证件号码", max_length=30, blank=True)
    region = models.ForeignKey("core.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="enterprises")
    address = models.CharField("住所（经营场所）", max_length=200, blank=True)
    industry_code = models.CharField(
        "行业代码", max_length=5, blank=True, validators=[RegexValidator(r"^[A-T](\d{2}|\d{3}|\d{4})?$", "行业代码应为 GB/T 4754 门类字母加 2–4 位数字，如 C3670")]
    )
    registered_capital = models.DecimalField("注册资本（万元）", max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)])
    established_on = models.DateField("成立日期", null=True, blank=True)
    status = models.CharField("登记状态", max_length=12, choices=EnterpriseStatus.choices, default=EnterpriseStatus.ACTIVE, db_index=True)
    scale = models.CharField("企业规模", max_length=8, choices=Scale.choices, blank=True)
    chief_quality_officer = models.CharField("首席质量官", max_length=60, blank=True, help_text="纲要§三(二)1")
    cqo_phone = models.CharField("首席质量官电话", max_length=20, blank=True)
    liability_insured = models.BooleanField("投保产品质量安全责任保险", default=False, help_text="纲要§五(三)")
    insurance_until = models.DateField("保险有效期至", null=True, blank=True)
    categories = models.ManyToManyField(ProductCategory, verbose_name="主要产品类别", blank=True, related_name="enterprises")

    personal_fields = ("legal_rep_id_number", "cqo_phone")
    #: what the public pages may show
    public_fields = ("uscc", "name", "former_names", "entity_type", "legal_rep_name", "region", "address", "industry_code",
                     "registered_capital", "established_on", "status", "scale", "liability_insured", "insurance_until")
    scope = Scope(region="region", public=Q(), roles=STAFF_EDIT)

    class Meta:
        verbose_name = "企业"
        verbose_name_plural = "企业"
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["region", "status"], name="enterprise_region_status")]
        constraints = [
            models.CheckConstraint(condition=Q(insurance_until__isnull=True) | Q(liability_insured=True), name="enterprise_insurance_needs_insured"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        """The public page: every account, the enterprise's own included, may open it."""
        from django.urls import reverse

        return reverse("enterprises:public-enterprise", args=[self.pk])

    @property
    def legal_rep_title(self) -> str:
        """法定代表人, or what the licence of this entity type names instead (执行事务合伙人 …)."""
        return LEGAL_REP_TITLES.get(self.entity_type, _("法定代表人"))

    @property
    def industry_label(self) -> str:
        return industry_label(self.industry_code)

    @property
    def search_key(self) -> str:
        """The key events and other apps use for this enterprise (``DomainEvent.enterprise_key``)."""
        return self.uscc or f"enterprise:{self.pk}"


class EnterpriseIdentifier(IdentifierBase):
    """企业标识 — legacy and foreign numbers of an enterprise (工商注册号, 组织机构代码 …)."""

    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.CASCADE, related_name="identifiers")

    scope = Scope(region="enterprise__region", public=Q(), roles=STAFF_EDIT)

    class Meta(IdentifierBase.Meta):
        verbose_name = "企业标识"
        verbose_name_plural = "企业标识"
        constraints = IdentifierBase.constraints_for("enterprise", "enterprise_identifier")


class Product(DomainModel):
    """产品 — a product of an enterprise: category, brand, name, specification/model,
    the standards applied, an optional GTIN/barcode."""

    enterprise = models.ForeignKey(Enterprise, verbose_name="生产企业", on_delete=models.PROTECT, related_name="products")
    region = models.ForeignKey("core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+", editable=False)
    category = models.ForeignKey(ProductCategory, verbose_name="产品类别", on_delete=models.PROTECT, related_name="products")
    brand = models.CharField("商标（品牌）", max_length=60, blank=True)
    name = models.CharField("产品名称", max_length=120)
    model = models.CharField("规格型号", max_length=120, blank=True)
    standards = models.JSONField("执行标准", default=list, blank=True, help_text="如 GB 5749-2022、Q/SYDF 001-2024")
    gtin = models.CharField("商品条码（GTIN）", max_length=14, blank=True, db_index=True)

    scope = Scope(region="region", public=Q(), roles=STAFF_EDIT)

    class Meta:
        verbose_name = "产品"
        verbose_name_plural = "产品"
        ordering = ["enterprise_id", "name", "model"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "name", "brand", "model"], name="product_unique_per_enterprise")]

    def __str__(self) -> str:
        return " ".join(p for p in (self.brand, self.name, self.model) if p)


class Licence(DomainModel):
    """许可证书 — a production licence, CCC certificate or SC food licence held by an
    enterprise: number, scope, validity (the registry of market access, §三(六)1)."""

    enterprise = models.ForeignKey(Enterprise, verbose_name="持证企业", on_delete=models.PROTECT, related_name="licences")
    region = models.ForeignKey("core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+", editable=False)
    kind = models.CharField("证书类型", max_length=16, choices=LicenceKind.choices)
    number = models.CharField("证书编号", max_length=60)
    scope_text = models.CharField("许可范围", max_length=255, blank=True)
    categories = models.ManyToManyField(ProductCategory, verbose_name="覆盖产品类别", blank=True, related_name="licences")
    issuer = models.CharField("发证机关", max_length=100, blank=True)
    issued_on = models.DateField("发证日期", null=True, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=LicenceStatus.choices, default=LicenceStatus.VALID)

    scope = Scope(region="region", public=Q(), roles=STAFF_EDIT)

    class Meta:
        verbose_name = "许可证书"
        verbose_name_plural = "许可证书"
        ordering = ["enterprise_id", "kind", "number"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="licence_unique_number"),
            models.CheckConstraint(condition=Q(valid_until__isnull=True) | Q(issued_on__isnull=True) | Q(valid_until__gte=models.F("issued_on")), name="licence_valid_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def in_force_on(self, day) -> bool:
        return self.status == LicenceStatus.VALID and (self.valid_until is None or self.valid_until >= day)


class TestingAgency(DomainModel):
    """检验检测机构 — a laboratory with its CMA accreditation (number, scope by
    product category, validity), region and capacity.  Lab accounts are
    memberships bound to an agency."""

    name = models.CharField("名称", max_length=150)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True, null=True, blank=True)
    cma_number = models.CharField("CMA 资质认定证书编号", max_length=30, unique=True)
    cma_valid_until = models.DateField("资质有效期至", null=True, blank=True)
    categories = models.ManyToManyField(ProductCategory, verbose_name="资质认定范围（产品类别）", blank=True, related_name="agencies")
    region = models.ForeignKey("core.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+")
    address = models.CharField("地址", max_length=200, blank=True)
    monthly_capacity = models.PositiveIntegerField("月检测能力（批次）", default=100)
    is_active = models.BooleanField("在用", default=True)

    scope = Scope(region="region", public=Q(), owner="id", roles={"lab": ("view",)})

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("enterprises:agency-detail", args=[self.pk])

    class Meta:
        verbose_name = "检验检测机构"
        verbose_name_plural = "检验检测机构"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Inspector(DomainModel):
    """执法检查人员 — a member of the 执法检查人员名录库: department, region,
    qualifications, optionally the user account they sign in with."""

    name = models.CharField("姓名", max_length=60)
    department = models.ForeignKey("core.Department", verbose_name="所属部门", on_delete=models.PROTECT, related_name="inspectors")
    region = models.ForeignKey("core.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+")
    certificate_number = models.CharField("执法证号", max_length=30, unique=True)
    qualifications = models.JSONField("资格", default=list, blank=True)
    categories = models.ManyToManyField(ProductCategory, verbose_name="熟悉的产品类别", blank=True, related_name="inspectors")
    phone = models.CharField("联系电话", max_length=20, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="用户账号", null=True, blank=True, on_delete=models.SET_NULL, related_name="inspector")
    is_active = models.BooleanField("在岗", default=True)

    personal_fields = ("phone",)
    scope = Scope(region="region", department="department", roles={"county_staff": ("view",), "department_staff": ("view",)})

    class Meta:
        verbose_name = "执法检查人员"
        verbose_name_plural = "执法检查人员"
        ordering = ["region__sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class ConflictOfInterest(DomainModel):
    """利益冲突 — an agency or an inspector that must not be drawn for an enterprise
    (kinship, prior consulting, ownership …), with its period."""

    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.CASCADE, related_name="conflicts")
    region = models.ForeignKey("core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+", editable=False)
    agency = models.ForeignKey(TestingAgency, verbose_name="检验检测机构", null=True, blank=True, on_delete=models.CASCADE, related_name="conflicts")
    inspector = models.ForeignKey(Inspector, verbose_name="执法检查人员", null=True, blank=True, on_delete=models.CASCADE, related_name="conflicts")
    reason = models.CharField("原因", max_length=200)
    valid_from = models.DateField("起始日期", null=True, blank=True)
    valid_to = models.DateField("截止日期", null=True, blank=True)

    scope = Scope(region="region", roles={"county_staff": ("view", "add", "change"), "department_staff": ("view",)})

    class Meta:
        verbose_name = "利益冲突"
        verbose_name_plural = "利益冲突"
        ordering = ["enterprise_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(agency__isnull=False) & Q(inspector__isnull=True)) | (Q(agency__isnull=True) & Q(inspector__isnull=False)),
                name="conflict_one_party",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency or self.inspector} — {self.enterprise}"

"""The registry's API serializers.  They validate and present; they never save —
writes go through :mod:`zhiliang.enterprises.services` (see ``core/api/base.py``).

Personal data (``personal_fields``: the legal representative's ID number, the
chief quality officer's phone, an inspector's phone) is **always masked** here
(:func:`zhiliang.core.audit.mask_value`), whoever asks: staff with
``core.view_personal_data`` reveal a value one at a time on the web page,
where the viewing is logged.  Anonymous callers and enterprise accounts get
an enterprise's public facts only (``Enterprise.public_fields``); the other
fields are ``null``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from zhiliang.core.api.fields import CodeRelatedField
from zhiliang.core.audit import mask_value
from zhiliang.core.models import Department, Region, User
from zhiliang.core.permissions import is_staff_user, restrict

from ..choices import QualificationKind
from ..models import (
    ConflictOfInterest,
    Enterprise,
    EnterpriseIdentifier,
    Inspector,
    Licence,
    Product,
    ProductCategory,
    TestingAgency,
)

# --- fields ----------------------------------------------------------------------------------


class MaskedCharField(serializers.CharField):
    """A personal field: shown masked (all but the last few characters are ``*``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return mask_value(value)


def _region_field(**kwargs):
    return CodeRelatedField(slug_field="code", queryset=Region.objects.all(), help_text="区划代码，如 420302", **kwargs)


def _category_codes(**kwargs):
    kwargs.setdefault("help_text", "产品类别代码列表，如 [\"auto-parts\"]")
    return CodeRelatedField(slug_field="code", many=True, queryset=ProductCategory.objects.all(), required=False, **kwargs)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by id to a row the caller may see: others are “不存在” (no existence leak)."""

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        return restrict(queryset, getattr(request, "user", None), "view")


# --- product categories ----------------------------------------------------------------------


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductCategory
        fields = ("id", "code", "name")


class ProductCategorySerializer(serializers.ModelSerializer):
    parent = CodeRelatedField(slug_field="code", read_only=True, allow_null=True, help_text="上级类别代码")
    parent_name = serializers.CharField(source="parent.name", read_only=True, allow_null=True, default=None, help_text="上级类别名称")
    children = CategoryRefSerializer(many=True, read_only=True, help_text="直接下级类别")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, help_text="类型名称")
    licence_kinds = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="准入要求（证书类型代码）")
    licence_labels = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="准入要求（名称）")
    sort_order = serializers.IntegerField(read_only=True, help_text="排序")

    class Meta:
        model = ProductCategory
        fields = ("id", "code", "name", "parent", "parent_name", "children", "kind", "kind_label", "is_key_category", "is_key_field",
                  "is_food", "licence_kinds", "licence_labels", "sort_order")


# --- enterprises -----------------------------------------------------------------------------


class IdentifierSerializer(serializers.ModelSerializer):
    enterprise = serializers.PrimaryKeyRelatedField(read_only=True, help_text="企业编号")
    scheme_label = serializers.CharField(source="get_scheme_display", read_only=True, help_text="标识类型名称")

    class Meta:
        model = EnterpriseIdentifier
        fields = ("id", "enterprise", "scheme", "scheme_label", "value", "source", "created_at")


class IdentifierWriteSerializer(serializers.ModelSerializer):
    """Add a legacy or foreign number to an enterprise (``add_identifier``)."""

    enterprise = ScopedPrimaryKeyRelatedField(queryset=Enterprise.objects.all(), help_text="企业编号")

    class Meta:
        model = EnterpriseIdentifier
        fields = ("enterprise", "scheme", "value", "source")
        validators = ()  # uniqueness is the service's (full_clean), with its Chinese message


#: fields non-staff callers (anonymous, enterprise accounts) get as null
NON_PUBLIC_ENTERPRISE_FIELDS = ("legal_rep_id_type", "legal_rep_id_number", "chief_quality_officer", "cqo_phone", "categories")


class EnterpriseSerializer(serializers.ModelSerializer):
    region = CodeRelatedField(slug_field="code", read_only=True, help_text="所在区划代码")
    region_name = serializers.CharField(source="region.name", read_only=True, help_text="所在区划名称")
    entity_type_label = serializers.CharField(source="get_entity_type_display", read_only=True, help_text="主体类型名称")
    status_label = serializers.CharField(source="get_status_display", read_only=True, help_text="登记状态名称")
    scale_label = serializers.CharField(source="get_scale_display", read_only=True, help_text="企业规模名称")
    industry_label = serializers.CharField(read_only=True, help_text="行业名称（GB/T 4754）")
    former_names = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="曾用名")
    legal_rep_id_type = serializers.CharField(read_only=True, allow_null=True, help_text="法定代表人证件类型（非工作人员为 null）")
    legal_rep_id_number = MaskedCharField(help_text="法定代表人证件号码，已脱敏（非工作人员为 null）")
    chief_quality_officer = serializers.CharField(read_only=True, allow_null=True, help_text="首席质量官（非工作人员为 null）")
    cqo_phone = MaskedCharField(help_text="首席质量官电话，已脱敏（非工作人员为 null）")
    categories = CodeRelatedField(slug_field="code", many=True, read_only=True, allow_null=True,
                                              help_text="主要产品类别代码（非工作人员为 null）")
    identifiers = IdentifierSerializer(many=True, read_only=True, help_text="企业标识（统一社会信用代码、注册号、组织机构代码等）")

    class Meta:
        model = Enterprise
        fields = ("id", "uscc", "name", "former_names", "entity_type", "entity_type_label", "legal_rep_name", "legal_rep_id_type",
                  "legal_rep_id_number", "region", "region_name", "address", "industry_code", "industry_label", "registered_capital",
                  "established_on", "status", "status_label", "scale", "scale_label", "chief_quality_officer", "cqo_phone",
                  "liability_insured", "insurance_until", "categories", "identifiers", "created_at", "updated_at")

    def _is_staff(self) -> bool:
        cached = self.context.get("_zl_is_staff")
        if cached is None:
            request = self.context.get("request")
            user = getattr(request, "user", None)
            cached = bool(user is not None and user.is_authenticated and (user.is_superuser or is_staff_user(user)))
            self.context["_zl_is_staff"] = cached
        return cached

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self._is_staff():
            for name in NON_PUBLIC_ENTERPRISE_FIELDS:
                data[name] = None
        return data


class EnterpriseWriteSerializer(serializers.ModelSerializer):
    """What is accepted on create (``create_enterprise``) and ``PATCH`` (``update_enterprise``).

    The USCC is checked by the service (length, alphabet, check character — a
    bad one names the expected check character); it cannot change once set."""

    uscc = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=40,
                                 help_text="统一社会信用代码（18 位）；无代码的主体留空")
    region = _region_field()
    categories = _category_codes()
    registered_capital = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True,
                                                  help_text="注册资本（万元）")

    class Meta:
        model = Enterprise
        fields = ("uscc", "name", "entity_type", "legal_rep_name", "legal_rep_id_type", "legal_rep_id_number", "region", "address",
                  "industry_code", "registered_capital", "established_on", "status", "scale", "chief_quality_officer", "cqo_phone",
                  "liability_insured", "insurance_until", "categories")


# --- products and licences -------------------------------------------------------------------


class ProductSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, help_text="生产企业名称")
    enterprise_uscc = serializers.CharField(source="enterprise.uscc", read_only=True, allow_null=True, help_text="生产企业统一社会信用代码")
    region = CodeRelatedField(slug_field="code", read_only=True, help_text="区划代码（随企业）")
    category = CodeRelatedField(slug_field="code", read_only=True, help_text="产品类别代码")
    category_name = serializers.CharField(source="category.name", read_only=True, help_text="产品类别名称")
    standards = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="执行标准")

    class Meta:
        model = Product
        fields = ("id", "enterprise", "enterprise_name", "enterprise_uscc", "region", "category", "category_name", "brand", "name",
                  "model", "standards", "gtin", "created_at", "updated_at")


class ProductWriteSerializer(serializers.ModelSerializer):
    enterprise = ScopedPrimaryKeyRelatedField(queryset=Enterprise.objects.all(), help_text="生产企业编号")
    category = CodeRelatedField(slug_field="code", queryset=ProductCategory.objects.all(), help_text="产品类别代码")
    standards = serializers.ListField(child=serializers.CharField(max_length=60), required=False, help_text="执行标准，如 [\"GB 5749-2022\"]")

    class Meta:
        model = Product
        fields = ("enterprise", "category", "brand", "name", "model", "standards", "gtin")
        validators = ()  # uniqueness is the service's (full_clean), with its Chinese message


class LicenceSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, help_text="持证企业名称")
    region = CodeRelatedField(slug_field="code", read_only=True, help_text="区划代码（随企业）")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, help_text="证书类型名称")
    status_label = serializers.CharField(source="get_status_display", read_only=True, help_text="状态名称")
    categories = CodeRelatedField(slug_field="code", many=True, read_only=True, help_text="覆盖产品类别代码")

    class Meta:
        model = Licence
        fields = ("id", "enterprise", "enterprise_name", "region", "kind", "kind_label", "number", "scope_text", "categories", "issuer",
                  "issued_on", "valid_until", "status", "status_label", "created_at", "updated_at")


class LicenceWriteSerializer(serializers.ModelSerializer):
    enterprise = ScopedPrimaryKeyRelatedField(queryset=Enterprise.objects.all(), help_text="持证企业编号")
    categories = _category_codes()

    class Meta:
        model = Licence
        fields = ("enterprise", "kind", "number", "scope_text", "categories", "issuer", "issued_on", "valid_until", "status")
        validators = ()  # uniqueness and the validity range are the service's (full_clean)


# --- testing agencies, inspectors, conflicts ------------------------------------------------


class TestingAgencySerializer(serializers.ModelSerializer):
    region = CodeRelatedField(slug_field="code", read_only=True, help_text="所在区划代码")
    categories = CodeRelatedField(slug_field="code", many=True, read_only=True, help_text="资质认定范围（产品类别代码）")
    monthly_capacity = serializers.IntegerField(read_only=True, help_text="月检测能力（批次）")

    class Meta:
        model = TestingAgency
        fields = ("id", "name", "uscc", "cma_number", "cma_valid_until", "categories", "region", "address", "monthly_capacity",
                  "is_active", "created_at", "updated_at")


class TestingAgencyWriteSerializer(serializers.ModelSerializer):
    uscc = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=40, help_text="统一社会信用代码（18 位）")
    region = _region_field()
    categories = _category_codes(help_text="资质认定范围（产品类别代码列表）")
    monthly_capacity = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, help_text="月检测能力（批次）")

    class Meta:
        model = TestingAgency
        fields = ("name", "uscc", "cma_number", "cma_valid_until", "categories", "region", "address", "monthly_capacity", "is_active")
        validators = ()


class InspectorSerializer(serializers.ModelSerializer):
    department = CodeRelatedField(slug_field="code", read_only=True, help_text="所属部门代码")
    department_name = serializers.CharField(source="department.name", read_only=True, help_text="所属部门名称")
    region = CodeRelatedField(slug_field="code", read_only=True, help_text="所属区划代码")
    qualifications = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="资格代码")
    qualification_labels = serializers.SerializerMethodField(help_text="资格名称")
    categories = CodeRelatedField(slug_field="code", many=True, read_only=True, help_text="熟悉的产品类别代码")
    phone = MaskedCharField(help_text="联系电话，已脱敏")
    user = CodeRelatedField(slug_field="username", read_only=True, allow_null=True, help_text="用户账号")

    class Meta:
        model = Inspector
        fields = ("id", "name", "department", "department_name", "region", "certificate_number", "qualifications",
                  "qualification_labels", "categories", "phone", "user", "is_active", "created_at", "updated_at")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_qualification_labels(self, obj) -> list[str]:
        labels = dict(QualificationKind.choices)
        return [str(labels.get(q, q)) for q in obj.qualifications or []]


class InspectorWriteSerializer(serializers.ModelSerializer):
    department = CodeRelatedField(slug_field="code", queryset=Department.objects.all(), help_text="所属部门代码")
    region = _region_field()
    qualifications = serializers.ListField(child=serializers.ChoiceField(choices=QualificationKind.choices), required=False,
                                           help_text="资格代码列表")
    categories = _category_codes(help_text="熟悉的产品类别代码列表")
    user = CodeRelatedField(slug_field="username", queryset=User.objects.all(), required=False, allow_null=True,
                                        help_text="用户账号（用户名）")

    class Meta:
        model = Inspector
        fields = ("name", "department", "region", "certificate_number", "qualifications", "categories", "phone", "user", "is_active")
        validators = ()


class ConflictSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, help_text="企业名称")
    region = CodeRelatedField(slug_field="code", read_only=True, help_text="区划代码（随企业）")
    agency_name = serializers.CharField(source="agency.name", read_only=True, allow_null=True, default=None, help_text="检验检测机构名称")
    inspector_name = serializers.CharField(source="inspector.name", read_only=True, allow_null=True, default=None, help_text="执法检查人员姓名")

    class Meta:
        model = ConflictOfInterest
        fields = ("id", "enterprise", "enterprise_name", "region", "agency", "agency_name", "inspector", "inspector_name", "reason",
                  "valid_from", "valid_to", "created_at")


class ConflictWriteSerializer(serializers.ModelSerializer):
    enterprise = ScopedPrimaryKeyRelatedField(queryset=Enterprise.objects.all(), help_text="企业编号")
    agency = ScopedPrimaryKeyRelatedField(queryset=TestingAgency.objects.all(), required=False, allow_null=True, help_text="检验检测机构编号")
    inspector = ScopedPrimaryKeyRelatedField(queryset=Inspector.objects.all(), required=False, allow_null=True, help_text="执法检查人员编号")

    class Meta:
        model = ConflictOfInterest
        fields = ("enterprise", "agency", "inspector", "reason", "valid_from", "valid_to")
        validators = ()

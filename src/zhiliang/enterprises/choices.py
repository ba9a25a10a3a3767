"""Enumerations of the registry, with their official Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EntityType(models.TextChoices):
    """市场主体类型."""

    LIMITED = "limited", _("有限责任公司")
    JOINT_STOCK = "joint_stock", _("股份有限公司")
    SOLE = "sole", _("个人独资企业")
    PARTNERSHIP = "partnership", _("合伙企业")
    INDIVIDUAL = "individual", _("个体工商户")
    COOPERATIVE = "cooperative", _("农民专业合作社")
    BRANCH = "branch", _("分公司")
    FOREIGN = "foreign", _("外商投资企业")
    OVERSEAS = "overseas", _("境外企业")
    OTHER = "other", _("其他")


#: who an entity type's licence names where a company's names its 法定代表人 (the SAMR licence
#: templates: 合伙企业 执行事务合伙人, 个人独资企业 投资人, 个体工商户 经营者, 分公司 负责人)
LEGAL_REP_TITLES = {
    EntityType.PARTNERSHIP: _("执行事务合伙人"),
    EntityType.SOLE: _("投资人"),
    EntityType.INDIVIDUAL: _("经营者"),
    EntityType.BRANCH: _("负责人"),
}


class EnterpriseStatus(models.TextChoices):
    """登记状态."""

    ACTIVE = "active", _("存续")
    SUSPENDED = "suspended", _("停业")
    MOVED_OUT = "moved_out", _("迁出")
    REVOKED = "revoked", _("吊销")
    CANCELLED = "cancelled", _("注销")


#: statuses in which an enterprise still operates (sampling pools draw only these)
OPERATING_STATUSES = (EnterpriseStatus.ACTIVE,)


class Scale(models.TextChoices):
    """企业规模 (统计上大中小微型企业划分办法)."""

    LARGE = "large", _("大型")
    MEDIUM = "medium", _("中型")
    SMALL = "small", _("小型")
    MICRO = "micro", _("微型")


class IdType(models.TextChoices):
    """证件类型."""

    RESIDENT_ID = "resident_id", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO = "hk_macao", _("港澳居民来往内地通行证")
    TAIWAN = "taiwan", _("台湾居民来往大陆通行证")
    OTHER = "other", _("其他")


class LicenceKind(models.TextChoices):
    """许可证书类型 — the registry of market access (seed §三(六)1)."""

    PRODUCTION = "production", _("工业产品生产许可证")
    CCC = "ccc", _("强制性产品认证（CCC）证书")
    SC = "sc", _("食品生产许可证（SC）")
    FOOD_BUSINESS = "food_business", _("食品经营许可证")
    HEALTH = "health", _("涉水产品卫生许可批件")
    OTHER = "other", _("其他许可")


class LicenceStatus(models.TextChoices):
    VALID = "valid", _("有效")
    SUSPENDED = "suspended", _("暂停")
    REVOKED = "revoked", _("撤销")
    CANCELLED = "cancelled", _("注销")


class CategoryKind(models.TextChoices):
    FIELD = "field", _("重点领域")
    CATEGORY = "category", _("产品类别")


class QualificationKind(models.TextChoices):
    """执法检查人员资格."""

    ENFORCEMENT = "enforcement", _("行政执法证")
    SAMPLING = "sampling", _("抽样人员资格")
    FOOD = "food", _("食品安全检查员")
    SPECIAL_EQUIPMENT = "special_equipment", _("特种设备检验员")

"""Enumerations of core, with their official Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """角色 — DESIGN.md §1. Each role is a Django group of the same name."""

    ENTERPRISE = "enterprise", _("企业")
    COUNTY_STAFF = "county_staff", _("县市区工作人员")
    DEPARTMENT_STAFF = "department_staff", _("部门工作人员")
    LAB = "lab", _("检验检测机构")
    CITY_ADMIN = "city_admin", _("市级管理员")
    AUDITOR = "auditor", _("审计监督人员")


class RegionLevel(models.TextChoices):
    NATION = "nation", _("国家")
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县市区")
    ZONE = "zone", _("功能区")
    OUTSIDE = "outside", _("市外")


class DepartmentKind(models.TextChoices):
    GOVERNMENT = "government", _("政府部门")
    COMMITTEE = "committee", _("议事协调机构")
    VERTICAL = "vertical", _("垂直管理机构")
    ASSOCIATION = "association", _("行业协会及社会组织")
    OTHER = "other", _("其他单位")


class ChangeAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    VIEW_PERSONAL = "view_personal", _("查看个人信息")


class ChangeSource(models.TextChoices):
    WEB = "web", _("网页")
    API = "api", _("接口")
    COMMAND = "command", _("命令")
    IMPORT = "import", _("导入")
    TASK = "task", _("后台任务")
    SYSTEM = "system", _("系统")
    TEST = "test", _("测试")


class IdentifierScheme(models.TextChoices):
    """标识类型 — the numbers by which an entity is known (CORE.md "Identity")."""

    USCC = "uscc", _("统一社会信用代码")
    REGNO = "regno", _("工商注册号")
    ORGCODE = "orgcode", _("组织机构代码")
    TAXNO = "taxno", _("税务登记号")
    SC = "sc", _("食品生产许可证编号")
    FOREIGN = "foreign", _("境外注册号")
    OTHER = "other", _("其他")

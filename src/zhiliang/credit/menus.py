"""The credit app's entries in the staff menu and the public header, in one place (called
from ``CreditConfig.ready``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from zhiliang.core.choices import Role

#: the staff roles that work on other enterprises' credit (not enterprise or lab accounts)
STAFF = (Role.COUNTY_STAFF, Role.DEPARTMENT_STAFF, Role.CITY_ADMIN, Role.AUDITOR)


def register() -> None:
    from zhiliang.core.navigation import MenuItem, register as staff, register_public

    group = _("质量信用")
    for label, url, permission, order, roles in (
        (_("企业信用查询"), "credit:staff-search", "credit.view_creditfact", 300, STAFF),
        (_("我的信用"), "credit:my-credit", None, 301, (Role.ENTERPRISE,)),
        (_("我的异议与修复"), "credit:my-disputes", None, 302, (Role.ENTERPRISE,)),
        (_("信用信息"), "credit:fact-list", "credit.view_creditfact", 305, STAFF),
        (_("主体匹配核对"), "credit:review-queue", "credit.change_creditfact", 310, None),
        (_("信用风险分类"), "credit:class-overview", "credit.view_riskassessment", 320, STAFF),
        (_("导入双公示数据"), "credit:fact-import", "credit.add_creditfact", 330, None),
        (_("联合奖惩任务"), "credit:case-inbox", "credit.view_measurecase", 340, STAFF),
        (_("奖惩措施目录"), "credit:measure-list", None, 345, STAFF),
        (_("联合奖惩统计"), "credit:case-statistics", "credit.view_measurecase", 350, STAFF),
        (_("信用信息异议"), "credit:objection-queue", "credit.change_factobjection", 360, None),
        (_("信用修复申请"), "credit:repair-queue", "credit.change_repairapplication", 361, None),
        (_("信用名单"), "credit:list-entry-list", "credit.view_listentry", 420, STAFF),
        (_("名单定期公布"), "credit:list-publication-list", "credit.view_listpublication", 425, None),
    ):
        staff(MenuItem(label, url, permission, group=group, order=order, roles=roles))
    register_public(MenuItem(_("信用查询"), "credit:public-search", order=30))
    register_public(MenuItem(_("失信名单"), "credit:public-list", order=40))
    register_public(MenuItem(_("联合奖惩措施"), "credit:public-measure-list", order=45))

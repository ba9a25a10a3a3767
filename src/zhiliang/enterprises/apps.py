from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "zhiliang.enterprises"
    label = "enterprises"
    verbose_name = "企业登记"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import demo, search_kinds, sections

        search_kinds.register()
        sections.register()
        demo.register()
        register_menu()


def register_menu() -> None:
    from django.utils.translation import gettext_lazy as _

    from zhiliang.core.navigation import MenuItem, register

    group = _("企业登记")
    register(MenuItem(_("数据看板"), "enterprises:dashboard", "enterprises.view_enterprise", order=10))
    register(MenuItem(_("企业"), "enterprises:enterprise-list", "enterprises.view_enterprise", group=group, order=100))
    register(MenuItem(_("检验检测机构"), "enterprises:agency-list", "enterprises.view_enterprise", group=group, order=120))
    register(MenuItem(_("执法检查人员"), "enterprises:inspector-list", "enterprises.view_inspector", group=group, order=130))

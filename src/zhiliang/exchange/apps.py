from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "zhiliang.exchange"
    label = "exchange"
    verbose_name = "数据交换"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from zhiliang.core.navigation import MenuItem, register

        from . import importing

        importing.autodiscover()
        register(MenuItem(_("数据导入"), "exchange:imports", "exchange.add_importjob", group=_("数据交换"), order=800))

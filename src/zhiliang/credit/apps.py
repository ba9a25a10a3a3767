from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "zhiliang.credit"
    label = "credit"
    verbose_name = "质量信用"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import classes, demo, handlers, menus, sections  # noqa: F401 — handlers registers the domain-event handlers
        from .services import lists, measures

        classes.register()  # class recomputation on fact events, the daily job, the sampling pools' provider
        lists.register()  # the daily automatic removal from the list
        measures.register()  # joint measures opened and closed on list and class events; their daily job
        sections.register()  # the "信用信息" section of the enterprise page
        menus.register()
        demo.register()  # the credit part of the demo data (after sampling)

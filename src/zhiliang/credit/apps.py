from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "zhiliang.credit"
    label = "credit"
    verbose_name = "质量信用"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import classes, handlers  # noqa: F401 — handlers registers the domain-event handlers
        from .services import disputes, lists, measures, reports

        classes.register()  # class recomputation on fact events, the daily job, the sampling pools' provider
        for part in (lists, measures, disputes, reports):
            part.register()

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "zhiliang.core"
    label = "core"
    verbose_name = "核心"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import audit, roles

        audit.connect_signals()
        post_migrate.connect(roles.sync_after_migrate, dispatch_uid="zhiliang-sync-roles")

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "zhiliang.core"
    label = "core"
    verbose_name = "核心"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import audit, roles, search

        audit.connect_signals()
        search.register_core_kinds()
        post_migrate.connect(search.index_core_after_migrate, sender=self, dispatch_uid="zhiliang-search-core-kinds")
        post_migrate.connect(roles.sync_after_migrate, dispatch_uid="zhiliang-sync-roles")

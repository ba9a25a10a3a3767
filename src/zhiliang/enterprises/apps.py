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

from django.apps import AppConfig


class SamplingConfig(AppConfig):
    name = "zhiliang.sampling"
    label = "sampling"
    verbose_name = "监督抽查"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import demo, search_kinds, sections

        search_kinds.register()
        sections.register()
        sections.register_menu()
        demo.register()

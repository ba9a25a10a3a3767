from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SamplingConfig(AppConfig):
    name = "zhiliang.sampling"
    label = "sampling"
    verbose_name = "监督抽查"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from zhiliang.core.daily import register_daily
        from zhiliang.core.models.audit import register_change_set_kind

        from . import demo, search_kinds, sections

        search_kinds.register()
        sections.register()
        sections.register_menu()
        demo.register()
        register_change_set_kind("sampling:draw", _("随机抽取抽查对象"))
        register_daily("sampling-finalise", "复检申请期限届满，确定不合格检验结论", finalise_results)


def finalise_results(*, actor, on) -> str:
    """The daily job: failing results whose objection window has ended become final."""
    from .services.samples import finalise_results as finalise

    done = finalise(actor=actor, on=on)
    return f"{len(done)} 批样品的不合格结论已确定" + (f"（{'、'.join(s.sample_no for s in done[:10])}{' 等' if len(done) > 10 else ''}）" if done else "")

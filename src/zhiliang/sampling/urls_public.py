"""The sampling app's public pages under /choucha/ (anonymous, throttled) and its staff
statistics pages under /staff/sampling/stats/ (namespace ``sampling-public``)."""

from django.urls import path

from . import views_public, views_stats

app_name = "sampling-public"

urlpatterns = [
    # public (监督抽查公开)
    path("choucha/", views_public.index, name="index"),
    path("choucha/plans/", views_public.plan_list, name="plan-list"),
    path("choucha/plans/<int:pk>/", views_public.plan_detail, name="plan-detail"),
    path("choucha/draws/", views_public.draw_list, name="draw-list"),
    path("choucha/draws/verify/", views_public.draw_howto, name="draw-howto"),
    path("choucha/draws/<int:pk>/", views_public.draw_detail, name="draw-detail"),
    path("choucha/draws/<int:pk>/pool/", views_public.draw_pool, name="draw-pool"),
    path("choucha/draws/<int:pk>/record.json", views_public.draw_record_json, name="draw-record"),
    path("choucha/bulletins/", views_public.bulletin_list, name="bulletin-list"),
    path("choucha/bulletins/<int:pk>/", views_public.bulletin_detail, name="bulletin-detail"),
    path("choucha/bulletins/<int:pk>/export.<str:fmt>", views_public.bulletin_export, name="bulletin-export"),
    path("choucha/pass-rate/", views_public.pass_rate, name="pass-rate"),
    # staff statistics (合格率统计、县市区排名)
    path("staff/sampling/stats/", views_stats.pass_rates, name="stats"),
    path("staff/sampling/stats/export.<str:fmt>", views_stats.pass_rates_export, name="stats-export"),
    path("staff/sampling/stats/ranking/", views_stats.ranking, name="stats-ranking"),
    path("staff/sampling/stats/ranking/export.<str:fmt>", views_stats.ranking_export, name="stats-ranking-export"),
]

"""The project's URLs. Each app's API routes join the one ``v1`` namespace under /api/v1/."""

from django.urls import include, path

from zhiliang.core.api.urls import urlpatterns as api_meta
from zhiliang.core.api.urls import v1_patterns as core_v1
from zhiliang.credit.api.urls import urlpatterns as credit_v1
from zhiliang.enterprises.api.urls import urlpatterns as enterprises_v1
from zhiliang.sampling.api.urls import urlpatterns as sampling_v1

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(([*core_v1, *enterprises_v1, *sampling_v1, *credit_v1], "v1"), namespace="v1")),
    path("api/", include(api_meta)),
    path("", include("zhiliang.enterprises.urls")),
    path("", include("zhiliang.exchange.urls")),
    path("", include("zhiliang.sampling.urls")),
    path("", include("zhiliang.sampling.urls_public")),
    path("", include("zhiliang.credit.urls")),
    path("", include("zhiliang.core.urls")),
]

handler400 = "zhiliang.core.views.bad_request"

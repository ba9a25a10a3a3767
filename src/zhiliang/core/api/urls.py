"""``/api/``: the versioned endpoints (``v1/``), the OpenAPI schema and its docs.

Other apps add their endpoints under ``/api/v1/`` from their own
``<app>/api/urls.py`` (included in ``zhiliang/urls.py`` next to this one).
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("rules", views.RuleViewSet, basename="rule")
router.register("rule-overrides", views.RuleOverrideViewSet, basename="rule-override")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("audit/changes", views.ObjectChangeViewSet, basename="object-change")
router.register("audit/change-sets", views.ChangeSetViewSet, basename="change-set")
router.register("events", views.DomainEventViewSet, basename="event")
router.register("tokens", views.APITokenViewSet, basename="token")

v1_patterns = [
    path("me/", views.MeView.as_view(), name="me"),
    *router.urls,
]

#: the schema and its docs; the project's urls.py mounts ``v1_patterns`` of every app under ``/api/v1/``
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

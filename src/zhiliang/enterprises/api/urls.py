"""The registry's endpoints under /api/v1/ (included by the project's urls.py in the ``v1`` namespace)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()  # core owns the API root view
router.register("categories", views.ProductCategoryViewSet, basename="category")
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register("identifiers", views.EnterpriseIdentifierViewSet, basename="identifier")
router.register("products", views.ProductViewSet, basename="product")
router.register("licences", views.LicenceViewSet, basename="licence")
router.register("agencies", views.TestingAgencyViewSet, basename="agency")
router.register("inspectors", views.InspectorViewSet, basename="inspector")
router.register("conflicts", views.ConflictOfInterestViewSet, basename="conflict")

urlpatterns = [*router.urls]

"""The registry's endpoints under /api/v1/ (included by core's API urls)."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()  # core owns the API root view

urlpatterns = [*router.urls]

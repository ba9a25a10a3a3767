"""The credit endpoints under /api/v1/credit/ (included by the project's urls.py in the ``v1``
namespace).  Each part of the app lists its routes in its own module."""

from rest_framework.routers import SimpleRouter

from . import disputes, facts, lists, measures

_PARTS = (facts, lists, measures, disputes)

router = SimpleRouter()  # core owns the API root view
for part in _PARTS:
    for prefix, viewset, basename in part.routes:
        router.register(prefix, viewset, basename=basename)

urlpatterns = [*router.urls, *(p for part in _PARTS for p in part.urlpatterns)]

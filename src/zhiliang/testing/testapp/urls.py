from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("records", views.RecordViewSet, basename="testapp-record-api")

urlpatterns = [
    path("testapp/records/", views.record_list, name="testapp-record-list"),
    path("testapp/records/<int:pk>/", views.record_detail, name="testapp-record-detail"),
    path("testapp/records/<int:pk>/edit/", views.record_edit, name="testapp-record-edit"),
    path("api/testapp/", include(router.urls)),
]

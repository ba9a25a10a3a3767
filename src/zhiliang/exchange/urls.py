from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("staff/imports/", views.imports, name="imports"),
    path("staff/imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("staff/imports/<int:pk>/status/", views.import_status, name="import-status"),
    path("staff/imports/template/<str:kind>.csv", views.import_template, name="import-template"),
]

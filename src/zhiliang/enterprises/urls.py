"""The registry's pages: the staff console under /staff/, the public enterprise page under /qiye/."""

from django.urls import path

from . import views

app_name = "enterprises"

urlpatterns = [
    # staff
    path("staff/enterprises/", views.enterprise_list, name="enterprise-list"),
    path("staff/enterprises/<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
    path("staff/enterprises/<int:pk>/edit/", views.enterprise_edit, name="enterprise-edit"),
    path("staff/enterprises/products/<int:pk>/", views.product_detail, name="product-detail"),
    path("staff/agencies/", views.agency_list, name="agency-list"),
    path("staff/agencies/<int:pk>/", views.agency_detail, name="agency-detail"),
    path("staff/inspectors/", views.inspector_list, name="inspector-list"),
    path("staff/inspectors/<int:pk>/", views.inspector_detail, name="inspector-detail"),
    path("staff/dashboard/", views.dashboard, name="dashboard"),
    # public
    path("qiye/<int:pk>/", views.public_enterprise, name="public-enterprise"),
]

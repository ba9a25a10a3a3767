from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    # public
    path("", views.public_home, name="public-home"),
    path("search/", views.public_search, name="public-search"),
    # accounts
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    # staff
    path("staff/", views.staff_home, name="staff-home"),
    path("staff/admin/rules/", views.rules_admin, name="rules"),
    path("staff/admin/rules/overrides/<int:pk>/remove/", views.rule_override_remove, name="rule-override-remove"),
    path("staff/admin/departments/", views.department_list, name="departments"),
    path("staff/admin/departments/<int:pk>/edit/", views.department_edit, name="department-edit"),
    path("staff/audit/", views.audit_list, name="audit"),
    path("staff/audit/<int:pk>/", views.audit_detail, name="audit-detail"),
    path("staff/audit/changesets/", views.changeset_list, name="changesets"),
    path("staff/audit/changesets/<int:pk>/", views.changeset_detail, name="changeset-detail"),
    path("staff/users/", views.user_list, name="users"),
    path("staff/users/<int:pk>/", views.user_detail, name="user-detail"),
    path("staff/reveal/<str:model>/<str:pk>/<str:field>/", views.reveal_personal, name="reveal"),
]

from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.public_home, name="public-home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("staff/", views.staff_home, name="staff-home"),
]

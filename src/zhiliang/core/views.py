from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render


def public_home(request):
    return render(request, "core/public_home.html")


@login_required
def staff_home(request):
    return render(request, "core/staff_home.html")


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"


class LogoutView(auth_views.LogoutView):
    pass


def rate_limited(request, exception=None):
    return HttpResponse("请求过于频繁，请稍后再试。Too many requests.", status=429)

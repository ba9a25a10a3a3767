"""URLs of the test settings: the project's, plus the test app's."""

from django.urls import include, path

from zhiliang.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("", include("zhiliang.testing.testapp.urls")), *project_urlpatterns]

handler400 = "zhiliang.core.views.bad_request"

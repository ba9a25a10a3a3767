"""The credit app's pages (namespace ``credit``): staff pages under /staff/credit/, public pages
under /xinyong/.  Each part of the app lists its paths in its own views module."""

from . import views_disputes, views_facts, views_lists, views_measures, views_query

app_name = "credit"

urlpatterns = [*views_query.urlpatterns, *views_lists.urlpatterns, *views_measures.urlpatterns, *views_disputes.urlpatterns, *views_facts.urlpatterns]

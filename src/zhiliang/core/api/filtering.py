"""The API's filter backend (``DEFAULT_FILTER_BACKENDS``; a module of its own: the REST
framework imports it while its own modules are loading)."""

from django_filters.rest_framework import DjangoFilterBackend


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, reading query parameters without NUL characters: a text
    filter's form field refuses them, and a filter value cannot mean anything with one, so
    ``?object_id=a%00b`` filters like ``?object_id=ab`` instead of failing the request."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        data = kwargs["data"]
        if any("\x00" in value for values in data.lists() for value in values[1]):
            cleaned = data.copy()
            for key, values in data.lists():
                cleaned.setlist(key, [value.replace("\x00", "") for value in values])
            kwargs["data"] = cleaned
        return kwargs

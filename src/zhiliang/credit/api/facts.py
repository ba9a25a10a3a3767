"""(being written)"""

#: (prefix under /api/v1/, viewset, basename) — registered by credit.api.urls
routes: list = []
#: plain paths (non-viewset endpoints), in the v1 namespace
urlpatterns: list = []

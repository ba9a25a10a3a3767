"""Staff pages of the sampling app under /staff/sampling/ (placeholder until written)."""

app_name = "sampling"
urlpatterns: list = []

"""The sampling API (placeholder until written)."""

urlpatterns: list = []

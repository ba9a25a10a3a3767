from django.apps import AppConfig


class TestAppConfig(AppConfig):
    """A small scoped domain installed only in the test settings: it exercises the
    permission machinery (region, department lineage, owner, public rows) and the
    generic test cases the way a real app uses them."""

    name = "zhiliang.testing.testapp"
    label = "testapp"
    verbose_name = "测试应用"

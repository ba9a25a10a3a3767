"""The generic permission cases, configured for the test app's scoped Record:
this proves the machinery and shows a later app how to use it."""

from zhiliang.core.audit import SYSTEM
from zhiliang.testing.cases import ScopedModelCases
from zhiliang.testing.fixtures import as_system, region
from zhiliang.testing.testapp import services
from zhiliang.testing.testapp.models import Record


class TestRecordPermissions(ScopedModelCases):
    model = Record
    list_url = "testapp-record-list"
    detail_url = "testapp-record-detail"
    edit_url = "testapp-record-edit"
    edit_data = {"title": "新标题"}
    api_list_url = "testapp-record-api-list"
    api_detail_url = "testapp-record-api-detail"
    api_patch_data = {"title": "接口改的标题"}

    def make_object(self):
        with as_system():
            return services.create_record(actor=SYSTEM, title="茅箭区记录", region=region("420302"))


class TestPublicRecordPermissions(TestRecordPermissions):
    """A published row: visible to everyone, still changeable only within scope (403 outside)."""

    def make_object(self):
        with as_system():
            return services.create_record(actor=SYSTEM, title="公开记录", region=region("420302"), published=True)

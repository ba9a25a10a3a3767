"""Generic permission test cases (STYLE.md §7, after NetBox's ViewTestCases).

An app's test only configures a subclass; every configured view and API
action then runs four ways:

* ``none`` — a signed-in user whose roles lack the model's permission;
* ``permitted`` — the permission, in a scope holding the object;
* ``constrained`` — the permission, in a scope that excludes the object
  (another department, another organisation …) — except rows the model shares
  with other departments (``Scope.shared``: read, not changed);
* ``other_region`` — the permission in another county: 404, never 403.

Expectations follow the model's :class:`~zhiliang.core.permissions.Scope`:
reference data and public rows are visible to all staff, so for them the
outsiders get 403 (not 404) when they try to change it.

Example::

    class TestRecordPermissions(ScopedModelCases):
        model = Record
        detail_url = "testapp-record-detail"
        edit_url = "testapp-record-edit"
        edit_data = {"title": "新标题"}
        api_detail_url = "testapp-record-detail-api"

        def make_object(self):
            return create_record(...)
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from zhiliang.core.choices import Role
from zhiliang.core.permissions import codename, has_perm, is_staff_user, public_q, scope_of

from .fixtures import make_user

WHO = ("none", "permitted", "constrained", "other_region")

#: every subclass, so the meta-test can tell which models are covered
REGISTRY: list[type] = []


class ScopedModelCases:
    model: ClassVar[type | None] = None
    #: where the object made by make_object() lives
    region_code: ClassVar[str] = "420302"
    permitted: ClassVar[dict[str, Any]] = {"role": Role.COUNTY_STAFF, "region_code": "420302"}
    constrained: ClassVar[dict[str, Any]] = {"role": Role.DEPARTMENT_STAFF, "region_code": "420300", "department_code": "sy-com"}
    other_region: ClassVar[dict[str, Any]] = {"role": Role.COUNTY_STAFF, "region_code": "420303"}
    none: ClassVar[dict[str, Any]] = {"role": Role.LAB, "region_code": "420302"}
    #: the organisation to bind ``none``/``constrained`` lab/enterprise users to (a callable or None)
    list_url: ClassVar[str | None] = None
    #: the list page's query string (a page showing the user's own records unless asked for all it may read)
    list_query: ClassVar[dict[str, str]] = {}
    detail_url: ClassVar[str | None] = None
    edit_url: ClassVar[str | None] = None
    edit_data: ClassVar[dict[str, Any]] = {}
    api_list_url: ClassVar[str | None] = None
    api_detail_url: ClassVar[str | None] = None
    api_patch_data: ClassVar[dict[str, Any]] = {}
    #: how the change shows on the object after a permitted edit: (attribute, value)
    changed: ClassVar[tuple[str, Any] | None] = None
    #: DELETE through the API detail URL is part of the model's API
    api_delete: ClassVar[bool] = False
    #: how detail URLs name the object: URL kwarg and the object's attribute
    url_kwarg: ClassVar[str] = "pk"
    lookup_field: ClassVar[str] = "pk"
    #: the key of a row in API list results that identifies the object
    api_result_key: ClassVar[str] = "id"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.model is None:
            return
        REGISTRY.append(cls)
        # only the configured actions become tests
        for attr, needs in {
            "test_list": "list_url",
            "test_detail": "detail_url",
            "test_edit": "edit_url",
            "test_api_list": "api_list_url",
            "test_api_detail": "api_detail_url",
            "test_api_patch": "api_detail_url",
            "test_api_delete": "api_detail_url",
        }.items():
            if (
                getattr(cls, needs) is None
                or (attr == "test_api_patch" and not cls.api_patch_data)
                or (attr == "test_api_delete" and not cls.api_delete)
            ):
                setattr(cls, attr, None)

    # --- to configure ---------------------------------------------------------------
    def make_object(self):
        raise NotImplementedError

    def organisation_for(self, who: str):
        """The organisation a ``who`` account is bound to, for enterprise/lab roles."""
        return None

    # --- machinery ---------------------------------------------------------------------
    def user(self, who: str):
        spec = dict(getattr(self, who))
        role = spec.pop("role")
        if role in (Role.ENTERPRISE, Role.LAB):
            # bound to the case's organisation, or unbound: a staff-side account acting for no one
            spec["organisation"] = self.organisation_for(who)
            spec.pop("region_code", None)
        return make_user(role, **spec)

    def visible_to_outsiders(self, obj) -> bool:
        scope = scope_of(self.model)
        if scope.reference:
            return True
        public = public_q(scope)
        if public is not None:
            return type(obj)._base_manager.filter(public, pk=obj.pk).exists()
        return False

    def shared_with(self, who: str, obj) -> bool:
        """A row other departments read (``Scope.shared``) and ``who`` the staff of another
        department (``constrained``, by default a city-wide department): read, never changed."""
        scope = scope_of(self.model)
        spec = getattr(self, who)
        if scope.shared is None or spec.get("role") != Role.DEPARTMENT_STAFF or not spec.get("department_code"):
            return False
        return type(obj)._base_manager.filter(scope.shared, pk=obj.pk).exists()

    def expected_view(self, who: str, obj) -> int:
        return 200 if who == "permitted" or self.visible_to_outsiders(obj) or self.shared_with(who, obj) else 404

    def expected_change(self, who: str, obj) -> int:
        if who == "permitted":
            return 200
        return 403 if self.visible_to_outsiders(obj) or self.shared_with(who, obj) else 404

    def key(self, obj):
        return getattr(obj, self.lookup_field)

    def detail(self, url_name, obj) -> str:
        return reverse(url_name, kwargs={self.url_kwarg: self.key(obj)})

    def client_for(self, who, client):
        client.force_login(self.user(who))
        return client

    def api_for(self, who):
        api = APIClient()
        api.force_authenticate(self.user(who))
        return api

    # --- the tests ------------------------------------------------------------------------
    def expected_page(self, who: str, user, obj) -> int:
        """Staff pages: reference/public rows are read by every staff user (others 403);
        work records by users whose scope holds them (404), users without the
        model's view permission get 403 at the page."""
        if who == "permitted" or self.shared_with(who, obj):
            return 200
        if self.visible_to_outsiders(obj):
            return 200 if is_staff_user(user) else 403
        return 404 if has_perm(user, codename(self.model, "view")) else 403

    @pytest.mark.parametrize("who", WHO)
    def test_detail(self, who, db, client):
        obj = self.make_object()
        user = self.user(who)
        client.force_login(user)
        response = client.get(self.detail(self.detail_url, obj))
        assert response.status_code == self.expected_page(who, user, obj), f"{who}: {response.status_code}"

    @pytest.mark.parametrize("who", WHO)
    def test_list(self, who, db, client):
        obj = self.make_object()
        user = self.user(who)
        client.force_login(user)
        response = client.get(reverse(self.list_url), self.list_query)
        scope = scope_of(self.model)
        open_page = scope.reference or scope.public is not None  # every staff user may list such a model
        if who != "permitted" and (not is_staff_user(user) if open_page else not has_perm(user, codename(self.model, "view"))):
            assert response.status_code == 403, f"{who}: {response.status_code}"
            return
        assert response.status_code == 200, f"{who}: {response.status_code}"
        listed = self.listed_ids(response)
        assert (obj.pk in listed) == (self.expected_view(who, obj) == 200), f"{who}: {listed}"

    def listed_ids(self, response) -> set:
        """Ids shown by a list view: the JSON ``results`` or the ``object_list`` in context."""
        if response.get("Content-Type", "").startswith("application/json"):
            return {row if not isinstance(row, dict) else row["id"] for row in response.json()["results"]}
        context = response.context or {}
        if "object_list" in context:
            rows = context["object_list"]
        elif "page" in context:  # a Paginator page
            rows = context["page"].object_list
        else:
            raise AssertionError("the list view exposes neither object_list nor page in its context")
        return {getattr(o, "pk", o) for o in rows}

    @pytest.mark.parametrize("who", WHO)
    def test_edit(self, who, db, client):
        obj = self.make_object()
        response = self.client_for(who, client).post(self.detail(self.edit_url, obj), self.edit_data)
        expected = self.expected_change(who, obj)
        if expected == 200:
            assert response.status_code in (200, 302), f"{who}: {response.status_code}"
            self.assert_changed(obj)
        else:
            assert response.status_code == expected, f"{who}: {response.status_code}"
            self.assert_unchanged(obj)

    @pytest.mark.parametrize("who", WHO)
    def test_api_detail(self, who, db):
        obj = self.make_object()
        response = self.api_for(who).get(self.detail(self.api_detail_url, obj))
        assert response.status_code == self.expected_view(who, obj), f"{who}: {response.status_code}"

    @pytest.mark.parametrize("who", WHO)
    def test_api_list(self, who, db):
        obj = self.make_object()
        response = self.api_for(who).get(reverse(self.api_list_url), {"page_size": 500})
        assert response.status_code == 200
        ids = {row[self.api_result_key] for row in response.json()["results"]}
        assert (self.key(obj) in ids) == (self.expected_view(who, obj) == 200), f"{who}"

    @pytest.mark.parametrize("who", WHO)
    def test_api_patch(self, who, db):
        obj = self.make_object()
        response = self.api_for(who).patch(self.detail(self.api_detail_url, obj), self.api_patch_data, format="json")
        expected = self.expected_change(who, obj)
        assert response.status_code == expected, f"{who}: {response.status_code} {getattr(response, 'data', '')}"
        if expected == 200:
            self.assert_changed(obj, self.api_patch_data)
        else:
            self.assert_unchanged(obj)

    @pytest.mark.parametrize("who", WHO)
    def test_api_delete(self, who, db):
        obj = self.make_object()
        response = self.api_for(who).delete(self.detail(self.api_detail_url, obj))
        expected = self.expected_change(who, obj)
        if expected == 200:
            assert response.status_code == 204, f"{who}: {response.status_code} {getattr(response, 'data', '')}"
            assert not type(obj)._base_manager.filter(pk=obj.pk).exists()
        else:
            assert response.status_code == expected, f"{who}: {response.status_code}"
            self.assert_unchanged(obj)

    def assert_changed(self, obj, data=None):
        data = data if data is not None else self.edit_data
        fresh = type(obj)._base_manager.get(pk=obj.pk)
        attr, value = self.changed or next(iter(data.items()))
        assert getattr(fresh, attr) == value

    def assert_unchanged(self, obj):
        fresh = type(obj)._base_manager.get(pk=obj.pk)
        for field in obj._meta.concrete_fields:
            if field.name != "updated_at":
                assert getattr(fresh, field.attname) == getattr(obj, field.attname), field.name

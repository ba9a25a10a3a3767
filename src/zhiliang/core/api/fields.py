"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

from rest_framework import serializers


class CodeRelatedField(serializers.SlugRelatedField):
    """A related row named by its code (区划代码, 部门代码, 类别代码 …). Text no database column
    can hold — a NUL character, which PostgreSQL refuses in a query (a 500) — names no row:
    the usual "does not exist" answer."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", "\\x00"))
        return super().to_internal_value(data)

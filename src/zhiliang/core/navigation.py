"""The staff menu: each entry shows only to users whose roles hold its permission."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .permissions import has_perm


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    permission: str | None = None

    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


MENU: list[MenuItem] = [
    MenuItem(_("工作台"), "core:staff-home"),
]


def register(item: MenuItem) -> None:
    if item not in MENU:
        MENU.append(item)


def menu_for(user) -> list[dict]:
    if user is None or not user.is_authenticated:
        return []
    return [
        {"label": item.label, "url": url}
        for item in MENU
        if (item.permission is None or has_perm(user, item.permission)) and (url := item.url())
    ]

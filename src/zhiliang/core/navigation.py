"""The staff menu: each entry shows only to users whose roles hold its permission.

An app adds its pages in its ``AppConfig.ready``::

    from zhiliang.core.navigation import MenuItem, register
    register(MenuItem(_("抽样样品"), "sampling:sample-list", "sampling.view_sample", group=_("监督抽查"), order=200))

``permission`` is checked with :func:`permissions.has_perm` (any of the user's
memberships); the page itself must still start from ``restrict``/``get_for_user``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .permissions import has_perm, memberships


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    permission: str | None = None
    #: heading the entry is listed under ("" = the top, ungrouped)
    group: str = ""
    #: position (lower first); core uses 0–99 and 900–999
    order: int = 500
    #: only for users holding a membership of one of these roles (e.g. an enterprise account's
    #: own pages); ``None`` = whoever has the permission
    roles: tuple[str, ...] | None = None

    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


MENU: list[MenuItem] = [
    MenuItem(_("工作台"), "core:staff-home", None, order=0),
    MenuItem(_("规则管理"), "core:rules", "core.change_ruleoverride", group=_("系统管理"), order=900),
    MenuItem(_("部门管理"), "core:departments", "core.change_department", group=_("系统管理"), order=910),
    MenuItem(_("用户"), "core:users", "core.view_user", group=_("系统管理"), order=920),
    MenuItem(_("变更记录"), "core:audit", "core.view_objectchange", group=_("审计监督"), order=950),
    MenuItem(_("变更集"), "core:changesets", "core.view_changeset", group=_("审计监督"), order=960),
]


#: links in the public site's header (no permission: everyone sees them)
PUBLIC_MENU: list[MenuItem] = [
    MenuItem(_("一站式查询"), "core:public-search", order=10),
]


def register_public(item: MenuItem) -> None:
    """Add a link to the public site's header (e.g. the portal's published lists)."""
    if item not in PUBLIC_MENU:
        PUBLIC_MENU.append(item)


def public_menu() -> list[dict]:
    return [
        {"label": item.label, "url": url}
        for item in sorted(PUBLIC_MENU, key=lambda i: (i.order, str(i.label)))
        if (url := item.url())
    ]


def register(item: MenuItem) -> None:
    """Add an entry (idempotent: the same entry registered twice shows once)."""
    if item not in MENU:
        MENU.append(item)


def menu_for(user, current_path: str | None = None) -> list[dict]:
    """The entries ``user`` may see, in order: ``label``, ``url``, ``group``, ``active``."""
    if user is None or not user.is_authenticated:
        return []
    entries = []
    held = {m.role.name for m in memberships(user)}
    for item in sorted(MENU, key=lambda i: (i.order, str(i.label))):
        if item.permission is not None and not has_perm(user, item.permission):
            continue
        if item.roles is not None and not held.intersection(item.roles):
            continue
        url = item.url()
        if not url:
            continue
        entries.append({"label": item.label, "url": url, "group": item.group, "active": False})
    # the active entry: the one whose address is the longest prefix of the current page's
    # (/staff/credit/lists/ is under 企业信用查询's /staff/credit/, but belongs to its own entry)
    home = reverse("core:staff-home")
    if current_path:
        matching = [e for e in entries if current_path == e["url"] or (e["url"] != home and current_path.startswith(e["url"]))]
        if matching:
            max(matching, key=lambda e: len(e["url"]))["active"] = True
    return entries


def grouped_menu(entries: list[dict]) -> list[tuple[str, list[dict]]]:
    """Consecutive entries with the same group, as (group, entries) pairs."""
    groups: list[tuple[str, list[dict]]] = []
    for entry in entries:
        if groups and str(groups[-1][0]) == str(entry["group"]):
            groups[-1][1].append(entry)
        else:
            groups.append((entry["group"], [entry]))
    return groups

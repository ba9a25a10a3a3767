"""The credit app's section of the enterprise page (``core.sections``): "信用信息" — the
counts of the enterprise's credit facts by kind as the viewer may see them, the lists in
force, and a link to the full credit page (staff: ``credit:enterprise-credit`` when the
enterprise is in their own scope; the public: ``credit:public-credit``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from zhiliang.core.sections import Section, register_section


def enterprise_credit(enterprise, user, public):
    """Counts per kind (one query) and the published list entries, through ``restrict``."""
    from django.db.models import Count

    from zhiliang.core.permissions import in_own_scope, is_staff_user, restrict

    from .choices import FactKind, ListEntryStatus
    from .models import CreditFact, ListEntry

    viewer = None if public else user
    counts = {row["kind"]: row["n"] for row in restrict(CreditFact.objects.filter(enterprise=enterprise), viewer, "view")
              .order_by().values("kind").annotate(n=Count("pk"))}
    listed = list(restrict(ListEntry.objects.filter(enterprise=enterprise, status=ListEntryStatus.PUBLISHED), viewer, "view")
                  .order_by("-published_on", "-pk")[:10])
    staff_link = (not public and user is not None and getattr(user, "is_authenticated", False)
                  and (user.is_superuser or is_staff_user(user)) and in_own_scope(enterprise, user))
    return {
        "kinds": [{"kind": k.value, "label": k.label, "count": counts[k.value]} for k in FactKind if counts.get(k.value)],
        "total": sum(counts.values()),
        "listed": listed,
        "staff_link": staff_link,
    }


def register() -> None:
    register_section("enterprise", Section("credit", _("信用信息"), 50, "credit/query/section_credit.html", enterprise_credit, public=True))

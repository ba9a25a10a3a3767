"""Read-side queries of credit facts (pure reads, permission-aware)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from zhiliang.core.permissions import restrict

from .choices import MatchStatus, PartyKind
from .models import CreditFact


def review_queue(user) -> QuerySet[CreditFact]:
    """Facts waiting for staff to tie them to an enterprise, within the user's scope: name-only
    candidates first (confirm or reject), then unmatched facts of organisations (tie by hand).
    Natural persons are never matched, so they are not queued."""
    qs = CreditFact.objects.filter(match_status__in=(MatchStatus.CANDIDATE, MatchStatus.UNMATCHED)).exclude(
        party_kind=PartyKind.NATURAL_PERSON
    )
    order = Case(When(match_status=MatchStatus.CANDIDATE, then=Value(0)), default=Value(1), output_field=IntegerField())
    return restrict(qs, user, "change").select_related("candidate", "source_department").order_by(order, "-first_seen_at", "-pk")


def facts_of(enterprise, user) -> QuerySet[CreditFact]:
    """Every fact of ``enterprise`` the user may see (staff: expired, revoked and non-public
    facts too, with their history; others: the public ones)."""
    return restrict(CreditFact.objects.filter(enterprise=enterprise), user, "view").select_related("source_department")


def public_facts_of(enterprise) -> QuerySet[CreditFact]:
    """The facts of ``enterprise`` anyone may read today (``models.public_facts``, through the
    one permission mechanism as the anonymous public)."""
    return restrict(CreditFact.objects.filter(enterprise=enterprise), None, "view").select_related("source_department")

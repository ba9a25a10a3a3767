"""信用报告 — the printable credit report of an enterprise, and the one-stop query's menu
entries and enterprise-page section.

* :func:`issue_report` — snapshot the credit profile as shown to an audience (public, staff,
  the enterprise itself), store it with the SHA-256 of its canonical JSON and a random
  verification code, and render the PDF (:mod:`zhiliang.credit.pdf`).  Event
  ``credit.report_issued`` ``{"report", "code", "audience", "digest", "enterprise"}``.
  The verification (a read) is ``selectors.verify_report``.
* :func:`register` — menu entries and the enterprise-page section (``CreditConfig.ready``).
"""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zhiliang.core.events import emit, service

from ..models import CreditReport
from ..selectors import CODE_ALPHABET, CODE_GROUP, CODE_LENGTH, digest_of, to_json

AUDIENCES = ("public", "staff", "enterprise")


def _new_code() -> str:
    """A random verification code, e.g. ``K7QM-2XHD-93PA-TRWE`` (16 characters of a 31-letter
    alphabet from ``secrets``: about 79 bits)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def _may_issue(enterprise, user, audience: str) -> bool:
    """Public reports: anyone.  Staff reports: staff whose own scope holds the enterprise.
    Enterprise reports: an account of that enterprise."""
    from zhiliang.core.permissions import in_own_scope, is_staff_user

    from ..selectors import profile_audience

    if audience == "public":
        return True
    if audience == "staff":
        return bool(user is not None and getattr(user, "is_authenticated", False)
                    and (user.is_superuser or is_staff_user(user)) and in_own_scope(enterprise, user))
    return profile_audience(enterprise, user, public=False) == "enterprise"


@service(event="credit.report_issued")
def issue_report(*, actor, enterprise, audience: str, verify_url: str = "") -> tuple[CreditReport, bytes]:
    """Issue a credit report of ``enterprise`` for ``audience`` (``public`` | ``staff`` |
    ``enterprise``) and return it with its PDF.  The snapshot is the profile exactly as that
    audience sees it (``selectors.credit_profile``): a public report holds no personal data."""
    from .. import pdf
    from ..selectors import credit_profile

    if audience not in AUDIENCES:
        raise ValidationError(f"报告版本“{audience}”无效，应为 {'、'.join(AUDIENCES)} 之一")
    if not _may_issue(enterprise, actor, audience):
        raise PermissionDenied(f"无权出具企业“{enterprise.name}”的{dict(CreditReport._meta.get_field('audience').choices)[audience]}信用报告")
    issued_at = timezone.now()
    profile = credit_profile(enterprise, None if audience == "public" else actor, public=audience == "public")
    snapshot = to_json({"title": "企业信用报告", "audience": audience, "issued_at": issued_at, **profile})
    code = _new_code()
    while CreditReport.objects.filter(code=code).exists():  # 79 bits: practically never
        code = _new_code()
    report = CreditReport.objects.create(
        enterprise=enterprise, region=enterprise.region, code=code, audience=audience, issued_at=issued_at,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None, digest=digest_of(snapshot), snapshot=snapshot,
    )
    emit("credit.report_issued", {"report": report.pk, "code": code, "audience": audience, "digest": report.digest,
                                  "enterprise": enterprise.search_key},
         subject=report, enterprise_key=enterprise.search_key, region=enterprise.region)
    return report, pdf.render_report(report, verify_url=verify_url)

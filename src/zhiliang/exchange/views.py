"""Staff pages of the data exchange: upload a file, watch its progress, read its report."""

from __future__ import annotations

import csv
import io

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from zhiliang.core.permissions import get_for_user, has_perm, restrict
from zhiliang.core.views import paginate, require_perm, web_context

from . import importing, services
from .choices import ImportKind
from .forms import ImportForm
from .jobs import progress_of
from .models import ImportJob


def _own_department(user) -> str:
    """The code of the department a department's staff member works for (the default source
    of the records they upload), else empty."""
    from zhiliang.core.permissions import memberships

    codes = {m.department.code for m in memberships(user) if m.department_id}
    return codes.pop() if len(codes) == 1 else ""


def submit_upload(request, form: ImportForm) -> ImportJob | None:
    """The import job of a valid upload ``form`` (the page then shows its report), or ``None``
    with the refusal added to the form — shared by this page and the apps' own upload pages."""
    kind = form.cleaned_data["kind"]
    upload = form.cleaned_data["file"]
    reason = form.cleaned_data["reason"] or _("导入%(kind)s：%(file)s") % {"kind": ImportKind(kind).label, "file": upload.name}
    try:
        with web_context(request, reason):
            return services.submit_import(
                actor=request.user, kind=kind, upload=upload, dry_run=form.cleaned_data["dry_run"],
                good_rows=form.cleaned_data["good_rows"], reason=reason, options=form.cleaned_data["options"],
            )
    except ValidationError as exc:
        for field, errors in getattr(exc, "error_dict", {None: exc.error_list}).items():
            form.add_error(field if field in form.fields else None, errors)
    return None


@require_perm("exchange.add_importjob")
def imports(request):
    """The import page: the upload form (the kinds the user may import) and the jobs the user may see."""
    form = ImportForm(request.POST or None, request.FILES or None, initial={"option_source": _own_department(request.user)}, user=request.user)
    if request.method == "POST" and form.is_valid():
        job = submit_upload(request, form)
        if job is not None:
            return redirect("exchange:import-detail", pk=job.pk)
    jobs = restrict(ImportJob.objects.select_related("user", "region"), request.user, "view")
    return render(request, "exchange/imports.html", {"form": form, "page": paginate(request, jobs), "kinds": form.fields["kind"].choices},
                  status=400 if request.method == "POST" else 200)


def _job_context(request, job: ImportJob) -> dict:
    report = job.report or {}
    return {
        "job": job,
        "progress": progress_of(job),
        "report": report,
        "counts": report.get("counts") or {},
        "can_see_change_set": has_perm(request.user, "core.view_changeset"),
    }


@require_perm("exchange.view_importjob")
def import_detail(request, pk: int):
    job = get_for_user(ImportJob.objects.select_related("user", "region", "department", "change_set"), request.user, pk=pk)
    return render(request, "exchange/import_detail.html", _job_context(request, job))


@require_perm("exchange.view_importjob")
def import_status(request, pk: int):
    """The htmx fragment polled every second: progress while running, then the report."""
    job = get_for_user(ImportJob.objects.select_related("user", "region", "department", "change_set"), request.user, pk=pk)
    return render(request, "exchange/_import_status.html", _job_context(request, job))


@require_perm("exchange.add_importjob")
def import_template(request, kind: str):
    """A CSV holding only the header row (Chinese column names), UTF-8 with BOM so Excel opens it right."""
    if kind not in importing.importers():
        raise Http404(_("未知的导入类型"))
    importer = importing.get_importer(kind)
    buffer = io.StringIO()
    csv.writer(buffer).writerow([c.label for c in importer.columns])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return response

"""The booking-calendar import in the admin (P6): upload, choose columns and preview, confirm.

Owner only in practice: the page needs `customers.add_customer`, `customers.add_enrollment`
and `customers.change_course`, and the Staff role lacks the last one.

Between the steps the uploaded file waits in DATA_DIR/imports/ under a random name, readable
by the app alone; the session holds that name only (a session row is no place for megabytes
of personal data). The file is deleted after the import, on cancel, when another file is
uploaded, and in any case after a day. Nothing is written to the register before the owner
confirms, and the import itself is one transaction.
"""

import logging
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consent.mail.suppression import erasure_times, suppressed_addresses
from consent.records.audit import Action, Detail, record
from customers import importing
from customers.models import AdminPreference

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Uploads left behind (a closed browser tab) are deleted after this many seconds.
STALE_AFTER = 24 * 60 * 60
SESSION_KEY = "customers_booking_import"
PERMISSIONS = ("customers.add_customer", "customers.add_enrollment", "customers.change_course")
# The first rows of each kind shown in the preview.
EXAMPLES = 5
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def has_import_permission(request: HttpRequest) -> bool:
    return request.user.has_perms(PERMISSIONS)


def urls(model_admin: admin.ModelAdmin) -> list[URLPattern]:
    """The import page, for CustomerAdmin.get_urls."""

    def view(request: HttpRequest) -> HttpResponse:
        return import_view(request, model_admin)

    return [
        path(
            "import/",
            model_admin.admin_site.admin_view(view),
            name="customers_customer_import",
        )
    ]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Booking calendar export (CSV or Excel)"),
        help_text=gettext_lazy(
            "A CSV file separated by semicolons or commas, or an Excel workbook (.xlsx), "
            "with a header row; at most 5 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                gettext_lazy("The file is larger than 5 MB. Split it into smaller files.")
            )
        return upload.read()


class MappingForm(forms.Form):
    """One select per target column, its choices the file's headers."""

    def __init__(self, *args: Any, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", gettext_lazy("(not in the file)"))] + [(h, h) for h in headers if h]
        for target in importing.TARGETS:
            self.fields[target] = forms.ChoiceField(
                label=importing.TARGET_LABELS[target], choices=choices, required=False
            )

    def mapping(self) -> dict[str, str]:
        return {t: self.cleaned_data.get(t, "") for t in importing.TARGETS}


# The columns chosen at the last import, remembered per user for the next one


def _remembered(request: HttpRequest) -> dict[str, str]:
    if request.user.pk is None:
        return {}
    found = (
        AdminPreference.objects.filter(user_id=request.user.pk)
        .values_list("import_mapping", flat=True)
        .first()
    )
    if not isinstance(found, dict):
        return {}
    return {t: h for t, h in found.items() if t in importing.TARGETS and isinstance(h, str)}


def _remember(request: HttpRequest, mapping: dict[str, str]) -> None:
    AdminPreference.objects.update_or_create(
        user_id=request.user.pk,
        defaults={"import_mapping": {t: h for t, h in mapping.items() if h}},
    )


# The waiting file


def _folder() -> Path:
    return Path(settings.DATA_DIR) / "imports"


def _store(data: bytes) -> str:
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    for old in folder.glob("*.csv"):
        try:
            if time.time() - old.stat().st_mtime > STALE_AFTER:
                old.unlink()
        except OSError:
            continue
    token = secrets.token_hex(16)
    descriptor = os.open(folder / f"{token}.csv", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as f:
        f.write(data)
    return token


def _path(token: str) -> Path | None:
    return _folder() / f"{token}.csv" if _TOKEN.match(token or "") else None


def _pending(request: HttpRequest) -> dict[str, str] | None:
    """The session's waiting upload, if its file still exists and the form names it."""
    pending = request.session.get(SESSION_KEY)
    if not pending or request.POST.get("token") != pending.get("token"):
        return None
    file = _path(pending["token"])
    return pending if file is not None and file.is_file() else None


def _discard(request: HttpRequest) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    file = _path(pending.get("token", "")) if pending else None
    if file is not None:
        file.unlink(missing_ok=True)


# The view


def import_view(request: HttpRequest, model_admin: admin.ModelAdmin) -> HttpResponse:
    if not has_import_permission(request):
        raise PermissionDenied
    step = request.POST.get("step") if request.method == "POST" else None
    if step == "upload":
        return _upload(request, model_admin)
    if step in ("preview", "confirm", "cancel"):
        pending = _pending(request)
        if pending is None:
            model_admin.message_user(
                request,
                _("The uploaded file is no longer waiting; upload it again."),
                messages.WARNING,
            )
            return HttpResponseRedirect(request.path)
        if step == "cancel":
            _discard(request)
            model_admin.message_user(request, _("The import was cancelled."), messages.INFO)
            return HttpResponseRedirect(request.path)
        return _preview_or_import(request, model_admin, pending, confirm=step == "confirm")
    return _render_upload(request, model_admin, UploadForm())


def _context(request: HttpRequest, model_admin: admin.ModelAdmin, **extra: Any) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Import bookings from a booking calendar"),
        "max_megabytes": MAX_UPLOAD_BYTES // (1024 * 1024),
        **extra,
    }


def _render_upload(
    request: HttpRequest, model_admin: admin.ModelAdmin, form: UploadForm, error: str = ""
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "admin/customers/import/upload.html",
        _context(request, model_admin, form=form, error=error),
    )


def _upload(request: HttpRequest, model_admin: admin.ModelAdmin) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_upload(request, model_admin, form)
    data = form.cleaned_data["file"]
    try:
        importing.read_bookings(data, remembered=_remembered(request))
    except importing.MissingColumns:
        pass  # The owner chooses the columns on the next page.
    except importing.ImportFileError as e:
        return _render_upload(request, model_admin, form, error=str(e))
    _discard(request)
    token = _store(data)
    filename = getattr(request.FILES.get("file"), "name", "")
    request.session[SESSION_KEY] = {"token": token, "filename": filename}
    return _render_preview(request, model_admin, request.session[SESSION_KEY], data, None)


def _read(pending: dict[str, str]) -> bytes:
    file = _path(pending["token"])
    assert file is not None
    return file.read_bytes()


def _preview_or_import(
    request: HttpRequest, model_admin: admin.ModelAdmin, pending: dict[str, str], *, confirm: bool
) -> HttpResponse:
    data = _read(pending)
    try:
        headers = importing.read_bookings(data, remembered=_remembered(request)).headers
    except importing.MissingColumns as e:
        headers = e.headers
    except importing.ImportFileError:
        headers = []
    form = MappingForm(request.POST, headers=headers)
    mapping = form.mapping() if form.is_valid() else None
    if not confirm or mapping is None:
        return _render_preview(request, model_admin, pending, data, mapping)
    try:
        parsed = importing.read_bookings(data, mapping)
        result = importing.import_bookings(
            parsed,
            actor=request.user,
            suppressed_addresses=suppressed_addresses,
            erasures=erasure_times,
            include_rebooked=_include_rebooked(request),
            audit=_audit,
        )
    except importing.ImportFileError as e:
        model_admin.message_user(request, str(e), messages.ERROR)
        return _render_preview(request, model_admin, pending, data, mapping)
    except Exception:
        logger.exception("The booking calendar import failed")
        model_admin.message_user(
            request,
            _(
                "The import failed and nothing was saved. Try again; if it fails again, "
                "the server log has the details."
            ),
            messages.ERROR,
        )
        return _render_preview(request, model_admin, pending, data, mapping)
    _discard(request)
    _remember(request, parsed.mapping)
    model_admin.message_user(request, result_message(result), messages.SUCCESS)
    if result.suppressed:
        model_admin.message_user(
            request,
            _(
                "%(count)d of the imported customers are on the suppression list: their "
                "bookings were imported, and they get no marketing."
            )
            % {"count": result.suppressed},
            messages.WARNING,
        )
    opts = model_admin.model._meta
    return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))


def _audit(actor: Any, result: importing.Result) -> None:
    record(
        Action.ADD,
        user=actor,
        detail=Detail("bookings_imported", way="admin", **result.audit_counts()),
    )


def result_message(result: importing.Result) -> str:
    return _(
        "The bookings were imported: %(enrollments)d enrolments, %(customers)d new "
        "customers, %(updated)d customers updated, %(courses)d new courses. "
        "%(duplicates)d duplicate and %(invalid)d invalid rows were skipped."
    ) % {
        "enrollments": result.enrollments_created,
        "customers": result.customers_created,
        "updated": result.customers_updated,
        "courses": result.courses_created,
        "duplicates": result.counts[importing.DUPLICATE],
        "invalid": result.counts[importing.INVALID],
    }


def _include_rebooked(request: HttpRequest) -> bool:
    """The owner ticked that people erased earlier who booked again since are imported."""
    return request.POST.get("include_rebooked") == "1"


def _render_preview(
    request: HttpRequest,
    model_admin: admin.ModelAdmin,
    pending: dict[str, str],
    data: bytes,
    mapping: dict[str, str] | None,
) -> HttpResponse:
    error = ""
    parsed = preview = None
    headers: list[str] = []
    try:
        parsed = importing.read_bookings(
            data, mapping, remembered=_remembered(request) if mapping is None else None
        )
        headers, mapping = parsed.headers, parsed.mapping
        preview = importing.preview(
            parsed,
            suppressed_addresses=suppressed_addresses,
            erasures=erasure_times,
            include_rebooked=_include_rebooked(request),
        )
    except importing.MissingColumns as e:
        error, headers, mapping = str(e), e.headers, e.mapping
    except importing.ImportFileError as e:
        error = str(e)
    form = MappingForm(
        headers=headers, initial={t: (mapping or {}).get(t, "") for t in importing.TARGETS}
    )
    groups = []
    if preview is not None:
        for kind in (
            importing.NEW,
            importing.UPDATED,
            importing.DUPLICATE,
            importing.ERASED,
            importing.REBOOKED,
        ):
            rows = preview.of_kind(kind)
            groups.append(
                {
                    "label": importing.KIND_LABELS[kind],
                    "rows": rows[:EXAMPLES],
                    "count": len(rows),
                    "reasons": kind in (importing.DUPLICATE, importing.ERASED, importing.REBOOKED),
                }
            )
    return TemplateResponse(
        request,
        "admin/customers/import/preview.html",
        _context(
            request,
            model_admin,
            pending=pending,
            parsed=parsed,
            preview=preview,
            error=error,
            form=form,
            mapping=[(t, (mapping or {}).get(t, "")) for t in importing.TARGETS],
            counts=[(importing.KIND_LABELS[k], preview.counts[k]) for k in importing.KINDS]
            if preview
            else [],
            groups=groups,
            include_rebooked=_include_rebooked(request),
        ),
    )

"""The request queue: data-subject requests with their legal deadlines, and the owner's
acts on them. Every act calls a function in consent/acts/ and nothing else."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from consent.acts import access, erasure, requests
from consent.admin.common import (
    HEALTH_GUIDANCE,
    HealthGuardForm,
    actor,
    error_text,
    show_error,
)
from consent.models import (
    RecipientTask,
    RightsRequest,
)
from consent.templatetags.rights_admin import deadline_html
from customers.health import CONFIRMATION_LABEL, find_health_terms
from rekisteri import spreadsheets

Type, Status, Channel = RightsRequest.Type, RightsRequest.Status, RightsRequest.Channel


REPORT_TYPES = (Type.ACCESS, Type.PORTABILITY)


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("overdue", _("Overdue")),
            ("soon", _("Due within 7 days")),
            ("open", _("Open")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = timezone.localdate()
        open_ = queryset.filter(status__in=RightsRequest.OPEN_STATUSES)
        if self.value() == "overdue":
            return open_.filter(due_on__lt=today)
        if self.value() == "soon":
            return open_.filter(due_on__gte=today, due_on__lte=today + timedelta(days=7))
        if self.value() == "open":
            return open_
        return queryset


class ConfirmationFilter(admin.SimpleListFilter):
    """The queue shows the owner's requests by default: verified ones and those she
    recorded. Web requests waiting for the customer to follow the emailed link are not
    hers to answer yet (GDPR Art. 12(6)); they are one click away."""

    title = _("confirmation")
    parameter_name = "confirmation"
    DEFAULT = "owner"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            (self.DEFAULT, _("Confirmed or recorded by the studio")),
            ("awaiting", _("Web requests not yet confirmed by the customer")),
            ("all", _("All")),
        ]

    def value(self) -> str:
        return super().value() or self.DEFAULT

    def choices(self, changelist: Any) -> Any:
        # No "All" of Django's own: the default is not "everything" here.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "awaiting":
            return queryset.filter(RightsRequest.AWAITING_CONFIRMATION)
        if self.value() == "all":
            return queryset
        return queryset.exclude(RightsRequest.AWAITING_CONFIRMATION)


class RecordRequestForm(forms.ModelForm):
    """A request made on paper, by phone or in person (R11), recorded by the owner."""

    channel = forms.ChoiceField(
        label=capfirst(RightsRequest._meta.get_field("channel").verbose_name),
        choices=[c for c in Channel.choices if c[0] != Channel.WEB],
    )
    received_on = forms.DateField(
        label=_("Received on"),
        initial=timezone.localdate,
        widget=AdminDateWidget,
        help_text=_("The deadline of one month is counted from this day."),
    )
    answer_language = forms.ChoiceField(
        label=_("Answer in"),
        choices=[("", _("the customer's, or the studio's")), *settings.LANGUAGES],
        required=False,
        help_text=_("The person's language; for a customer, the language in the register."),
    )
    confirm_not_health_data = forms.BooleanField(required=False, label=CONFIRMATION_LABEL)

    class Meta:
        model = RightsRequest
        fields = ("request_type", "channel", "customer", "email", "message", "identity_check")
        help_texts = {
            "email": _("Where the answer is sent; the customer's own address when left empty."),
            "message": HEALTH_GUIDANCE,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Required for every channel of this form; the service says so when it is missing.
        self.fields["identity_check"].widget.attrs.setdefault("required", True)
        # The confirmation shows only once a text has been flagged (as in HealthGuardForm).
        if not self.is_bound or not any(
            find_health_terms(str(self.data.get(self.add_prefix(name), "")))
            for name in ("message", "identity_check")
        ):
            self.fields["confirm_not_health_data"].widget = forms.HiddenInput()

    def clean_received_on(self) -> Any:
        received = self.cleaned_data["received_on"]
        if received and received > timezone.localdate():
            raise ValidationError(_("The date of receipt cannot be in the future."))
        return received


class RecipientTaskForm(forms.ModelForm):
    told = forms.BooleanField(label=_("Told"), required=False)

    class Meta:
        model = RecipientTask
        fields = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["told"].initial = self.instance.done_at is not None

    def save(self, commit: bool = True) -> RecipientTask:
        told = self.cleaned_data.get("told", False)
        if told and self.instance.done_at is None:
            self.instance.done_at = timezone.now()
        elif not told:
            self.instance.done_at = None
        return super().save(commit)


class RecipientTaskInline(admin.TabularInline):
    model = RecipientTask
    form = RecipientTaskForm
    extra = 0
    fields = ("recipient_name", "told", "told_on")
    readonly_fields = ("recipient_name", "told_on")
    verbose_name = _("recipient to tell of the change")
    verbose_name_plural = _("recipients to tell of the change (GDPR Art. 19)")

    @admin.display(description=_("when"))
    def told_on(self, task: RecipientTask) -> str:
        return timezone.localtime(task.done_at).strftime("%d.%m.%Y") if task.done_at else ""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReasonForm(HealthGuardForm):
    guarded = ("reason",)
    reason = forms.CharField(
        label=_("reason"),
        required=False,  # the service decides, and says what is missing
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80, "required": True}),
    )
    field_order = ("reason", "confirm_not_health_data")


class OutcomeForm(HealthGuardForm):
    guarded = ("outcome",)
    outcome = forms.CharField(
        label=_("outcome"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_(
            "What was done, for the record and for the customer's email. Write no health "
            "information."
        ),
    )
    field_order = ("outcome", "confirm_not_health_data")


class ConfirmForm(forms.Form):
    pass


@dataclass(frozen=True)
class Act:
    """One thing the owner can do to a request from its page."""

    name: str
    label: Any
    title: Any
    explanation: Any
    button: Any
    form: type[forms.Form]
    permission: str
    done: Any


ACTS = {
    "extend": Act(
        name="extend",
        label=_("Extend"),
        title=_("Extend the deadline"),
        explanation=_(
            "The deadline moves by two months (GDPR Art. 12(3)). The customer is emailed "
            "the new date and your reason, so write it for them. A deadline can be "
            "extended once."
        ),
        button=_("Extend and tell the customer"),
        form=ReasonForm,
        permission="consent.change_rightsrequest",
        done=_("The deadline was extended and the customer was told."),
    ),
    "refuse": Act(
        name="refuse",
        label=_("Refuse"),
        title=_("Refuse the request"),
        explanation=_(
            "The customer is emailed your reason and told of their right to complain to "
            "the Data Protection Ombudsman and to seek a remedy in court (GDPR Art. 12(4)). "
            "The request is closed."
        ),
        button=_("Refuse and tell the customer"),
        form=ReasonForm,
        permission="consent.change_rightsrequest",
        done=_("The request was refused and the customer was told."),
    ),
    "complete": Act(
        name="complete",
        label=_("Complete"),
        title=_("Mark the request done"),
        explanation=_(
            "The request is closed as done and the customer is emailed that it has been "
            "handled, with the outcome you write here."
        ),
        button=_("Complete and tell the customer"),
        form=OutcomeForm,
        permission="consent.change_rightsrequest",
        done=_("The request was completed and the customer was told."),
    ),
    "release": Act(
        name="release",
        label=_("Release to the customer"),
        title=_("Release the report to the customer"),
        explanation=_(
            "The customer is emailed a link to their data that works for a few days, and "
            "the request is closed. Look through the report before releasing it."
        ),
        button=_("Release the report"),
        form=ConfirmForm,
        permission="consent.release_report",
        done=_("The report was released: the customer was sent a link to it."),
    ),
}


@admin.register(RightsRequest)
class RightsRequestAdmin(admin.ModelAdmin):
    list_display = (
        "request_type",
        "status",
        "who",
        "channel",
        "received_date",
        "due_on",
        "days_left",
    )
    list_display_links = ("request_type",)
    list_select_related = ("customer",)
    list_filter = (ConfirmationFilter, "status", "request_type", "channel", DeadlineFilter)
    search_fields = ("email", "customer__first_name", "customer__last_name", "customer__email")
    ordering = ("due_on", "received_at")
    autocomplete_fields = ("customer",)
    inlines = (RecipientTaskInline,)
    save_as = False
    change_form_template = "admin/consent/rightsrequest/change_form.html"

    add_fieldsets = (
        (
            None,
            {
                "fields": (
                    ("request_type", "channel"),
                    "customer",
                    "email",
                    "message",
                    "identity_check",
                    "confirm_not_health_data",
                    ("received_on", "answer_language"),
                )
            },
        ),
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("request_type", "status"),
                    ("customer", "email"),
                    "channel",
                    "message",
                    "identity_check",
                    "language",
                )
            },
        ),
        (
            _("Deadline"),
            {
                "fields": (
                    ("received_at", "verified_at"),
                    ("due_on", "days_left"),
                    "extended_at",
                    "extension_reason",
                )
            },
        ),
        (
            _("Answer"),
            {"fields": ("closed_at", "refusal_reason", "outcome", "recorded_by")},
        ),
    )

    # The list ----------------------------------------------------------------------------

    @admin.display(description=_("who"), ordering="customer__last_name")
    def who(self, rr: RightsRequest) -> str:
        if rr.customer is not None:
            return rr.customer.full_name or rr.customer.email
        return rr.email or "—"

    @admin.display(description=_("received"), ordering="received_at")
    def received_date(self, rr: RightsRequest) -> str:
        return timezone.localtime(rr.received_at).strftime("%d.%m.%Y")

    @admin.display(description=_("days left"), ordering="due_on")
    def days_left(self, rr: RightsRequest) -> str:
        return deadline_html(rr)

    # Nobody deletes a request: it is the proof that the request was handled.

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # The form: recording a request (add), read-only otherwise (change) ---------------------

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return flatten_fieldsets(self.fieldsets)

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        # The to-dos exist once a correction, erasure or restriction is completed.
        if obj is not None and obj.recipient_tasks.exists():
            return self.inlines
        return ()

    def get_form(  # type: ignore[override]
        self, request: HttpRequest, obj: Any = None, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = RecordRequestForm
        return super().get_form(request, obj, **kwargs)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """Record a request through requests.record_request; what it refuses goes on the form."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        fieldsets = self.get_fieldsets(request, None)
        form_class = self.get_form(request, None, change=False, fields=flatten_fieldsets(fieldsets))
        if request.method == "POST":
            form = form_class(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    rr = requests.record_request(
                        request_type=data["request_type"],
                        channel=data["channel"],
                        customer=data.get("customer"),
                        email=data.get("email", ""),
                        message=data.get("message", ""),
                        identity_check=data.get("identity_check", ""),
                        received_on=data.get("received_on"),
                        language=data.get("answer_language", ""),
                        actor=actor(request),
                        health_confirmed=bool(data.get("confirm_not_health_data")),
                    )
                except ValidationError as error:
                    show_error(form, error)
                except requests.RightsError as error:
                    form.add_error(None, str(error))
                else:
                    self.log_addition(request, rr, [{"added": {}}])
                    self.message_user(
                        request,
                        _("The request was recorded. It is due on %(due)s.")
                        % {"due": rr.due_on.strftime("%d.%m.%Y")},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:consent_rightsrequest_change", args=[rr.pk])
                    )
        else:
            form = form_class(initial=self.get_changeform_initial_data(request))
        admin_form = helpers.AdminForm(form, list(fieldsets), {}, (), model_admin=self)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record a request made on paper, by phone or in person"),
            "subtitle": None,
            "adminform": admin_form,
            "object_id": None,
            "original": None,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            "show_save_and_add_another": False,
            "show_save_and_continue": False,
            **(extra_context or {}),
        }
        return self.render_change_form(request, context, add=True, form_url=form_url)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The request's own fields are read-only: only the services change them. Saving
        # the change page saves the recipient to-dos (the inline) and nothing else.
        return

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> HttpResponse:
        obj = kwargs.get("obj")
        if obj is not None:
            context["rights_actions"] = self.available_actions(request, obj)
            context["answer_address"] = requests.answer_address(obj)
            context["address_changed"] = bool(obj.email) and obj.email != requests.answer_address(
                obj
            )
            has_tasks = any(f.formset.forms for f in context.get("inline_admin_formsets", []))
            context["show_save"] = has_tasks
            context["show_save_and_continue"] = False
            context["show_save_and_add_another"] = False
        return super().render_change_form(request, context, *args, **kwargs)

    # The owner's acts ----------------------------------------------------------------------

    def available_actions(self, request: HttpRequest, rr: RightsRequest) -> list[dict[str, str]]:
        """The buttons on a request's page, by its type, status and the user's requests."""
        user = request.user
        found: list[tuple[str, Any, str]] = []
        has_report = rr.request_type in REPORT_TYPES and rr.customer_id is not None
        if has_report and user.has_perm("consent.release_report"):
            found += [
                ("report", _("View report"), ""),
                ("report_json", _("Download JSON"), ""),
                ("report_csv", _("Download CSV"), ""),
            ]
        if rr.is_open:
            if has_report and user.has_perm("consent.release_report"):
                found.append(("release", ACTS["release"].label, ""))
            if (
                rr.request_type == Type.ERASURE
                and rr.customer_id is not None
                and user.has_perm("consent.erase_customer")
            ):
                found.append(("erase", _("Preview erasure"), ""))
            if user.has_perm("consent.change_rightsrequest"):
                if rr.request_type != Type.ERASURE:
                    found.append(("complete", ACTS["complete"].label, ""))
                if rr.extended_at is None:
                    found.append(("extend", ACTS["extend"].label, ""))
                found.append(("refuse", ACTS["refuse"].label, ""))
        return [
            {
                "name": name,
                "label": label,
                "css": css,
                "url": reverse(f"admin:consent_rightsrequest_{name}", args=[rr.pk]),
            }
            for name, label, css in found
        ]

    def get_urls(self) -> list[URLPattern]:
        def view(func: Any, name: str, route: str) -> URLPattern:
            return path(
                f"<int:pk>/{route}/",
                self.admin_site.admin_view(func),
                name=f"consent_rightsrequest_{name}",
            )

        own = [view(self._act_for(name), name, name) for name in ACTS] + [
            view(self.erase_view, "erase", "erase"),
            view(self.report_view, "report", "report"),
            view(self.report_json_view, "report_json", "report/json"),
            view(self.report_csv_view, "report_csv", "report/csv"),
        ]
        return own + super().get_urls()

    def _get(self, request: HttpRequest, pk: int, permission: str) -> RightsRequest:
        if not request.user.has_perm(permission):
            raise PermissionDenied
        return get_object_or_404(RightsRequest.objects.select_related("customer"), pk=pk)

    def _back(self, rr: RightsRequest) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:consent_rightsrequest_change", args=[rr.pk]))

    def _page(
        self, request: HttpRequest, rr: RightsRequest, template: str, **context: Any
    ) -> TemplateResponse:
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": rr,
                "rr": rr,
                "answer_address": requests.answer_address(rr),
                "address_changed": bool(rr.email) and rr.email != requests.answer_address(rr),
                "deadline": deadline_html(rr),
                **context,
            },
        )

    def _act_for(self, name: str) -> Any:
        def view(request: HttpRequest, pk: int) -> HttpResponse:
            return self.act_view(request, pk, name)

        view.__name__ = f"{name}_view"
        return view

    def act_view(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        act = ACTS[name]
        rr = self._get(request, pk, act.permission)
        if name == "release" and rr.request_type not in REPORT_TYPES:
            # The service would release a report for any request; only these ask for one.
            self.message_user(
                request, _("Only an access or copy request gets a report."), messages.ERROR
            )
            return self._back(rr)
        if request.method == "POST":
            form = act.form(request.POST)
            if form.is_valid():
                try:
                    self._carry_out(act, rr, form.cleaned_data, request)
                except ValidationError as error:
                    show_error(form, error)
                except requests.RightsError as error:
                    self.message_user(request, str(error), messages.ERROR)
                    return self._back(rr)
                else:
                    self.message_user(request, act.done, messages.SUCCESS)
                    return self._back(rr)
        else:
            form = act.form()
        return self._page(
            request,
            rr,
            "admin/consent/rightsrequest/act.html",
            title=act.title,
            act=act,
            form=form,
        )

    def _carry_out(
        self, act: Act, rr: RightsRequest, data: dict[str, Any], request: HttpRequest
    ) -> None:
        user = actor(request)
        confirmed = bool(data.get("confirm_not_health_data"))
        if act.name == "extend":
            requests.extend_request(
                request=rr, reason=data["reason"], actor=user, health_confirmed=confirmed
            )
        elif act.name == "refuse":
            requests.refuse_request(
                request=rr, reason=data["reason"], actor=user, health_confirmed=confirmed
            )
        elif act.name == "complete":
            requests.complete_request(
                request=rr, actor=user, outcome=data["outcome"], health_confirmed=confirmed
            )
        elif act.name == "release":
            requests.release_report(request=rr, actor=user)

    def erase_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        rr = self._get(request, pk, "consent.erase_customer")
        if request.method == "POST":
            try:
                result = erasure.carry_out_erasure(request=rr, actor=actor(request))
            except (requests.RightsError, ValidationError) as error:
                self.message_user(request, error_text(error), messages.ERROR)
            else:
                done = (
                    _("The customer was erased and emailed that it was done.")
                    if result.told
                    else _("The customer was erased.")
                )
                self.message_user(request, f"{done} {result.summary}", messages.SUCCESS)
                if result.cancelled_courses:
                    self.message_user(
                        request,
                        _("These courses lost a participant: %(courses)s.")
                        % {"courses": ", ".join(result.cancelled_courses)},
                        messages.INFO,
                    )
            return self._back(rr)
        customer = rr.customer
        return self._page(
            request,
            rr,
            "admin/consent/rightsrequest/erase.html",
            title=_("Erase the customer"),
            lines=erasure.erasure_preview(customer) if customer is not None else [],
            upcoming=erasure.upcoming_courses(customer) if customer is not None else [],
            can_erase=rr.is_open and customer is not None and rr.request_type == Type.ERASURE,
        )

    def _report(
        self, request: HttpRequest, pk: int, use: str
    ) -> tuple[RightsRequest, dict[str, Any]]:
        rr = self._get(request, pk, "consent.release_report")
        if rr.customer is None:
            raise _NothingHeld(rr)
        return rr, access.access_report(customer=rr.customer, actor=actor(request), use=use)

    def report_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            rr, report = self._report(request, pk, access.Use.VIEW)
        except _NothingHeld as nothing:
            return self._nothing_held(request, nothing.rr)
        return self._page(
            request,
            rr,
            "admin/consent/rightsrequest/report.html",
            title=_("Access report"),
            report=report,
            sections=report["sections"],
            # A document as wide as the page: its tables need the room more than the
            # sidebar's list of models does.
            is_nav_sidebar_enabled=False,
            can_release=rr.is_open and request.user.has_perm("consent.release_report"),
        )

    def report_json_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            rr, report = self._report(request, pk, access.Use.JSON)
        except _NothingHeld as nothing:
            return self._nothing_held(request, nothing.rr)
        response = HttpResponse(
            access.report_as_json(report),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="data-{rr.pk}.json"'
        return response

    def report_csv_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            rr, report = self._report(request, pk, access.Use.CSV)
        except _NothingHeld as nothing:
            return self._nothing_held(request, nothing.rr)
        return spreadsheets.csv_response(f"data-{rr.pk}.csv", access.report_rows(report))

    def _nothing_held(self, request: HttpRequest, rr: RightsRequest) -> HttpResponse:
        self.message_user(
            request,
            _("This request is not linked to a customer: the register holds nothing for it."),
            messages.WARNING,
        )
        return self._back(rr)


class _NothingHeld(Exception):
    def __init__(self, rr: RightsRequest) -> None:
        super().__init__(rr.pk)
        self.rr = rr

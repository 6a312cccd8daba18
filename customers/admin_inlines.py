"""Inlines that stay fast on a customer with a long history (issue 12).

A customer's page shows the newest rows of each related table (ten; five of the messages
and consent events), with a link to the whole list, instead of one form per row ever
recorded: each row is a form of several widgets, and Django renders each widget with a
template (about 200 ms for the page, most of it that); and a course is picked by
typing (autocomplete) instead of from a `<select>` of every course. The page then makes
the same number of queries for a customer with 3 rows as for one with 3,000, however many
courses the studio has run (tests/customers/test_scale_queries.py).
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse

from customers.models import Customer


def parent_id(request: HttpRequest) -> str | None:
    """The customer whose change page this request is for, if it is one."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name != "customers_customer_change":
        return None
    return match.kwargs.get("object_id")


class KnownChoiceAutocomplete(AutocompleteSelect):
    """Django's autocomplete widget, which looks up the label of the chosen object with a
    query of its own for every row; here the formset hands it the row's object, already
    read with the row (select_related), so rendering a row makes no query."""

    known: tuple[str, str] | None = None

    def optgroups(self, name: str, value: Any, attr: Any = None) -> list[Any]:
        chosen = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if self.known is None or chosen != [self.known[0]]:
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        options.append(self.create_option(name, self.known[0], self.known[1], True, len(options)))
        return [(None, options, 0)]


class KnownChoicesFormSet(BaseInlineFormSet):
    """Gives each existing row's autocomplete widgets the object the row already holds."""

    known_fields: tuple[str, ...] = ()

    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]
        if form.instance.pk is None:
            return form
        for name in self.known_fields:
            field = form.fields.get(name)
            related = getattr(form.instance, name, None)
            if field is not None and related is not None:
                widget = field.widget
                # The admin wraps the widget to add its "+" and edit links.
                inner = getattr(widget, "widget", widget)
                if isinstance(inner, KnownChoiceAutocomplete):
                    label = field.label_from_instance(related)
                    inner.known = (str(related.pk), str(label))
        return form


class LatestRowsInline(admin.options.InlineModelAdmin):
    """The newest `shown` rows of the customer, newest first, and a link to them all."""

    shown = 10
    latest_order: tuple[str, ...] = ("-pk",)
    # Where all the rows are: a URL name taking the customer's pk, or a changelist with a
    # filter on the customer.
    all_rows_url: str = ""
    all_rows_by_filter: bool = False
    known_fields: tuple[str, ...] = ()

    def newest(self, request: HttpRequest, customer: str) -> list[Any]:
        """The pks of the customer's newest `shown` + 1 rows: one indexed query per page,
        remembered for the request (the admin asks for the formset and its rows apart)."""
        cache = request.__dict__.setdefault("_newest_rows", {})
        key = (self.model._meta.label, customer)
        if key not in cache:
            cache[key] = list(
                self.model._default_manager.filter(customer_id=customer)
                .order_by(*self.latest_order)
                .values_list("pk", flat=True)[: self.shown + 1]
            )
        return cache[key]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The row's customer is the page's: read with the row, not once per row.
        queryset = super().get_queryset(request).select_related("customer")
        queryset = queryset.order_by(*self.latest_order)
        customer = parent_id(request)
        if customer is None:
            return queryset
        return queryset.filter(pk__in=self.newest(request, customer)[: self.shown])

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in self.known_fields:
            kwargs["widget"] = KnownChoiceAutocomplete(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset: Any = super().get_formset(request, obj, **kwargs)
        # A class made for this request: what it carries is this request's.
        formset.known_fields = self.known_fields
        formset.shown = self.shown
        formset.more_url = ""
        if (
            isinstance(obj, Customer)
            and obj.pk is not None
            and len(self.newest(request, str(obj.pk))) > self.shown
        ):
            formset.more_url = self._all_rows_url(obj)
        return formset

    def _all_rows_url(self, customer: Customer) -> str:
        if self.all_rows_by_filter:
            return f"{reverse(self.all_rows_url)}?customer__id__exact={customer.pk}"
        return reverse(self.all_rows_url, args=[customer.pk])


class CustomerRowsAdmin(admin.ModelAdmin):
    """A list the customer's page links to for all of the customer's rows: it accepts the
    filter on the customer (?customer__id__exact=N) that the link carries."""

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        if lookup == "customer__id__exact":
            return True
        return super().lookup_allowed(lookup, value, request)

"""The access report (GDPR Art. 15, R13): every look at it leaves an audit entry, the HTML
pages included, and it tells the person what the privacy notice tells them."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.html import escape

from consent.acts import requests
from consent.models import AuditEntry, Recipient, StudioSettings

pytestmark = pytest.mark.django_db

QUEUE = "/admin/consent/rightsrequest/"


@pytest.fixture
def rr(owner, customer_with_history):
    return requests.record_request(
        request_type="access",
        channel="phone",
        customer=customer_with_history,
        email="",
        message="",
        identity_check="Known customer, called from her own number.",
        received_on=timezone.localdate() - timedelta(days=3),
        actor=owner,
    )


def _report_entries(customer) -> list[tuple[str, int | None, str, str]]:
    return [
        (action, user, key, params["use"])
        for action, user, key, params in AuditEntry.objects.filter(
            customer=customer, detail_key__startswith="access_report"
        )
        .order_by("pk")
        .values_list("action", "user_id", "detail_key", "detail_params")
    ]


def test_every_view_of_the_report_in_the_admin_is_audited(client, owner, rr):
    client.force_login(owner)
    assert _report_entries(rr.customer) == []
    for _look in range(2):
        assert client.get(f"{QUEUE}{rr.pk}/report/").status_code == 200
    assert client.get(f"{QUEUE}{rr.pk}/report/json/").status_code == 200
    assert client.get(f"{QUEUE}{rr.pk}/report/csv/").status_code == 200
    assert _report_entries(rr.customer) == [
        ("view", owner.pk, "access_report", "view"),
        ("view", owner.pk, "access_report", "view"),
        ("export", owner.pk, "access_report", "json"),
        ("export", owner.pk, "access_report", "csv"),
    ]


def test_the_customers_view_of_a_released_report_is_audited(
    client, owner, rr, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        requests.release_report(request=rr, actor=owner)
    link = re.search(r"https?://\S+(/rights/report/[^/\s]+/)", mail.outbox[-1].body).group(1)
    assert client.post(link).status_code == 302
    before = len(_report_entries(rr.customer))
    page = client.get("/rights/report/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "Esimerkkikatu 1 A 2" in page.content.decode()
    entries = _report_entries(rr.customer)[before:]
    assert entries == [("view", None, "access_report_own_page", "view")]


def test_the_customers_own_page_and_copies_are_audited(
    client, customer_with_history, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/rights/",
            {"email": customer_with_history.email, "request_type": "access", "message": ""},
        )
    link = re.search(r"https?://\S+(/rights/verify/[^/\s]+/)", mail.outbox[-1].body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link)
    before = len(_report_entries(customer_with_history))
    assert client.get("/rights/my-data/").status_code == 200
    assert client.get("/rights/my-data/download.json").status_code == 200
    actions = [a for a, _user, _key, _use in _report_entries(customer_with_history)[before:]]
    assert actions == ["view", "export"]


def test_the_report_page_tells_the_rights_transfers_and_the_basis_of_each_channel(
    client, owner, rr
):
    studio = StudioSettings.load()
    studio.booking_calendar = "Varaa heti"
    studio.save()
    Recipient.objects.create(
        name="Mailer Inc",
        purpose="Uutiskirjeet",
        country="US",
        safeguard=Recipient.Safeguard.SCC,
    )
    client.force_login(owner)
    body = client.get(f"{QUEUE}{rr.pk}/report/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for words in (
        "on grounds of your own situation",  # Art. 21(1)
        "Art. 21(1)",
        "does not affect the lawfulness",  # Art. 7(3)
        "Mailer Inc (US): The Commission&#x27;s standard contractual clauses",
        "recital 47",
        "Varaa heti",
        "phone number",
        escape("The audit trail: 2 years from the event"),
        escape("The marketing ban list (keyed hashes)"),
    ):
        assert words in body, words


def test_the_report_page_shows_each_value_escaped_and_as_read(client, owner, rr):
    from customers.models import Interaction

    Interaction.objects.create(
        customer=rr.customer,
        kind=Interaction.Kind.FEEDBACK,
        subject="<b>Palaute</b> & kiitos",
        text="Sama teksti",
    )
    client.force_login(owner)
    body = client.get(f"{QUEUE}{rr.pk}/report/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<td>&lt;b&gt;Palaute&lt;/b&gt; &amp; kiitos</td>" in body
    assert "<b>Palaute</b>" not in body


def test_report_rows_tell_yes_from_one_and_repeat_a_value_as_it_was_shown():
    from django.utils import translation

    from consent.templatetags.rights_admin import report_table_rows

    section = {
        "fields": [{"name": "flag", "label": "Flag"}, {"name": "count", "label": "Count"}],
        "rows": [
            {"flag": True, "count": 1},
            {"flag": False, "count": 0},
            {"flag": None, "count": 1},
            {"flag": "2026-11-30", "count": ["a", "<b>"]},
            {"flag": 1, "count": True},
        ],
    }
    with translation.override("en"):
        html = report_table_rows(section)
    assert html.split("\n") == [
        "<tr><td>yes</td><td>1</td></tr>",
        "<tr><td>no</td><td>0</td></tr>",
        "<tr><td>—</td><td>1</td></tr>",
        "<tr><td>30.11.2026</td><td>[&#x27;a&#x27;, &#x27;&lt;b&gt;&#x27;]</td></tr>",
        "<tr><td>1</td><td>yes</td></tr>",
    ]


def test_report_rows_of_a_table_the_person_reads_no_field_of_are_counted():
    from django.utils import translation

    from consent.templatetags.rights_admin import report_table_rows

    section = {"fields": [], "rows": [{}, {}, {}]}
    with translation.override("fi"):
        assert report_table_rows(section) == "<tr><td>3 merkintää</td></tr>"
    with translation.override("en"):
        assert report_table_rows({"fields": [], "rows": [{}]}) == "<tr><td>1 entry</td></tr>"
        assert "Nothing held." in report_table_rows({"fields": [], "rows": []})


def test_the_report_page_has_the_pages_width_and_other_admin_pages_their_sidebar(client, owner, rr):
    client.force_login(owner)
    report = client.get(f"{QUEUE}{rr.pk}/report/").content.decode()
    assert 'id="nav-sidebar"' not in report
    queue = client.get(QUEUE).content.decode()
    assert 'id="nav-sidebar"' in queue
    assert 'href="/admin/customers/customer/"' in queue  # the sidebar lists the models

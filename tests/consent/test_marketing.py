"""Direct marketing by construction (R5-R10): the ledger, Finnish rules, double opt-in,
one-click unsubscribe, the audience and the newsletter."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone, translation

from consent.acts.consent import record_consent
from consent.acts.objection import record_objection
from consent.mail.outbox import send_pending
from consent.marketing import audience, newsletters
from consent.marketing import unsubscribe as unsubscribe_links
from consent.marketing.permissions import permission
from consent.models import AuditEntry, ConsentEvent, Newsletter, OutboxEmail, StudioSettings
from consent.records.notice import current_notice_number
from customers.models import Customer, Interaction, Purchase

pytestmark = pytest.mark.django_db
P, Ch, A, S = ConsentEvent.Purpose, ConsentEvent.Channel, ConsentEvent.Action, ConsentEvent.Source


def _buyer(customer, *, told=True, days_ago=30, status="paid"):
    Purchase.objects.create(
        customer=customer,
        description="Kurssi",
        amount=Decimal("90"),
        purchased_on=timezone.localdate() - timedelta(days=days_ago),
        status=status,
        cancelled_on=None if status == "paid" else timezone.localdate(),
        marketing_notice_given=told,
    )
    return customer


def _subscriber(customer):
    """Someone in the email newsletter's audience: they consented."""
    record_consent(
        customer=customer,
        purpose=P.NEWSLETTER,
        channel=Ch.EMAIL,
        action=A.GIVEN,
        source=S.WEB_FORM,
        wording="Kyllä, lähettäkää uutiskirje",
        actor=None,
    )
    return customer


def _existing_customer_marketing(on=True, months=12):
    StudioSettings.objects.filter(pk=StudioSettings.load().pk).update(
        existing_customer_marketing=on, existing_customer_months=months
    )


def test_email_and_sms_marketing_need_consent_by_default_even_from_a_buyer(customer):
    _buyer(customer)
    for channel in (Ch.EMAIL, Ch.SMS):
        assert permission(customer, P.NEWSLETTER, channel).refusal == "no_consent"
    record_consent(
        customer=customer,
        purpose=P.NEWSLETTER,
        channel=Ch.EMAIL,
        action=A.GIVEN,
        source=S.ADMIN,
        wording="Paperilomake",
        actor=None,
    )
    assert permission(customer, P.NEWSLETTER, Ch.EMAIL).basis == "consent"
    assert permission(customer, P.NEWSLETTER, Ch.SMS).refusal == "no_consent"


def test_the_existing_customer_exception_only_when_on_and_only_within_its_conditions(customer):
    _existing_customer_marketing(months=12)
    assert permission(customer, P.NEWSLETTER, Ch.EMAIL).refusal == "no_consent"
    _buyer(customer, told=False)  # not told at the purchase that they may refuse
    assert permission(customer, P.NEWSLETTER, Ch.EMAIL).refusal == "no_consent"
    _buyer(customer, days_ago=400)  # told, but longer ago than the owner's period
    _buyer(customer, status="refunded")
    assert permission(customer, P.NEWSLETTER, Ch.EMAIL).refusal == "no_consent"
    assert customer not in list(audience.audience_people(purpose=P.NEWSLETTER, channel=Ch.SMS))
    _buyer(customer, days_ago=10)
    for channel in (Ch.EMAIL, Ch.SMS):
        verdict = permission(customer, P.NEWSLETTER, channel)
        assert verdict.allowed and verdict.basis == "existing_customer"
    assert customer in list(audience.audience_people(purpose=P.NEWSLETTER, channel=Ch.SMS))
    assert audience.audience(purpose=P.NEWSLETTER, channel=Ch.EMAIL).bases == {
        "existing_customer": 1
    }
    _existing_customer_marketing(on=False)
    assert permission(customer, P.NEWSLETTER, Ch.EMAIL).refusal == "no_consent"


def test_post_and_phone_are_allowed_until_the_person_opts_out(customer):
    assert permission(customer, P.NEWSLETTER, Ch.PHONE).basis == "until_opt_out"
    assert permission(customer, P.NEWSLETTER, Ch.POST).basis == "until_opt_out"
    record_consent(
        customer=customer,
        purpose=P.NEWSLETTER,
        channel=Ch.POST,
        action=A.WITHDRAWN,
        source=S.ADMIN,
        wording="Kielsi puhelimessa",
        actor=None,
    )
    assert permission(customer, P.NEWSLETTER, Ch.POST).refusal == "withdrawn"
    assert permission(customer, P.NEWSLETTER, Ch.PHONE).allowed


def test_research_needs_consent_even_from_a_customer(customer):
    _existing_customer_marketing()
    _buyer(customer)
    assert not permission(customer, P.RESEARCH, Ch.EMAIL).allowed


def test_an_objection_removes_the_person_from_every_audience_at_once(customer):
    _subscriber(customer)
    record_consent(
        customer=customer,
        purpose=P.RESEARCH,
        channel=Ch.EMAIL,
        action=A.GIVEN,
        source=S.ADMIN,
        wording="x",
        actor=None,
    )
    record_objection(customer=customer, source=S.OWN_PAGE, actor=None)
    for purpose in P:
        for channel in Ch:
            found = audience.audience(purpose=purpose, channel=channel)
            assert customer not in list(audience.audience_people(purpose=purpose, channel=channel))
            assert found.refusals["objected"] == 1 and found.count == 0


def test_restricted_and_suppressed_people_are_in_no_audience(customer):
    from consent.mail.suppression import suppress
    from consent.models import Suppression

    _subscriber(customer)
    other = _subscriber(
        Customer.objects.create(first_name="B", last_name="C", email="b@example.fi")
    )
    Customer.objects.filter(pk=customer.pk).update(restricted_at="2026-01-01T00:00:00Z")
    suppress(email=other.email, reason=Suppression.Reason.ERASURE)
    found = audience.audience(purpose=P.NEWSLETTER, channel=Ch.EMAIL)
    assert list(audience.audience_people(purpose=P.NEWSLETTER, channel=Ch.EMAIL)) == []
    assert found.count == 0 and found.refusals == {"restricted": 1, "suppressed": 1}


def test_a_listed_phone_blocks_sms_and_letters_but_not_email(customer):
    """Each channel is blocked by its own address on the list (a letter by either): the
    audience hashes the addresses the channel uses, and the counts agree with the list of
    people on every channel."""
    from consent.mail.suppression import suppress
    from consent.models import Suppression

    Customer.objects.filter(pk=customer.pk).update(
        phone="+358401234567", street_address="Kuja 1", postal_code="00100", city="Helsinki"
    )
    for channel in (Ch.EMAIL, Ch.SMS):
        record_consent(
            customer=customer, purpose=P.NEWSLETTER, channel=channel, action=A.GIVEN,
            source=S.WEB_FORM, wording="Kyllä", actor=None,
        )  # fmt: skip
    suppress(phone="040 123 4567", reason=Suppression.Reason.OBJECTION)
    expected = {Ch.EMAIL: 1, Ch.SMS: 0, Ch.POST: 0}
    for channel, count in expected.items():
        found = audience.audience(purpose=P.NEWSLETTER, channel=channel)
        people = list(audience.audience_people(purpose=P.NEWSLETTER, channel=channel))
        assert (found.count, len(people)) == (count, count), channel
        assert found.refusals.get("suppressed", 0) == 1 - count, channel


def _link(body: str, kind: str) -> str:
    return "/" + re.search(rf"https?://[^/\s]+/(marketing/{kind}/[^\s]+/)", body).group(1)


def test_double_opt_in(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/marketing/subscribe/",
            {"email": "Uusi.Tilaaja@Example.fi", "name": "Uusi Tilaaja", "consent": "on"},
        )
    assert response.status_code == 302
    # Unconfirmed: nobody in the register, nobody in the audience.
    assert not Customer.objects.exists()
    path = _link(mail.outbox[-1].body, "confirm")
    assert client.get(path).status_code == 200 and not Customer.objects.exists()
    assert (
        client.post(path, REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT="Testiselain").status_code
        == 200
    )
    customer = Customer.objects.get()
    assert (customer.email, customer.origin) == ("uusi.tilaaja@example.fi", "web_registration")
    event = ConsentEvent.objects.get()
    assert event.action == "given" and event.source == "web_form"
    assert "uutiskirje" in event.wording.lower() or "newsletter" in event.wording.lower()
    assert event.notice_version == current_notice_number()
    assert event.ip_network == "203.0.113.0/24"
    assert customer in list(audience.audience_people(purpose=P.NEWSLETTER, channel=Ch.EMAIL))


def test_nothing_is_pre_ticked_and_an_unticked_box_is_refused(client):
    page = client.get("/marketing/subscribe/").content.decode()
    assert "checked" not in page
    response = client.post("/marketing/subscribe/", {"email": "a@example.fi"})
    assert response.status_code == 400
    assert not mail.outbox


def test_a_forged_subscription_link_gets_a_clear_page(client):
    assert client.get("/marketing/confirm/forged/").status_code == 404


def test_the_newsletter_reaches_the_audience_with_rfc8058_headers_and_its_own_links(
    smtp_server, owner, customer, django_capture_on_commit_callbacks
):
    _subscriber(customer)
    subscriber = Customer.objects.create(first_name="T", last_name="Tilaaja", email="t@example.fi")
    record_consent(
        customer=subscriber,
        purpose=P.NEWSLETTER,
        channel=Ch.EMAIL,
        action=A.GIVEN,
        source=S.WEB_FORM,
        wording="x",
        actor=None,
    )
    Customer.objects.create(first_name="Ei", last_name="Lupaa", email="ei@example.fi")
    newsletter = Newsletter.objects.create(subject="Syksyn kurssit", body="Tervetuloa!")
    assert newsletters.send_newsletter(newsletter=newsletter, actor=owner) == 2
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT, object_id=str(newsletter.pk))
    assert (entry.detail_key, entry.detail_params) == ("newsletter_queued", {"count": 2})
    assert entry.detail == "Newsletter queued to 2 people"
    with translation.override("fi"):
        assert entry.detail_text == "Uutiskirje asetettu lähetysjonoon 2 asiakkaalle"
    marketing_outbox = OutboxEmail.objects.filter(newsletter=newsletter)
    assert marketing_outbox.count() == 2
    from consent.mail.outbox import send_pending

    assert send_pending(newsletter=newsletter) == (2, 0)
    messages = smtp_server.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["aino.esimerkki@example.fi", "t@example.fi"]
    links = set()
    for message in messages:
        link = re.search(r"<(.+)>", message["List-Unsubscribe"]).group(1)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert link in smtp_server.text(message)
        links.add(link)
    assert len(links) == 2
    assert (
        Interaction.objects.filter(
            kind="email", direction="outgoing", subject="Syksyn kurssit"
        ).count()
        == 2
    )
    # One-click unsubscribe: a POST with no cookie and no CSRF token, answered without redirect.
    path = "/" + links.pop().split("/", 3)[3]
    response = Client(enforce_csrf_checks=True).post(path)
    assert response.status_code == 200
    withdrawn = ConsentEvent.objects.get(action="withdrawn")
    assert withdrawn.source == "unsubscribe"
    assert withdrawn.customer not in list(
        audience.audience_people(purpose=P.NEWSLETTER, channel=Ch.EMAIL)
    )


def test_the_unsubscribe_get_changes_nothing_and_offers_the_own_data_page(client, customer):
    _buyer(customer)
    path = (
        "/" + unsubscribe_links.unsubscribe_link(customer, P.NEWSLETTER, Ch.EMAIL).split("/", 3)[3]
    )
    page = client.get(path)
    assert page.status_code == 200 and "/rights/" in page.content.decode()
    assert not ConsentEvent.objects.exists()
    assert client.get(path[:-3] + "xx/").status_code == 404


def test_someone_who_unsubscribed_after_queueing_is_not_sent_to(owner, customer):
    _subscriber(customer)
    newsletter = Newsletter.objects.create(subject="S", body="B")
    newsletters.send_newsletter(newsletter=newsletter, actor=owner)
    unsubscribe_links.unsubscribe(
        token=unsubscribe_links.unsubscribe_token(customer, P.NEWSLETTER, Ch.EMAIL)
    )
    from consent.mail.outbox import send_pending

    assert send_pending(newsletter=newsletter) == (0, 1)
    assert not mail.outbox
    assert not OutboxEmail.objects.filter(newsletter=newsletter).exists()


def test_the_owner_sees_the_audience_and_why_others_are_left_out(client, owner, customer):
    _subscriber(customer)
    Customer.objects.create(first_name="Ei", last_name="Lupaa", email="ei@example.fi")
    client.force_login(owner)
    page = client.get(
        "/admin/consent/newsletter/audience/",
        {"purpose": "newsletter", "channel": "email"},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "1 customer may be contacted" in page
    assert "no consent: 1" in page
    csv_text = client.get(
        "/admin/consent/newsletter/audience.csv", {"purpose": "newsletter", "channel": "email"}
    ).content.decode("utf-8-sig")
    assert customer.email in csv_text and "/marketing/unsubscribe/" in csv_text
    assert "ei@example.fi" not in csv_text
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT, user=owner)
    assert entry.detail_key == "marketing_audience"
    assert entry.detail_params == {"purpose": "newsletter", "channel": "email", "count": 1}
    assert entry.detail == "Marketing audience (Newsletter and offers, Email): 1 person"


def test_the_owner_writes_and_sends_a_newsletter_in_the_admin(
    client, owner, customer, django_capture_on_commit_callbacks
):
    _subscriber(customer)
    client.force_login(owner)
    settings_override = {"EMAIL_BACKEND": "tests.consent.failing_backend.EmailBackend"}
    with override_settings(**settings_override), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/consent/newsletter/add/",
            {"purpose": "newsletter", "subject": "Kevät", "body": "Uudet kurssit"},
        )
    newsletter = Newsletter.objects.get()
    # Queued, but not sent: not on the customer's history, not in the count of sent.
    assert response.status_code == 302 and newsletter.queued == 1 and newsletter.recipients == 0
    assert not customer.interactions.filter(text="Uutiskirje").exists()
    OutboxEmail.objects.update(next_attempt_at=None)
    send_pending()
    newsletter.refresh_from_db()
    assert [m.to for m in mail.outbox] == [[customer.email]] and newsletter.recipients == 1
    assert customer.interactions.filter(subject="Kevät", direction="outgoing").count() == 1
    page = client.get(f"/admin/consent/newsletter/{newsletter.pk}/change/").content.decode()
    assert "send-batch" not in page


def test_staff_cannot_send_newsletters_or_export_the_audience(client, staff):
    client.force_login(staff)
    assert client.get("/admin/consent/newsletter/add/").status_code == 403
    assert client.get("/admin/consent/newsletter/audience.csv").status_code == 403


def test_the_customer_switches_a_channel_on_their_own_page(
    client, customer, django_capture_on_commit_callbacks
):
    from consent.acts import requests

    with django_capture_on_commit_callbacks(execute=True):
        requests.submit_request(email=customer.email, request_type="access", language="fi")
    path = "/" + re.search(
        r"https?://[^/\s]+/(rights/verify/[^/\s]+/)", mail.outbox[-1].body
    ).group(1)
    client.post(path)
    client.post("/rights/my-data/", {"action": "give", "purpose": "newsletter", "channel": "sms"})
    assert permission(customer, P.NEWSLETTER, Ch.SMS).basis == "consent"
    client.post(
        "/rights/my-data/", {"action": "withdraw", "purpose": "newsletter", "channel": "sms"}
    )
    assert permission(customer, P.NEWSLETTER, Ch.SMS).refusal == "withdrawn"
    assert (
        client.post(
            "/rights/my-data/", {"action": "give", "purpose": "x", "channel": "sms"}
        ).status_code
        == 400
    )
    assert ConsentEvent.objects.filter(source="own_page").count() == 2


def test_the_customer_page_shows_each_permission_with_its_basis_and_the_ledger(
    client, owner, customer
):
    _subscriber(customer)
    record_objection(customer=customer, source=S.OWN_PAGE, actor=None)
    client.force_login(owner)
    page = client.get(f"/admin/customers/customer/{customer.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert "objected to direct marketing" in body
    assert "Consent ledger" in body or "consent ledger" in body


def test_staff_record_a_paper_consent_into_the_ledger(client, staff, customer):
    client.force_login(staff)
    url = f"/admin/consent/consentevent/record/{customer.pk}/"
    assert (
        client.post(
            url, {"purpose": "newsletter", "channels": ["email"], "action": "given"}
        ).status_code
        == 400
    )
    response = client.post(
        url,
        {
            "purpose": "newsletter",
            "channels": ["email", "sms"],
            "action": "given",
            "wording": "Rastitti uutiskirjeen paperilomakkeella 3.2.2026.",
        },
    )
    assert response.status_code == 302
    events = ConsentEvent.objects.filter(customer=customer, source="admin", recorded_by=staff)
    assert sorted(events.values_list("channel", flat=True)) == ["email", "sms"]
    assert permission(customer, P.NEWSLETTER, Ch.SMS).basis == "consent"


def test_a_later_import_does_not_bring_marketing_back_to_someone_who_objected(owner):
    from consent.mail.suppression import suppressed_addresses
    from customers.importing import import_bookings, read_bookings

    customer = _buyer(
        Customer.objects.create(
            first_name="Aino",
            last_name="Virtanen",
            email="aino.virtanen@example.fi",
            phone="+358401111111",
        )
    )
    record_objection(customer=customer, source=S.OWN_PAGE, actor=None)
    csv_bytes = (
        "Nimi;Sähköposti;Puhelin;Palvelu;Päivämäärä;Aika;Tila\n"
        "Aino Virtanen;aino.virtanen@example.fi;040 111 1111;Yin-jooga;3.3.2026;18:00;Varattu\n"
    ).encode()
    import_bookings(
        read_bookings(csv_bytes), actor=owner, suppressed_addresses=suppressed_addresses
    )
    assert customer.enrollments.count() == 1  # the booking is imported...
    for purpose in P:
        for channel in Ch:  # ...and marketing stays off everywhere
            assert customer not in list(audience.audience_people(purpose=purpose, channel=channel))
    assert ConsentEvent.objects.filter(action="given").count() == 0


def test_the_suppression_list_knows_a_phone_however_it_is_typed():
    from consent.mail.suppression import is_suppressed, suppress
    from consent.models import Suppression

    suppress(phone="+358401234567", reason=Suppression.Reason.OBJECTION)
    assert is_suppressed(phone="040 123 4567")
    assert not is_suppressed(phone="040 765 4321")


def test_the_audience_and_the_one_person_rule_agree_for_every_purpose_and_channel(owner):
    """The audience sorts the register in the database; permission() decides for one person.
    Over people in every state they must give the same answer."""
    from consent.mail.suppression import suppress
    from consent.models import Suppression

    _existing_customer_marketing()
    people = [
        Customer.objects.create(
            first_name=f"P{n}",
            last_name="Testi",
            email=f"p{n}@example.fi" if n % 5 else "",
            phone=f"+35840555{n:04d}" if n % 3 else "",
            street_address="Katu 1" if n % 2 else "",
            postal_code="00100" if n % 2 else "",
            city="Helsinki" if n % 2 else "",
        )
        for n in range(1, 16)
    ]
    _subscriber(people[0])
    _buyer(people[1])
    _buyer(people[2], told=False)
    record_objection(customer=people[3], source=S.OWN_PAGE, actor=None)
    _subscriber(people[4])
    record_consent(
        customer=people[4],
        purpose=P.NEWSLETTER,
        channel=Ch.EMAIL,
        action=A.WITHDRAWN,
        source=S.UNSUBSCRIBE,
        wording="x",
        actor=None,
    )
    Customer.objects.filter(pk=people[5].pk).update(restricted_at=timezone.now())
    suppress(phone=people[6].phone, reason=Suppression.Reason.ERASURE)
    record_objection(customer=people[7], source=S.OWN_PAGE, actor=None)
    _subscriber(people[7])  # a fresh consent after the objection, email only
    record_consent(
        customer=people[8],
        purpose=P.RESEARCH,
        channel=Ch.SMS,
        action=A.GIVEN,
        source=S.ADMIN,
        wording="x",
        actor=None,
    )
    for purpose in P:
        for channel in Ch:
            found = set(audience.audience_people(purpose=purpose, channel=channel))
            one_by_one = {c for c in people if permission(c, purpose, channel).allowed}
            assert found == one_by_one, (purpose, channel)
            counted = audience.audience(purpose=purpose, channel=channel)
            assert counted.count == len(found)
            assert counted.count + sum(counted.refusals.values()) == len(people)


def test_the_sign_up_page_shows_no_error_box_until_something_was_sent(client):
    page = client.get("/marketing/subscribe/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "error-summary" not in page and "Please check the form" not in page
    assert 'role="alert"' not in page
    response = client.post(
        "/marketing/subscribe/", {"email": "not an address"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert '<div class="error-summary" role="alert">' in page
    assert "<title>Please check the form – Newsletter" in page

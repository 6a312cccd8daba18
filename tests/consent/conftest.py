"""A customer with a row in every personal table, the rights app's included."""

import pytest
from django.utils import timezone

from consent.acts.objection import record_objection
from consent.mail.links import issue_token
from consent.mail.outbox import queue_email
from consent.models import ConsentEvent, Disclosure, LinkToken, RightsRequest
from consent.records import audit
from customers.inventory import personal_rules


@pytest.fixture
def customer_everywhere(customer_with_history, django_capture_on_commit_callbacks):
    customer = customer_with_history
    with django_capture_on_commit_callbacks(execute=True):
        request = RightsRequest.objects.create(
            request_type="access",
            email=customer.email,
            customer=customer,
            message="Haluan nähdä tietoni.",
            due_on=timezone.localdate(),
        )
        issue_token(
            request=request,
            purpose=LinkToken.Purpose.CONFIRM_EMAIL,
            new_email="aino.toinen@example.fi",
        )
        queue_email(
            to=customer.email,
            template="rights_verify",
            context={"request": request, "link": "https://example.fi/x", "hours": 4},
            language="fi",
            customer=customer,
            request=request,
        )
        record_objection(customer=customer, source=ConsentEvent.Source.ADMIN, actor=None)
        Disclosure.objects.create(
            customer=customer,
            recipient="Poliisi",
            data="Nimi ja puhelinnumero",
            ground=Disclosure.Ground.LAW,
            ground_detail="Poliisilaki 4:3",
        )
        audit.record(audit.Action.VIEW, obj=customer)
    from consent.acts.access import rows_about

    empty = [r.model.__name__ for r in personal_rules() if not rows_about(customer, r).exists()]
    assert empty == [], "give the fixture a row in every personal table"
    return customer

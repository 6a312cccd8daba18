"""Rate limits that hold: one budget per mailbox (whatever its spelling) shared by the rights
form and the sign-up, IPv6 clients per /64, and an hourly cap on mail to strangers."""

import pytest
from django.utils import timezone

from consent.mail import ratelimit
from consent.models import OutboxEmail, RightsRequest

pytestmark = pytest.mark.django_db


def _ask(client, email, ip="198.51.100.7"):
    return client.post(
        "/rights/",
        {"email": email, "request_type": "access", "website": ""},
        REMOTE_ADDR=ip,
    )


def _subscribe(client, email, ip="198.51.100.7"):
    return client.post(
        "/marketing/subscribe/",
        {"email": email, "name": "", "consent": "on", "website": ""},
        REMOTE_ADDR=ip,
    )


@pytest.mark.parametrize(
    ("spelling", "same"),
    [
        ("Sara.Tilaaja+kevat@Gmail.com", "saratilaaja@gmail.com"),
        ("s.a.r.a.tilaaja@googlemail.com", "saratilaaja@gmail.com"),
        ("Aino+x@Example.fi", "aino@example.fi"),
        ("aino.esimerkki@example.fi", "aino.esimerkki@example.fi"),
    ],
)
def test_spellings_of_one_mailbox_are_one_address(spelling, same):
    assert ratelimit.mailbox(spelling) == same


def test_ipv6_clients_count_per_64_and_ipv4_per_address():
    assert ratelimit.client("2001:db8:1:2::5") == ratelimit.client("2001:db8:1:2:ffff::9")
    assert ratelimit.client("2001:db8:1:2::5") != ratelimit.client("2001:db8:1:3::5")
    assert ratelimit.client("198.51.100.7") != ratelimit.client("198.51.100.8")


def test_the_rights_form_and_the_sign_up_share_one_budget_per_mailbox(client, settings):
    settings.RIGHTS_LIMIT_PER_EMAIL = 3
    settings.RIGHTS_LIMIT_PER_IP = 100
    assert _ask(client, "sara@gmail.com", ip="198.51.100.1").status_code == 302
    assert _subscribe(client, "Sara+uutiset@gmail.com", ip="198.51.100.2").status_code == 302
    assert _ask(client, "s.ara@gmail.com", ip="198.51.100.3").status_code == 302
    assert _subscribe(client, "SARA@gmail.com", ip="198.51.100.4").status_code == 429
    assert _ask(client, "sara@gmail.com", ip="198.51.100.5").status_code == 429
    assert _ask(client, "toinen@example.fi", ip="198.51.100.6").status_code == 302


def test_one_ipv6_home_is_one_client(client, settings):
    settings.RIGHTS_LIMIT_PER_IP = 2
    for n, ip in enumerate(("2001:db8:5:6::1", "2001:db8:5:6::2")):
        assert _ask(client, f"h{n}@example.fi", ip=ip).status_code == 302
    assert _ask(client, "h3@example.fi", ip="2001:db8:5:6:abcd::3").status_code == 429
    assert _ask(client, "h4@example.fi", ip="2001:db8:5:7::1").status_code == 302


def test_past_the_hourly_cap_mail_to_strangers_waits_but_the_request_is_kept(
    client, settings, django_capture_on_commit_callbacks
):
    settings.UNKNOWN_MAIL_PER_HOUR = 2
    settings.RIGHTS_LIMIT_PER_IP = 100
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            assert _ask(client, f"vieras{n}@example.fi").status_code == 302
    assert RightsRequest.objects.count() == 3
    waiting = OutboxEmail.objects.filter(sent_at__isnull=True)
    assert waiting.count() == 1
    assert waiting.get().next_attempt_at > timezone.now() + timezone.timedelta(minutes=50)


def test_a_single_client_for_everyone_is_noticed_unless_the_proxy_is_trusted(client, settings):
    settings.RIGHTS_LIMIT_PER_IP = 1000
    for n in range(25):
        _ask(client, f"asiakas{n}@example.fi", ip="10.0.0.2")
    assert ratelimit.single_client_warning()
    settings.TRUSTED_PROXY = True
    assert not ratelimit.single_client_warning()


def test_a_client_far_over_its_limit_stays_refused_and_costs_no_more_to_count(client, settings):
    from consent.models import RateLimitHit

    settings.RIGHTS_LIMIT_PER_IP = 2
    assert [_ask(client, f"henkilo{n}@example.fi").status_code for n in range(6)] == [
        302,
        302,
        429,
        429,
        429,
        429,
    ]
    # Every use is kept, but each is counted only up to the limit and one over it.
    assert RateLimitHit.objects.filter(scope=ratelimit.CLIENT).count() == 6
    assert ratelimit._hits([(ratelimit.CLIENT, "198.51.100.7", 2)], window=ratelimit.HOUR) == [3]
    # Uses older than the window do not count.
    RateLimitHit.objects.update(at=timezone.now() - ratelimit.HOUR * 2)
    assert _ask(client, "uusi@example.fi").status_code == 302

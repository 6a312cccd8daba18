"""Hostile input to every public form and link: never a 5xx, never stored markup unescaped.

Hypothesis posts random and hostile values (long strings, control characters, NUL, SQL
and HTML fragments, numbers, repeated keys, missing and unknown fields, broken bodies) to
the public pages, and checks what the customer and the owner later see of what was stored.

Hypothesis runs many examples inside one test function, and pytest-django rolls the
database back only after the whole test: each example therefore runs in a savepoint that
is rolled back at its end (`_example()`), so that examples neither see each other's rows
nor use up the rate limits, and a failure found by Hypothesis replays the same way while
it is being shrunk.

The examples are derandomized (`derandomize=True`): every run, locally and in CI, tries
the same inputs, so a red CI run is never a matter of luck and replays exactly on a
laptop. The price is that no new inputs are tried from run to run; raise FUZZ_EXAMPLES
(or drop derandomize locally) for a longer random search.
"""

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, Phase, event, example, given, note, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from consent.acts import requests
from consent.acts.erasure import SESSION_KEY
from consent.mail.links import issue_token
from consent.marketing import unsubscribe as unsubscribe_links
from consent.models import ConsentEvent, LinkToken, RightsRequest
from customers.models import Customer

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,  # no .hypothesis/ directory in the working tree
    # No "explain" phase: on a failure it replays hundreds of variations (minutes here).
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- What is thrown at the forms ---------------------------------------------------------

SQL_FRAGMENTS = [
    "' OR 1=1 --",
    '"; DROP TABLE customers_customer; --',
    "'; DELETE FROM consent_rightsrequest; --",
    "' UNION SELECT username, password FROM auth_user --",
    "1; SELECT pg_sleep(10)",
    "%' AND 1=0 --",
]
# Markup that must never come back unescaped (each contains "<").
MARKUP_FRAGMENTS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "<a href=javascript:alert(1)>x</a>",
    "<iframe srcdoc='<script>alert(1)</script>'>",
]
OTHER_FRAGMENTS = [
    "javascript:alert(1)",
    "{{ 7|add:7 }}{% debug %}",
    "{{ settings.SECRET_KEY }}",
    "${jndi:ldap://x}",
    "../../../../etc/passwd",
    "%00",
    "\x00",
    "\r\nBcc: victim@example.com",
    "x@example.fi\r\nBcc: y@example.fi",
    "\u202e\u200b\ufeff",
    "💣" * 3,
    "@",
    "a@b",
]
FRAGMENTS = SQL_FRAGMENTS + MARKUP_FRAGMENTS + OTHER_FRAGMENTS

# Any character that UTF-8 can carry (lone surrogates cannot be encoded into a request).
ANY_CHAR = st.characters(codec="utf-8")
CONTROL_CHAR = st.characters(min_codepoint=0, max_codepoint=0x1F) | st.characters(
    min_codepoint=0x7F, max_codepoint=0x9F
)
LATIN1_CHAR = st.characters(codec="latin-1")

short_text = st.text(ANY_CHAR, max_size=60)
control_text = st.text(CONTROL_CHAR, min_size=1, max_size=20)
fragment = st.sampled_from(FRAGMENTS)
mixed_text = st.lists(st.one_of(short_text, control_text, fragment), min_size=1, max_size=5).map(
    "".join
)
long_text = st.builds(
    lambda piece, n: (piece * n)[:20_000],
    st.one_of(fragment, st.text(ANY_CHAR, min_size=1, max_size=8)),
    st.integers(min_value=50, max_value=20_000),
)
# One word (no spaces), up to 20k letters.
long_word = st.builds(
    lambda letter, n: letter * n,
    st.characters(codec="utf-8", categories=["L"]),
    st.integers(min_value=1, max_value=20_000),
)
emailish = st.one_of(
    st.emails(),
    st.builds(
        "{}@{}".format,
        mixed_text,
        st.one_of(st.sampled_from(["example.fi", "studio.example.fi"]), mixed_text),
    ),
)
text_value = st.one_of(
    st.just(""), short_text, control_text, fragment, mixed_text, long_text, long_word, emailish
)
wrong_type = st.one_of(st.integers(), st.floats(), st.booleans())
scalar = st.one_of(text_value, wrong_type)
# A list is sent as the same key repeated.
field_value = st.one_of(scalar, st.lists(scalar, max_size=4))
extra_fields = st.dictionaries(
    st.one_of(st.text(ANY_CHAR, min_size=1, max_size=20), fragment), field_value, max_size=3
)
RAW_CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=no-such-charset",
    "multipart/form-data",
    "multipart/form-data; boundary=xyz",
    "multipart/form-data; boundary=",
    "text/plain",
    "application/json",
]
headers_strategy = st.fixed_dictionaries(
    {},
    optional={
        "accept-language": st.one_of(
            st.sampled_from(["fi", "en", "sv", "fi-FI,fi;q=0.9,en;q=0.8", "*", "zz"]),
            st.text(LATIN1_CHAR, max_size=300),
        ),
        "user-agent": st.text(LATIN1_CHAR, max_size=1000),
    },
)


def form_data(fields: tuple[str, ...], **overrides: st.SearchStrategy) -> st.SearchStrategy:
    """A random subset of `fields` (missing fields), each a hostile value, plus unknowns."""
    known = st.fixed_dictionaries(
        {}, optional={name: overrides.get(name, field_value) for name in fields}
    )
    return st.builds(lambda data, extra: {**extra, **data}, known, extra_fields)


def within(limit: int) -> st.SearchStrategy[str]:
    """Hostile text that a field of at most `limit` characters still takes."""
    return st.one_of(
        mixed_text, fragment, long_text, long_word, st.text(ANY_CHAR, max_size=limit)
    ).map(lambda text: text[:limit])


@st.composite
def nearly_valid(
    draw: st.DrawFn, valid: dict[str, Any], hostile: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A body the form takes: every field of `valid` (a value or a strategy), hostile
    where the form still takes it. At most one field of `hostile` gets anything at all
    instead (in half the bodies), and unknown fields may come along. These get past the
    form's validation to the code behind it."""
    data = {
        name: draw(value) if isinstance(value, st.SearchStrategy) else value
        for name, value in valid.items()
    }
    spoilt = draw(st.one_of(st.none(), st.sampled_from(hostile))) if hostile else None
    if spoilt is not None:
        data[spoilt] = draw(field_value)
    return {**draw(extra_fields), **data}


def post_bodies(
    data: st.SearchStrategy, valid: st.SearchStrategy | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """The keyword arguments of a POST: multipart, urlencoded, JSON or raw bytes.

    With `valid`, about half the bodies are form posts of nearly valid data (nearly_valid()).
    """
    hostile = st.one_of(
        st.builds(_as_body, data, st.sampled_from(["multipart", "urlencoded", "json"])),
        st.builds(
            lambda raw, content_type: {"data": raw, "content_type": content_type},
            st.binary(max_size=2000),
            st.sampled_from(RAW_CONTENT_TYPES),
        ),
    )
    if valid is None:
        return hostile
    return st.one_of(
        st.builds(_as_body, valid, st.sampled_from(["multipart", "urlencoded"])), hostile
    )


def _as_body(values: dict[str, Any], kind: str) -> dict[str, Any]:
    if kind == "multipart":
        return {"data": values}
    if kind == "urlencoded":
        return {
            "data": urlencode(values, doseq=True),
            "content_type": "application/x-www-form-urlencoded",
        }
    return {"data": json.dumps(values), "content_type": "application/json"}


KNOWN_EMAIL = "aino.esimerkki@example.fi"  # the `customer` fixture's address
address = st.one_of(
    st.sampled_from([KNOWN_EMAIL, KNOWN_EMAIL.upper(), f" {KNOWN_EMAIL} "]), st.emails(), emailish
)

token_text = st.one_of(
    text_value,
    st.text(
        st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:")
    ).map(lambda s: s or "x"),
)

CONTACT = {
    "action": "contact",
    "first_name": "Aino",
    "last_name": "Esimerkki",
    "phone": "+358401234567",
    "street_address": "Esimerkkikatu 1 A 2",
    "postal_code": "00100",
    "city": "Helsinki",
    "country": "FI",
}
SUBSCRIBER = {"email": "tilaaja@example.fi", "name": "Aino", "consent": "on", "website": ""}
RIGHTS_FIELDS = ("email", "request_type", "message", "website")
SUBSCRIBE_FIELDS = ("email", "name", "consent", "website")
MY_DATA_FIELDS = (
    "action",
    "first_name",
    "last_name",
    "phone",
    "street_address",
    "postal_code",
    "city",
    "country",
    "new_email",
    "purpose",
    "channel",
)
MY_DATA_ACTIONS = (
    "contact",
    "email",
    "object",
    "give",
    "withdraw",
    "erasure",
    "restriction",
    "logout",
)

# --- Helpers ------------------------------------------------------------------------------


@pytest.fixture
def no_rate_limits(settings: Any) -> None:
    settings.RIGHTS_LIMIT_PER_EMAIL = 1_000_000
    settings.RIGHTS_LIMIT_PER_IP = 1_000_000


@contextmanager
def _example() -> Iterator[None]:
    """One Hypothesis example: its rows are rolled back when it ends."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
    mail.outbox.clear()


def _note(text: str, *, label: str = "") -> None:
    """Hypothesis's note() (and event(), for --hypothesis-show-statistics), which also
    work in the plain tests below."""
    try:
        note(text)
        if label:
            event(label)
    except InvalidArgument:
        pass


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def _check(response: Any, sent: Any = None) -> Any:
    """No 5xx; no markup the request carried comes back unescaped in an HTML answer."""
    method, path = response.request["REQUEST_METHOD"], response.request["PATH_INFO"]
    _note(f"{method} {path} -> {response}", label=f"{method} {_route(path)} {response.status_code}")
    assert response.status_code < 500, response
    if sent is not None and "html" in response.get("Content-Type", ""):
        page = response.content.decode(errors="replace")
        for value in _strings(sent):
            for markup in MARKUP_FRAGMENTS:
                assert not (markup in value and markup in page), f"{markup!r} reflected raw"
    return response


def _route(path: str) -> str:
    """The URL pattern a path matched, for the statistics."""
    try:
        return "/" + resolve(path).route
    except Resolver404:
        return "(no route)"


def _post(client: Client, path: str, body: dict[str, Any], **kwargs: Any) -> Any:
    _note(f"POST {path} {body!r:.500}")
    if isinstance(body.get("data"), bytes):
        # Raw bytes as they are (client.post() would re-encode them to the declared charset).
        response = client.generic("POST", path, body["data"], body["content_type"], **kwargs)
        return _check(response)
    return _check(client.post(path, **body, **kwargs), body.get("data"))


def _get(client: Client, path: str, query: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    _note(f"GET {path} {query!r:.500}")
    return _check(client.get(path, query or {}, **kwargs), query)


def _in_url(token: str) -> str:
    return quote(token, safe="")


def _open_my_data(client: Client, customer: Customer) -> None:
    """The session a followed emailed link gives (consent.views.common.open_session)."""
    session = client.session
    session[SESSION_KEY] = {
        "customer": customer.pk,
        "scope": "full",
        "until": (timezone.now() + timedelta(minutes=30)).isoformat(),
    }
    session.save()
    # A cookie naming a session that an earlier example's rollback removed gets a new key.
    client.cookies[django_settings.SESSION_COOKIE_NAME] = session.session_key


def _link_in_last_email(kind: str) -> str:
    match = re.search(rf"https?://[^/\s]+(/{kind}/[^/\s]+/)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


# --- The public forms -----------------------------------------------------------------------


@FUZZ
@given(
    body=post_bodies(
        form_data(
            RIGHTS_FIELDS,
            request_type=st.one_of(st.sampled_from(RightsRequest.Type.values), field_value),
        ),
        valid=nearly_valid(
            {
                "email": address,
                "request_type": st.sampled_from(RightsRequest.Type.values),
                "message": within(2000),
                "website": "",
            },
            hostile=RIGHTS_FIELDS,
        ),
    ),
    headers=headers_strategy,
)
def test_rights_form_survives_hostile_input(
    client: Client,
    no_rate_limits: None,
    customer: Customer,
    django_capture_on_commit_callbacks: Any,
    body: dict,
    headers: dict,
) -> None:
    with _example():
        with django_capture_on_commit_callbacks(execute=True):  # the emails are sent too
            response = _post(client, "/rights/", body, headers=headers)
        assert response.status_code in (200, 302, 400, 403, 429)
        if (
            response.status_code == 302
            and mail.outbox
            and "/rights/verify/" in mail.outbox[-1].body
        ):
            # A known address: follow the emailed link to the customer's page.
            path = _link_in_last_email("rights/verify")
            _get(client, path)
            assert _post(client, path, {"data": {}}).status_code == 302
            assert _get(client, "/rights/my-data/").status_code == 200
    # Whatever was sent, the tables are still there.
    assert Customer.objects.filter(pk=customer.pk).exists()


@FUZZ
@given(
    body=post_bodies(
        form_data(
            SUBSCRIBE_FIELDS,
            email=st.one_of(st.emails(), field_value),
            consent=st.one_of(st.sampled_from(["on", "true", "1"]), field_value),
        ),
        valid=nearly_valid(
            {
                "email": address,
                "name": within(200),
                "consent": st.sampled_from(["on", "true", "1"]),
                "website": "",
            },
            hostile=SUBSCRIBE_FIELDS,
        ),
    ),
    headers=headers_strategy,
)
# Inputs the search has found before, tried on every run. The form takes a name of up to
# 200 characters and any valid address; the customer's first and last names hold 100 each.
@example(body={"data": {**SUBSCRIBER, "name": "x" * 150}}, headers={})
@example(body={"data": {**SUBSCRIBER, "name": "Aino " + "y" * 150}}, headers={})
@example(body={"data": {**SUBSCRIBER, "email": "b" * 120 + "@example.fi"}}, headers={})
def test_subscribing_and_confirming_survive_hostile_input(
    client: Client,
    no_rate_limits: None,
    django_capture_on_commit_callbacks: Any,
    body: dict,
    headers: dict,
) -> None:
    with _example():
        with django_capture_on_commit_callbacks(execute=True):
            response = _post(client, "/marketing/subscribe/", body, headers=headers)
        assert response.status_code in (200, 302, 400, 403, 429)
        if response.status_code == 302 and mail.outbox:
            # The name and address went into the signed link: follow it, as the person would.
            path = _link_in_last_email("marketing/confirm")
            _get(client, path)
            _post(client, path, {"data": {}})


@FUZZ
@given(
    token=token_text,
    use=st.sampled_from(["random", "real", "real with a tail", "real cut short"]),
    # What the app stores behind a confirm-email link has passed the form's validation.
    new_email=st.emails().filter(lambda e: len(e) <= 254),
    marketing_purpose=st.sampled_from(ConsentEvent.Purpose.values),
    marketing_channel=st.sampled_from(ConsentEvent.Channel.values),
    body=post_bodies(form_data(("token", "confirm"))),
)
def test_emailed_links_survive_any_token(
    client: Client,
    customer: Customer,
    django_capture_on_commit_callbacks: Any,
    token: str,
    use: str,
    new_email: str,
    marketing_purpose: str,
    marketing_channel: str,
    body: dict,
) -> None:
    with _example():
        with django_capture_on_commit_callbacks(execute=True):
            request = requests.submit_request(
                email=customer.email, request_type="access", language="fi"
            )
        real = {
            "/rights/verify/": _link_in_last_email("rights/verify").split("/")[-2],
            "/rights/report/": issue_token(request=request, purpose=LinkToken.Purpose.OPEN_REPORT),
            "/rights/confirm-email/": issue_token(
                request=request, purpose=LinkToken.Purpose.CONFIRM_EMAIL, new_email=new_email
            ),
            "/marketing/unsubscribe/": unsubscribe_links.unsubscribe_token(
                customer, marketing_purpose, marketing_channel
            ),
            "/marketing/confirm/": None,  # a real one: test_subscribing_and_confirming_...
        }
        for prefix, real_token in real.items():
            if use == "random" or real_token is None:
                value = token
            elif use == "real":
                value = real_token
            elif use == "real with a tail":
                value = real_token + token
            else:
                value = real_token[: len(real_token) // 2]
            path = f"{prefix}{_in_url(value)}/"
            assert _get(client, path).status_code in (200, 404, 410)
            assert _post(client, path, body).status_code in (200, 302, 400, 403, 404, 410)


def test_emailed_links_survive_raw_bytes_in_the_path(client: Client, db: None) -> None:
    for prefix in ("/rights/verify/", "/rights/report/", "/marketing/unsubscribe/"):
        for raw in ("%FF%FE", "%C0%AF", "%00", "%E2%82", "..%2F..%2F", "%25" * 500):
            _check(client.get(f"{prefix}{raw}/"))
            _check(client.post(f"{prefix}{raw}/"))


# --- The customer's own page ----------------------------------------------------------------

my_data_body = post_bodies(
    form_data(
        MY_DATA_FIELDS,
        action=st.one_of(st.sampled_from(MY_DATA_ACTIONS), field_value),
        purpose=st.one_of(st.sampled_from(ConsentEvent.Purpose.values), field_value),
        channel=st.one_of(st.sampled_from(ConsentEvent.Channel.values), field_value),
        new_email=st.one_of(st.emails(), field_value),
    ),
    valid=nearly_valid(
        {
            **CONTACT,
            "action": st.sampled_from(MY_DATA_ACTIONS),
            "first_name": within(100),
            "last_name": within(100),
            "street_address": within(200),
            "city": within(100),
            "new_email": address,
            "purpose": st.sampled_from(ConsentEvent.Purpose.values),
            "channel": st.sampled_from(ConsentEvent.Channel.values),
        },
        hostile=MY_DATA_FIELDS,
    ),
)


@FUZZ
@given(body=my_data_body, fmt=text_value)
def test_my_data_without_a_session_only_redirects(
    client: Client, customer: Customer, body: dict, fmt: str
) -> None:
    with _example():
        assert _post(client, "/rights/my-data/", body).status_code in (302, 400)
        response = _get(client, f"/rights/my-data/download.{_in_url(fmt)}")
        assert response.status_code in (302, 404)


@pytest.mark.parametrize(
    "notes",
    [
        pytest.param("", id="plain-customer"),
        # Staff may keep a note that only looks like health information by ticking the
        # confirmation in the admin (customers.forms); the customer's own page must still work.
        pytest.param("Tuli Pain-joogaan ystävän kanssa.", id="staff-confirmed-notes"),
    ],
)
@FUZZ
@given(body=my_data_body, fmt=text_value, headers=headers_strategy)
@example(body={"data": {**CONTACT, "city": "Espoo"}}, fmt="json", headers={})
def test_my_data_with_a_session_survives_hostile_input(
    client: Client,
    customer_with_history: Customer,
    notes: str,
    body: dict,
    fmt: str,
    headers: dict,
) -> None:
    customer = customer_with_history
    Customer.objects.filter(pk=customer.pk).update(notes=notes)  # as a confirmed admin save
    with _example():
        _open_my_data(client, customer)
        response = _post(client, "/rights/my-data/", body, headers=headers)
        assert response.status_code in (302, 400)
        # Whatever was stored renders: the page and both downloads.
        _open_my_data(client, customer)  # the "logout" action ends the session
        assert _get(client, "/rights/my-data/").status_code == 200
        for kind in ("json", "csv"):
            assert _get(client, f"/rights/my-data/download.{kind}").status_code == 200
        response = _get(client, f"/rights/my-data/download.{_in_url(fmt)}")
        assert response.status_code in (200, 404)


# --- The other public pages -----------------------------------------------------------------


@FUZZ
@given(
    version=st.one_of(st.integers(), field_value),
    query=form_data(("version", "next", "language")),
    setlang=post_bodies(
        form_data(
            ("language", "next"),
            language=st.one_of(st.sampled_from(["fi", "en", "sv"]), field_value),
            next=st.one_of(
                st.sampled_from(["/", "/rights/", "//evil.example.com/", "https://evil.example"]),
                field_value,
            ),
        )
    ),
    headers=headers_strategy,
)
def test_other_public_pages_survive_hostile_input(
    client: Client, db: None, version: Any, query: dict, setlang: dict, headers: dict
) -> None:
    with _example():
        assert _get(client, "/privacy/", {"version": version}, headers=headers).status_code in (
            200,
            400,
            404,
        )
        _get(client, "/privacy/", query, headers=headers)
        for path in ("/", "/healthz", "/rights/", "/marketing/subscribe/", "/rights/sent/"):
            assert _get(client, path, query, headers=headers).status_code == 200
        response = _post(client, "/i18n/setlang/", setlang, headers=headers)
        assert response.status_code in (200, 204, 302, 400)
        assert _get(client, "/", headers=headers).status_code == 200


@pytest.mark.parametrize("path", ["/rights/", "/marketing/subscribe/"])
@pytest.mark.parametrize("encoding", ["urlencoded", "multipart", "many-fields"])
def test_a_huge_body_is_refused_without_a_5xx(
    client: Client, no_rate_limits: None, path: str, encoding: str
) -> None:
    """Several megabytes: 400 once DATA_UPLOAD_MAX_MEMORY_SIZE is set; never a 5xx."""
    huge = "<script>alert(1)</script>" * 200_000  # 5 MB
    data = {"email": "a@example.fi", "request_type": "access", "consent": "on", "message": huge}
    if encoding == "urlencoded":
        kwargs = {
            "data": urlencode(data),
            "content_type": "application/x-www-form-urlencoded",
        }
    elif encoding == "multipart":
        kwargs = {"data": data}
    else:
        kwargs = {
            "data": urlencode([("f", str(i)) for i in range(300_000)]),
            "content_type": "application/x-www-form-urlencoded",
        }
    response = _check(client.post(path, **kwargs))
    if django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE is not None:
        assert response.status_code == 400  # refused before the view (RequestDataTooBig)
    else:
        assert response.status_code in (200, 302, 400)


# --- Stored markup is escaped where people see it -------------------------------------------

safe_padding = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzåäö ÅÄÖ-'.,"), max_size=12)
markup_value = st.builds(
    lambda before, markup, after: f"{before}{markup}{after}".strip(),
    safe_padding,
    st.sampled_from(MARKUP_FRAGMENTS),
    safe_padding,
)


def _assert_escaped(page: str, markup: str, where: str) -> None:
    assert markup not in page, f"{markup!r} unescaped on {where}"
    assert escape(markup) in page, f"{escape(markup)!r} missing from {where}"


def _owner_client(owner: User) -> Client:
    owner_client = Client()
    owner_client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    return owner_client


@FUZZ
@given(
    field=st.sampled_from(["first_name", "last_name", "street_address", "city"]),
    value=markup_value,
    noise=form_data(MY_DATA_FIELDS[1:]),
)
def test_stored_markup_in_contact_details_is_escaped_for_customer_and_owner(
    client: Client, customer: Customer, owner: User, field: str, value: str, noise: dict
) -> None:
    with _example():
        _open_my_data(client, customer)
        # First some hostile noise through the same form, then a value the form accepts.
        _post(client, "/rights/my-data/", {"data": {**noise, "action": "contact"}})
        response = _post(client, "/rights/my-data/", {"data": {**CONTACT, field: value}})
        assert response.status_code == 302, "a name or an address with markup is accepted"
        customer.refresh_from_db()
        assert getattr(customer, field) == value
        markup = next(m for m in MARKUP_FRAGMENTS if m in value)

        page = _get(client, "/rights/my-data/").content.decode()
        _assert_escaped(page, markup, "the customer's own page")

        response = _get(_owner_client(owner), f"/admin/customers/customer/{customer.pk}/change/")
        assert response.status_code == 200
        _assert_escaped(response.content.decode(), markup, "the admin's customer page")


# A message's padding holds no letters: random letters can spell a word the health guard
# rightly stops ("ill", "inhalaattori"), which is not what this test is about.
message_padding = st.text(st.sampled_from("0123456789 -'.,#"), max_size=12)
markup_message = st.builds(
    lambda before, markup, after: f"{before}{markup}{after}".strip(),
    message_padding,
    st.sampled_from(MARKUP_FRAGMENTS),
    message_padding,
)


@FUZZ
@given(message=markup_message, known=st.booleans())
def test_stored_markup_in_a_request_message_is_escaped_for_the_owner(
    client: Client, no_rate_limits: None, customer: Customer, owner: User, message: str, known: bool
) -> None:
    email = customer.email if known else "ei.asiakas@example.fi"
    with _example():
        body = {"data": {"email": email, "request_type": "access", "message": message}}
        assert _post(client, "/rights/", body).status_code == 302
        request = RightsRequest.objects.get(message=message)
        markup = next(m for m in MARKUP_FRAGMENTS if m in message)

        owner_client = _owner_client(owner)
        response = _get(owner_client, f"/admin/consent/rightsrequest/{request.pk}/change/")
        assert response.status_code == 200
        _assert_escaped(response.content.decode(), markup, "the owner's request page")
        response = _get(owner_client, "/admin/consent/rightsrequest/", {"all": "1"})
        assert response.status_code == 200
        assert markup not in response.content.decode()

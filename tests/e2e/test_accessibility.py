"""In real Chromium at a phone's width (360 px): the public pages pass axe-core's WCAG 2.1
A and AA rules in Finnish and in English, nothing scrolls sideways, and the forms work
without JavaScript.

Set A11Y_SCREENSHOTS to a folder to also save a full-page screenshot of every page checked.
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail

from consent.acts import requests
from consent.marketing import unsubscribe as unsubscribe_links
from consent.models import Recipient, StudioSettings
from tests.conftest import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
LOCALES = {"fi": "fi-FI", "en": "en-GB"}
WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations", "incomplete"],
}
# WCAG 1.4.10 (Reflow) is defined at 320 CSS pixels: the narrowest phones.
REFLOW_WIDTH = 320
# In-page links ("#id") whose target is missing: the skip link, the error summary's links.
BROKEN_ANCHORS_JS = """() => [...document.querySelectorAll('a[href^="#"]')]
  .map((a) => a.getAttribute("href"))
  .filter((href) => !document.getElementById(decodeURIComponent(href.slice(1))))"""
# Elements whose right edge is past the viewport: named in the message when a page overflows.
WIDE_ELEMENTS_JS = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > width + 0.5)
    .slice(0, 8)
    .map((e) => {
      const classes = typeof e.className === "string" ? e.className.trim().split(/\\s+/) : [];
      return e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
        + classes.filter(Boolean).map((c) => "." + c).join("")
        + " (right edge " + Math.round(e.getBoundingClientRect().right) + "px)";
    });
}"""

axe = Axe()


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    """One Chromium for the whole module; every test opens its own contexts in it."""
    # Playwright's sync API runs an event loop in this thread (see tests/conftest.py).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def open_page(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """open_page(language, javascript=True): a new page at a phone's size, in that language."""
    contexts = []

    def open_page(language: str, *, javascript: bool = True) -> Any:
        context = browser.new_context(
            base_url=live_server.url,
            locale=LOCALES[language],  # also the Accept-Language header
            timezone_id="Europe/Helsinki",
            viewport=PHONE,
            java_script_enabled=javascript,
        )
        contexts.append(context)
        context.set_default_timeout(10_000)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def _describe(results: list[dict[str, Any]]) -> str:
    lines = []
    for v in results:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    - {target}: {node.get('failureSummary', '').strip()}".rstrip())
    return "\n".join(lines)


def _problems(page: Any, language: str, where: str) -> list[str]:
    """What is wrong with the page now shown, as readable messages (none: all is well)."""
    found = []
    lang = page.locator("html").get_attribute("lang")
    if lang != language:
        found.append(f'{where}: <html lang="{lang}">, expected "{language}"')
    for viewport in (PHONE["width"], REFLOW_WIDTH):
        page.set_viewport_size({"width": viewport, "height": PHONE["height"]})
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > viewport:
            wide = ", ".join(page.evaluate(WIDE_ELEMENTS_JS))
            found.append(f"{where}: {width}px wide at {viewport}px, scrolls sideways: {wide}")
    page.set_viewport_size(PHONE)
    if broken := page.evaluate(BROKEN_ANCHORS_JS):
        found.append(f"{where}: in-page links to nothing: {', '.join(broken)}")
    results = axe.run(page, options=WCAG_21_AA)
    if results.violations_count:
        found.append(
            f"{where}: {results.violations_count} axe violation(s) at {page.url}\n"
            + _describe(results.response["violations"])
        )
    # What axe cannot decide alone ("needs review"), such as aria-describedby naming an id
    # that is not on the page: none is expected on these plain pages, so each is shown.
    if results.response["incomplete"]:
        found.append(
            f"{where}: axe needs review at {page.url}\n" + _describe(results.response["incomplete"])
        )
    if folder := os.environ.get("A11Y_SCREENSHOTS"):
        name = re.sub(r"\W+", "-", where).strip("-")
        page.screenshot(path=str(Path(folder) / f"a11y-{language}-{name}.png"), full_page=True)
    return found


def _path_of_last_link() -> str:
    """The emailed link's path: the link itself points at SITE_URL, not the live server."""
    link = re.search(r"https?://\S+(/rights/verify/[^/\s]+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    return link.group(1)


def _send_button(page: Any) -> Any:
    return page.locator("main form button[type=submit]")


@pytest.mark.parametrize("language", ["fi", "en"])
def test_the_public_pages_pass_axe_at_a_phone_width(open_page, customer_with_history, language):
    """Every public page, and the error states of its forms, in one walk per language."""
    # A long address, as real ones sometimes are: it must wrap, not widen the page.
    customer = customer_with_history
    customer.email = "aino.esimerkki-virtanen.kevatkurssi2025@esimerkkiyritys.example.fi"
    customer.save(update_fields=["email"])
    page = open_page(language)
    problems = []

    page.goto("/")
    problems += _problems(page, language, "home page")

    page.goto("/rights/")
    problems += _problems(page, language, "rights form")

    page.fill("#id_email", "not-an-address")
    with page.expect_navigation() as navigation:
        _send_button(page).click()
    assert navigation.value.status == 400
    assert page.locator(".error-summary").is_visible()
    problems += _problems(page, language, "rights form with errors")

    page.goto("/rights/sent/")
    problems += _problems(page, language, "request sent")

    response = page.goto("/rights/verify/forged-token-value/")
    assert response.status == 404
    problems += _problems(page, language, "token problem")

    requests.submit_request(email=customer.email, request_type="access", language=language)
    response = page.goto(_path_of_last_link())
    assert response.status == 200
    problems += _problems(page, language, "verify link")

    _send_button(page).click()
    page.wait_for_url("**/rights/my-data/")
    assert page.locator("h1").count() == 1
    problems += _problems(page, language, "my data")

    page.fill("#id_postal_code", "123")
    with page.expect_navigation() as navigation:
        page.locator("form:has(#id_postal_code) button[type=submit]").click()
    assert navigation.value.status == 400
    problems += _problems(page, language, "my data with errors")

    page.goto("/privacy/")
    assert page.locator("main h2").count() == 0  # the placeholder studio: being prepared
    problems += _problems(page, language, "privacy notice being prepared")

    studio = StudioSettings.load()
    studio.controller_name, studio.email = "Viva Esimerkki Oy", "studio@example.fi"
    studio.save()
    Recipient.objects.create(
        name="Google Ireland Limited / Google LLC (Gmail, Google Workspace)",
        purpose="Sähköposti",
        country="US",
        safeguard=Recipient.Safeguard.DPF,
        dpf_checked_on="2026-03-02",
        scc_also=True,
    )
    page.goto("/privacy/")
    assert page.locator("main h2").count() >= 13
    problems += _problems(page, language, "privacy notice")

    page.goto("/marketing/subscribe/")
    problems += _problems(page, language, "newsletter sign-up")
    with page.expect_navigation() as navigation:
        _send_button(page).click()
    assert navigation.value.status == 400
    problems += _problems(page, language, "newsletter sign-up with errors")

    page.goto("/marketing/subscribe/sent/")
    problems += _problems(page, language, "sign-up sent")

    page.goto(_site_path(unsubscribe_links.unsubscribe_link(customer, "newsletter", "email")))
    problems += _problems(page, language, "unsubscribe")
    _send_button(page).click()
    page.wait_for_selector("h1")
    problems += _problems(page, language, "unsubscribed")

    assert not problems, "\n\n".join(problems)


def _site_path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


@pytest.mark.parametrize("language", ["fi", "en"])
def test_the_forms_work_without_javascript(open_page, customer, language):
    page = open_page(language, javascript=False)

    page.goto("/rights/")
    assert page.locator("html").get_attribute("lang") == language
    with page.expect_navigation() as navigation:
        _send_button(page).click()
    assert navigation.value.status == 400
    assert page.locator(".error-summary").is_visible()

    page.fill("#id_email", customer.email)
    page.check("input[name=request_type][value=access]")
    _send_button(page).click()
    page.wait_for_url("**/rights/sent/")
    assert page.locator("html").get_attribute("lang") == language

    # The link's page is sent with "Referrer-Policy: no-referrer": its button must still pass
    # Django's CSRF check of the Origin header, which a browser (unlike the test client) sends.
    page.goto(_path_of_last_link())
    _send_button(page).click()
    page.wait_for_url("**/rights/my-data/")
    assert customer.full_name in page.locator("main").inner_text()

    # The language switch is a plain form too, and keeps the visitor on the same page.
    other = "en" if language == "fi" else "fi"
    page.select_option("#language-select", other)
    with page.expect_navigation(url="**/rights/my-data/"):
        page.locator(".language-form button[type=submit]").click()
    assert page.locator("html").get_attribute("lang") == other

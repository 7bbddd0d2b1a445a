"""A sandbox-shaped session end to end: headless Chromium, the demo stack, and the stand-in page.

``demo/standin.py`` serves a page on its own origin that sends what the CDS Hooks sandbox sends (discovery,
the PAMA screen's three order-select calls, Dismiss feedback, patient-view) to the real service, which
reads every chart from SEKMET. The stand-in's origin is trusted the way ``make demo SANDBOX_ORIGIN=…``
trusts a locally built sandbox, so every call is a real CORS preflight plus the call. The page shows the
rating as the sandbox does and the cards as a clinician sees them; this test reads what it shows.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from demo.patients import DemoPatient
from demo.stack import HOST, free_port
from demo.standin import DemoStack, chromium, demo_stack, open_session, serve_standin

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                       reason="needs Debian's chromium and chromium-driver"),
]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "cards"
TALLEST_CARD_PX = 520  # at the sandbox's card width: what a clinician takes in without scrolling


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoStack, str, int, Any]]:
    workdir = tmp_path_factory.mktemp("standin")
    port = free_port()
    with demo_stack(workdir, datetime.now(UTC).date(), [f"http://{HOST}:{port}"]) as stack, \
            serve_standin(stack, port) as page, chromium(workdir / "chromium") as browser:
        yield stack, page, port, browser


def _patients(kind: str) -> list[str]:
    from demo.run import all_patients

    today = datetime.now(UTC).date()
    return [p.id for p in all_patients(today) if p.id.startswith("demo-") == (kind == "demo")]


def shown_cards(browser: Any) -> list[tuple[str, str]]:
    cards = browser.find_elements("css selector", "#cards .card")
    return [(card.get_attribute("data-topic"), card.get_attribute("class").split()[1]) for card in cards]


def shown_rating(browser: Any) -> str:
    text: str = browser.find_element("id", "rating").text
    return text.removeprefix("PAMA Rating: ").rsplit(" ", 1)[0]


@pytest.mark.parametrize("pid", _patients("demo"))
def test_the_pama_screen_shows_each_patients_cards_and_rating(session: Any, pid: str) -> None:
    stack, page, _, browser = session
    patient: DemoPatient = stack.patients[pid]
    assert open_session(browser, f"{page}/?patient={pid}&screen=pama") == "1", browser.page_source[-2000:]
    assert tuple(shown_cards(browser)) == patient.expected.cards
    rating = patient.expected.rating
    assert shown_rating(browser) == (rating if rating != "none" else "unknown")
    for card in browser.find_elements("css selector", "#cards .card"):
        assert card.size["height"] <= TALLEST_CARD_PX, card.text


@pytest.mark.parametrize("pid", _patients("demo"))
def test_patient_view_shows_the_pathway_summary(session: Any, pid: str) -> None:
    stack, page, _, browser = session
    assert open_session(browser, f"{page}/?patient={pid}&screen=patient-view") == "1"
    assert tuple(shown_cards(browser)) == stack.patients[pid].expected.patient_view


def test_study_then_reason_leaves_no_stale_rating_unexplained(session: Any) -> None:
    """The sandbox keeps the study-only call's no-criteria-apply; the card says it no longer applies."""
    _, page, _, browser = session
    pid = _patients("background")[0]
    assert open_session(browser, f"{page}/?patient={pid}&screen=pama") == "1"
    assert shown_rating(browser) == "no-criteria-apply"
    (card,) = browser.find_elements("css selector", "#cards .card")
    assert "No PAMA rating for this order as it stands" in card.text
    assert "no longer applies" in card.text


def test_dismiss_sends_feedback_that_is_stored(session: Any) -> None:
    _, page, _, browser = session
    assert open_session(browser, f"{page}/?patient=demo-lumbar-day20&screen=pama") == "1"
    browser.find_element("css selector", "#cards .card button.dismiss").click()
    from selenium.webdriver.support.ui import WebDriverWait

    stored = WebDriverWait(browser, 15).until(
        lambda driver: driver.find_element("tag name", "body").get_attribute("data-feedback"))
    assert stored == "1"


def test_how_this_was_decided_opens_the_rule_trace(session: Any) -> None:
    _, page, _, browser = session
    assert open_session(browser, f"{page}/?patient=demo-lumbar-day20&screen=pama") == "1"
    link = browser.find_element("link text", "How this was decided").get_attribute("href")
    from selenium.webdriver.support.ui import WebDriverWait

    def loaded(driver: Any) -> bool:
        driver.get(link)
        return "R1" in driver.find_element("tag name", "body").text

    WebDriverWait(browser, 15, poll_frequency=0.3).until(loaded)
    text = browser.find_element("tag name", "body").text
    assert "How this was decided" in text and "not-appropriate" in text and "demo-lumbar-day20" not in text


def test_an_untrusted_origin_fails_visibly_in_the_page_and_the_log_names_the_fix(session: Any) -> None:
    """The same page from http://localhost (another origin): CORS refuses it. The stand-in says so; the
    real sandbox shows only "No recommendations", so the service's log names the origin to add."""
    stack, page, port, browser = session
    untrusted = page.replace(f"http://{HOST}:{port}", f"http://localhost:{port}")
    assert open_session(browser, f"{untrusted}/?patient=demo-lumbar-day20&screen=pama") == "error"
    assert "FAILED" in browser.find_element("id", "status").text
    log = stack.service.log.read_text()
    assert f"'http://localhost:{port}' is not allowed (CORS)" in log
    assert f"SANDBOX_ORIGIN=http://localhost:{port}" in log


@pytest.mark.parametrize("pid", _patients("demo"))
def test_every_demo_patient_has_a_committed_screenshot(pid: str) -> None:
    """`python -m demo.standin --screenshots docs/cards` writes them; README and docs/demo.md show some."""
    assert (DOCS / f"{pid}.png").stat().st_size > 10_000

"""A stand-in for the CDS Hooks sandbox, in headless Chromium against the demo stack.

The sandbox cannot be shipped or reached from a test, so ``standin.html`` replays what it sends — the PAMA
screen's three order-select calls (empty, study picked, reason picked: ``demo.sandbox`` records their
shape), discovery, Dismiss feedback and patient-view — from a page on its own origin, so the browser
preflights every call (CORS) exactly as it does for the sandbox. The page keeps the PAMA rating as the
sandbox does and draws the cards as a clinician sees them. Tokens are minted per call by the local
developer client, as the sandbox signs its own.

    python -m demo.standin --screenshots docs/cards   # the demo stack, one PNG per demo patient

``tests/demo/test_sandbox_browser.py`` runs the same session and checks what the page shows.
"""

from __future__ import annotations

import argparse
import html
import json
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from demo import sandbox
from demo.patients import DemoPatient
from demo.run import DemoStack, demo_stack
from demo.stack import HOST, free_port

PAGE = Path(__file__).with_name("standin.html")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
    "--hide-scrollbars", "--window-size=800,1400",
)


def session(patient: DemoPatient, screen: str, stack: DemoStack) -> dict[str, Any]:
    """What the page sends, in order, each call with its own token."""
    def step(label: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"label": label, "path": path, "token": stack.mint(path), "body": body}

    pid, order, fhir = patient.id, patient.order, stack.fhir_base
    service = f"/cds-services/{sandbox.ORDER_SELECT}"
    if screen == "patient-view":
        view = f"/cds-services/{sandbox.PATIENT_VIEW}"
        calls = [step("patient-view", view, sandbox.patient_view(pid, fhir))]
    else:
        calls = [step("PAMA screen opened", service, sandbox.order_select(pid, None, fhir)),
                 step("study picked", service, sandbox.order_select(pid, order, fhir, with_reason=False)),
                 step("reason picked", service, sandbox.order_select(pid, order, fhir))]
    banner = f"<b>{html.escape(patient.name)}</b>"
    if screen != "patient-view":
        banner += (f"<br>Order: {order.code} {html.escape(order.display)} · "
                   f"reason: {html.escape(order.reason_display)}")
    return {"base": stack.base, "title": "PAMA Imaging" if screen != "patient-view" else "Patient View",
            "banner": banner, "rating": screen != "patient-view", "calls": calls,
            "discovery": step("discovery", "/cds-services"),
            "feedback": step("feedback", f"{service}/feedback")}


def page(session_data: dict[str, Any]) -> bytes:
    """The page with its session inlined (``</`` escaped so no value can close the script element)."""
    data = json.dumps(session_data).replace("</", "<\\/")
    return PAGE.read_text().replace("__SESSION__", data).encode()


@contextmanager
def serve_standin(stack: DemoStack, port: int, host: str = HOST) -> Iterator[str]:
    """The stand-in's own origin: ``GET /?patient=<id>&screen=pama|patient-view``. ``port`` is chosen
    before the service starts, so that its origin can be trusted; ``host`` names it (127.0.0.1 or
    localhost: two origins, one trusted and one not)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            patient = stack.patients.get(query.get("patient", [""])[0])
            if patient is None:
                self.send_error(404)
                return
            body = page(session(patient, query.get("screen", ["pama"])[0], stack))
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer((HOST, port), Handler)
    thread = threading.Thread(target=server.serve_forever, name="standin", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (binary and driver):
        raise RuntimeError("needs chromium and chromedriver (apt-get install chromium chromium-driver)")
    options = Options()
    options.binary_location = binary
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    try:
        yield browser
    finally:
        browser.quit()


def open_session(browser: Any, url: str, timeout: float = 30) -> str:
    """Open a stand-in page and wait for its calls: ``"1"`` when all answered, ``"error"`` when one failed."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    done: str = WebDriverWait(browser, timeout).until(
        lambda driver: driver.find_element("tag name", "body").get_attribute("data-done") in ("1", "error")
        and driver.find_element("tag name", "body").get_attribute("data-done"))
    return done


def write_screenshots(directory: Path, today: date) -> list[Path]:
    """One PNG per hand-made demo patient (the PAMA screen after the reason is picked), one patient-view,
    and the background patient's study-then-reason session."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="spine-cds-standin-") as scratch:
        port = free_port()
        with demo_stack(Path(scratch), today, [f"http://{HOST}:{port}"]) as stack, \
                serve_standin(stack, port) as standin, chromium(Path(scratch) / "chromium") as browser:
            for pid, screen, name in _shots(stack):
                if open_session(browser, f"{standin}/?patient={pid}&screen={screen}") != "1":
                    status = browser.find_element("id", "status").text
                    raise RuntimeError(f"{pid}: the stand-in page failed: {status}")
                target = directory / name
                browser.find_element("tag name", "main").screenshot(str(target))
                written.append(target)
    return written


def _shots(stack: DemoStack) -> Iterator[tuple[str, str, str]]:
    for pid in stack.patients:
        if pid.startswith("demo-"):
            yield pid, "pama", f"{pid}.png"
    yield "demo-cauda-equina", "patient-view", "demo-cauda-equina-patient-view.png"
    background = next(pid for pid in stack.patients if not pid.startswith("demo-"))
    yield background, "pama", "background-study-then-reason.png"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="demo.standin", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--screenshots", type=Path, required=True, metavar="DIR")
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    args = parser.parse_args(argv)
    for path in write_screenshots(args.screenshots, args.today):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

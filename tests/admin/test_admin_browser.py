"""The dashboard in a real headless Chromium (Debian's ``chromium`` + ``chromium-driver``, via Selenium).

The app runs under uvicorn on a free loopback port in a thread, on a database seeded with the known week of
``dashboard_seed``. The browser opens the page with the admin credential in the URL, so it meets the real
401 challenge, answers it and reuses the credential for the CSV link as it would for a person who typed it;
it reads the rendered tables and the chart, and clicks a CSV link to download the file.
"""

from __future__ import annotations

import csv
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dashboard_seed import END, EXPECTED, PASSWORD, START, seed

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
)
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
    "--window-size=1200,1600",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from app.feedback import Database
    from app.main import create_app
    from app.settings import Profile, Settings

    url = f"sqlite:///{tmp_path_factory.mktemp('served') / 'spine-cds.db'}"
    settings = Settings(profile=Profile.DEVELOPMENT, database_url=url, auth_required=False,
                        admin_password=PASSWORD)
    database = Database(url)
    database.upgrade()
    seed(database)
    database.dispose()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=free_port(), log_level="warning",
                            http="h11", ws="none", loop="asyncio", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{config.port}"
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, downloads: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)
    try:
        behaviour = {"behavior": "allow", "downloadPath": str(downloads)}
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", behaviour)
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def dashboard(browser: Any, served: str) -> Any:
    with_credential = served.replace("http://", f"http://admin:{PASSWORD}@")
    browser.get(f"{with_credential}/admin?start={START}&end={END}")
    return browser


def rendered_rows(driver: Any, table: str) -> list[list[str]]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, f"table#{table} tbody tr:not(.empty)")
    return [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")] for row in rows]


def test_the_page_loads(dashboard: Any) -> None:
    assert dashboard.title == "spine-cds: evaluations and overrides"


@pytest.mark.parametrize("table", sorted(EXPECTED))
def test_the_numbers_shown_match_the_seeded_feedback(dashboard: Any, table: str) -> None:
    assert rendered_rows(dashboard, table) == EXPECTED[table]


def test_the_chart_is_drawn_with_a_bar_per_rating_and_day(dashboard: Any) -> None:
    from selenium.webdriver.common.by import By

    chart = dashboard.find_element(By.ID, "daily-chart")
    assert chart.is_displayed()
    assert chart.size["width"] > 600 and chart.size["height"] > 200
    bars = chart.find_elements(By.CSS_SELECTOR, "rect.bar")
    assert sum(int(bar.get_attribute("data-count")) for bar in bars) == 7
    assert all(bar.size["height"] > 0 for bar in bars)


def test_the_csv_link_downloads_the_table(dashboard: Any, downloads: Path) -> None:
    from selenium.webdriver.common.by import By

    dashboard.find_element(By.CSS_SELECTOR, "table#topics a.csv").click()
    target = downloads / f"spine-cds-topics-{START}_{END}.csv"
    deadline = time.monotonic() + 10
    while not target.exists():
        assert time.monotonic() < deadline, f"no download: {sorted(p.name for p in downloads.iterdir())}"
        time.sleep(0.1)
    header, *rows = csv.reader(target.read_text(encoding="utf-8").splitlines())
    assert header[:2] == ["topic", "cards shown"]
    assert rows == EXPECTED["topics"]

"""The dashboard's tables and CSV show the seeded week exactly (dashboard_seed.EXPECTED)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from dashboard_seed import ADMIN, END, EXPECTED, START, html_tables

from app.admin.period import Period
from app.admin.queries import load_dashboard
from app.feedback import Database

PERIOD = {"start": START, "end": END}


async def test_every_table_on_the_page_matches_the_seeded_feedback(seeded: httpx.AsyncClient) -> None:
    response = await seeded.get("/admin", params=PERIOD, headers=ADMIN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    tables = html_tables(response.text)
    assert {key: tables[key] for key in EXPECTED} == EXPECTED


@pytest.mark.parametrize("table", sorted(EXPECTED))
async def test_each_table_downloads_as_the_same_csv(seeded: httpx.AsyncClient, table: str) -> None:
    response = await seeded.get(f"/admin/export/{table}.csv", params=PERIOD, headers=ADMIN)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = f'attachment; filename="spine-cds-{table}-{START}_{END}.csv"'
    assert response.headers["content-disposition"] == disposition
    header, *rows = csv.reader(io.StringIO(response.text))
    expected = [[cell.replace("=HYPERLINK", "'=HYPERLINK") for cell in row] for row in EXPECTED[table]]
    assert rows == expected
    assert header[0] in {"measure", "rating", "rule", "topic", "reason", "date"}


async def test_a_formula_in_a_comment_cannot_run_in_a_spreadsheet(seeded: httpx.AsyncClient) -> None:
    response = await seeded.get("/admin/export/comments.csv", params=PERIOD, headers=ADMIN)
    assert "'=HYPERLINK" in response.text
    assert ',"=HYPERLINK' not in response.text


async def test_the_chart_is_an_inline_svg_with_one_stack_per_day(seeded: httpx.AsyncClient) -> None:
    page = (await seeded.get("/admin", params=PERIOD, headers=ADMIN)).text
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="daily-chart"' in page
    assert page.count('<g class="day"') == 7
    assert 'data-day="2026-11-03" data-total="2"' in page
    assert page.count('class="bar" data-rating="not-appropriate"') == 3  # 11-02, 11-03, 11-04


async def test_the_page_names_the_policy_version_and_mode(seeded: httpx.AsyncClient) -> None:
    page = (await seeded.get("/admin", params=PERIOD, headers=ADMIN)).text
    assert '<span id="policy-version">default-1</span>' in page
    assert '<span id="mode">active</span>' in page


async def test_the_default_period_is_the_last_30_days(seeded: httpx.AsyncClient) -> None:
    page = (await seeded.get("/admin", headers=ADMIN)).text
    assert page.count('<g class="day"') == 30


@pytest.mark.parametrize(
    ("params", "message"),
    [({"start": "2026-11-07", "end": "2026-11-01"}, "start date is after"),
     ({"start": "2024-01-01", "end": "2026-11-01"}, "at most 366 days"),
     ({"start": "yesterday"}, "start")],
)
async def test_a_bad_period_is_400(seeded: httpx.AsyncClient, params: dict[str, str], message: str) -> None:
    response = await seeded.get("/admin", params=params, headers=ADMIN)
    assert response.status_code == 400
    assert message in response.json()["issue"][0]["diagnostics"]


async def test_an_unknown_table_is_404(seeded: httpx.AsyncClient) -> None:
    assert (await seeded.get("/admin/export/patients.csv", headers=ADMIN)).status_code == 404


def test_an_empty_period_shows_empty_tables(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    database.upgrade()
    try:
        day = date(2026, 11, 1)
        dashboard = load_dashboard(database, Period.choose(day, day, ZoneInfo("UTC"), day))
    finally:
        database.dispose()
    assert dashboard.table("topics").rows == ()
    assert dashboard.table("summary").rows[0] == ("hook calls", 0)
    assert dashboard.table("daily").rows == (("2026-11-01", 0, 0, 0, 0, 0),)


def test_days_follow_the_site_time_zone() -> None:
    day = date(2026, 11, 2)
    period = Period.choose(day, day, ZoneInfo("America/New_York"), day)
    assert period.since == datetime(2026, 11, 2, 5, tzinfo=UTC)
    assert period.local_day(datetime(2026, 11, 3, 3, tzinfo=UTC)) == date(2026, 11, 2)

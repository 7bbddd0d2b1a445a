"""The audit migration, writer and dashboard queries on PostgreSQL (production's database), started here.

Skipped only when the PostgreSQL server binaries are absent (Debian package ``postgresql``; .ci/run installs
it). As root, initdb and pg_ctl run as the ``postgres`` account, since initdb refuses root.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from dashboard_seed import END, EXPECTED, START, seed

from app.admin.period import Period
from app.admin.queries import load_dashboard
from app.feedback import Database

pytestmark = pytest.mark.integration
def test_the_dashboard_reads_the_same_numbers_from_postgresql(postgres_url: str) -> None:
    database = Database(postgres_url)
    try:
        database.upgrade()
        seed(database)
        start, end = date.fromisoformat(START), date.fromisoformat(END)
        period = Period.choose(start, end, ZoneInfo("UTC"), end)
        dashboard = load_dashboard(database, period)
    finally:
        database.dispose()
    shown = {t.key: [["–" if c is None else str(c) for c in row] for row in t.rows] for t in dashboard.tables}
    assert shown == EXPECTED

"""The /admin dashboard under guessing and odd input (docs/security.md, "Limits"): failed logins are
rate-limited per address, logged and counted; the period cannot overflow; the CSV quotes every formula
lead-in a spreadsheet would run."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest
from admin.dashboard_seed import ADMIN, PASSWORD, basic

from app.admin.auth import LoginThrottle
from app.admin.tables import Table
from app.observability.metrics import REGISTRY
from app.settings import Settings

WRONG = basic("admin", "not-the-password-at-all")


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory(admin_password=PASSWORD, admin_login_max_failures=5)


def failures(outcome: str) -> float:
    return REGISTRY.get_sample_value("spine_cds_admin_login_failures_total", {"reason": outcome}) or 0.0


async def test_wrong_passwords_lock_the_address_out_and_are_logged_and_counted(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture,
) -> None:
    """3,000 wrong passwords in 1.9 s once met no lockout, no log line and no metric."""
    refused, throttled = failures("refused"), failures("throttled")
    with caplog.at_level(logging.WARNING, logger="app.admin.auth"):
        answers = [(await client.get("/admin", headers=WRONG)).status_code for _ in range(8)]
    assert answers == [401] * 5 + [429] * 3
    locked = await client.get("/admin", headers=ADMIN)  # even the right password waits out the window
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    logged = [r for r in caplog.records if r.getMessage().startswith("admin login failed")]
    assert len(logged) == 5 and all(PASSWORD not in r.getMessage() for r in logged)
    assert (failures("refused"), failures("throttled")) == (refused + 5, throttled + 4)


async def test_a_browser_asking_without_credentials_is_not_a_failure(client: httpx.AsyncClient) -> None:
    for _ in range(10):
        assert (await client.get("/admin")).status_code == 401
    assert (await client.get("/admin", headers=ADMIN)).status_code == 200


def test_the_lockout_ends_with_the_window_and_a_success_clears_the_count() -> None:
    now = [0.0]
    throttle = LoginThrottle(3, 60, clock=lambda: now[0])
    for _ in range(3):
        throttle.failed("10.0.0.1")
    assert throttle.retry_after("10.0.0.1") == 60 and throttle.retry_after("10.0.0.2") == 0
    now[0] = 61
    assert throttle.retry_after("10.0.0.1") == 0
    throttle.failed("10.0.0.1")
    throttle.succeeded("10.0.0.1")
    assert throttle.failed("10.0.0.1") == 1


def test_the_throttle_remembers_a_bounded_number_of_addresses() -> None:
    throttle = LoginThrottle(1, 60, max_addresses=100)
    for n in range(1_000):
        throttle.failed(f"10.0.{n // 256}.{n % 256}")
    assert throttle.retry_after("10.0.3.231") > 0  # the newest are kept
    assert throttle.retry_after("10.0.0.0") == 0  # the oldest forgotten


@pytest.mark.parametrize("query", [{"end": "0001-01-01"}, {"start": "0001-01-01", "end": "0001-01-02"},
                                   {"end": "9999-12-31"}])
async def test_a_period_at_the_ends_of_the_calendar_is_a_400(client: httpx.AsyncClient,
                                                            query: dict[str, str]) -> None:
    response = await client.get("/admin", params=query, headers=ADMIN)
    assert response.status_code == 400  # was a 500 (date arithmetic overflow)


@pytest.mark.parametrize("cell", [" =1+1", "\uff1dHYPERLINK(1)", "\n=1", "\u200b=1", "\ufeff=1",
                                  "\uff0b1", "\uff20SUM(1)", "\t@x", "=1", "-1", "+1", "@x"])
def test_every_formula_lead_in_is_quoted_in_the_csv(cell: str) -> None:
    table = Table("comments", "Comments", ("comment",), ((cell,),))
    assert table.to_csv().split("\r\n")[1].lstrip('"').startswith("'")


def test_ordinary_text_is_left_alone_in_the_csv() -> None:
    table = Table("comments", "Comments", ("comment",), (("patient declined",), ("a=b",)))
    assert table.to_csv() == "comment\r\npatient declined\r\na=b\r\n"

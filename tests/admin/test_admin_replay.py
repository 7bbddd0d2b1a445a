"""/admin shows a replay's decisions.parquet (SPINE_CDS_ADMIN_REPLAY_FILE) beside the live tables."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from dashboard_seed import ADMIN, END, PASSWORD, START, html_tables

from app.replay.outputs import write_decisions
from app.replay.rows import COLUMNS, Row

if TYPE_CHECKING:
    from app.settings import Settings

# (authored_on, rating, topics, cards): two orders inside the seeded week, three before it
REPLAYED = [
    (START, "not-appropriate", "SpineDeferImaging", "1"),
    (END, "appropriate", "SpineRedFlag SpineReferral", "2"),
    ("2024-01-10", "not-appropriate", "SpineDeferImaging", "1"),
    ("2024-01-11", "", "SpineDataNeeded", "1"),
    ("2024-01-12", "not-appropriate", "SpineDeferImaging SpineModality", "2"),
]


def _row(index: int, authored: str, rating: str, topics: str, cards: str) -> Row:
    cells = {"order": f"ServiceRequest/o{index}", "patient": f"Patient/p{index}", "authored_on": authored,
             "rating": rating, "topics": topics, "cards": cards, "evaluated": "yes",
             "skipped_resources": "0"}
    return Row(tuple(cells.get(column, "") for column in COLUMNS))


@pytest.fixture
def replay_file(tmp_path: Path) -> Path:
    out = tmp_path / "replay"
    out.mkdir()
    write_decisions([_row(i, *values) for i, values in enumerate(REPLAYED)], out)
    return out / "decisions.parquet"


@pytest.fixture
def settings(settings_factory: Callable[..., Settings], replay_file: Path) -> Settings:
    return settings_factory(admin_password=PASSWORD, admin_replay_file=replay_file)


async def test_the_dashboard_shows_the_replays_ratings_and_topics_whole_and_in_the_period(
    seeded: httpx.AsyncClient,
) -> None:
    response = await seeded.get("/admin", params={"start": START, "end": END}, headers=ADMIN)
    assert response.status_code == 200
    tables = html_tables(response.text)
    assert tables["replay-ratings"] == [
        ["appropriate", "1", "20.0", "1", "50.0"],
        ["not-appropriate", "3", "60.0", "1", "50.0"],
        ["no-criteria-apply", "0", "0.0", "0", "0.0"],
        ["none", "1", "20.0", "0", "0.0"],
    ]
    assert tables["replay-topics"] == [
        ["SpineDataNeeded", "1", "20.0", "0"],
        ["SpineDeferImaging", "3", "60.0", "1"],
        ["SpineModality", "1", "20.0", "0"],
        ["SpineRedFlag", "1", "20.0", "1"],
        ["SpineReferral", "1", "20.0", "1"],
    ]
    assert "ratings" in tables  # the live tables are still there, above
    assert f"2024-01-10 to {END}" in response.text


async def test_an_unreadable_replay_file_is_said_on_the_page_not_an_error(
    seeded: httpx.AsyncClient, replay_file: Path
) -> None:
    replay_file.write_bytes(b"not parquet")
    response = await seeded.get("/admin", params={"start": START, "end": END}, headers=ADMIN)
    assert response.status_code == 200
    assert "The replay file could not be read" in response.text
    assert "replay-ratings" not in html_tables(response.text)

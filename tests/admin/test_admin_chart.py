"""The daily-volume chart is plain SVG built from numbers (no script, nothing fetched)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from app.admin.chart import daily_volume_svg
from app.admin.queries import RATINGS
from app.admin.tables import Table, rule_sort_key

SVG = "{http://www.w3.org/2000/svg}"


def test_each_segment_is_one_rating_of_one_day() -> None:
    days = [("2026-11-01", {"appropriate": 2, "not-appropriate": 3}), ("2026-11-02", {"none": 1})]
    root = ET.fromstring(daily_volume_svg(days, RATINGS))
    bars = [(bar.get("data-rating"), bar.get("data-count")) for bar in root.iter(f"{SVG}rect")
            if bar.get("class") == "bar"]
    assert bars == [("appropriate", "2"), ("not-appropriate", "3"), ("none", "1")]


def test_an_empty_period_still_draws_axes_and_legend() -> None:
    root = ET.fromstring(daily_volume_svg([("2026-11-01", dict.fromkeys(RATINGS, 0))], RATINGS))
    assert root.get("id") == "daily-chart"
    assert [text.text for text in root.iter(f"{SVG}text")][-len(RATINGS):] == list(RATINGS)


@pytest.mark.parametrize(("busiest", "top"), [(3, "5"), (10, "10"), (11, "20"), (240, "500")])
def test_the_axis_top_is_a_round_number_above_the_busiest_day(busiest: int, top: str) -> None:
    root = ET.fromstring(daily_volume_svg([("2026-11-01", {"appropriate": busiest})], RATINGS))
    assert top in [text.text for text in root.iter(f"{SVG}text")]


def test_rules_sort_in_reading_order() -> None:
    assert sorted(["R13", "R2/R23", "R1", "R3b", "R3a", "R11/R21"], key=rule_sort_key) == [
        "R1", "R2/R23", "R3a", "R3b", "R11/R21", "R13",
    ]


def test_csv_keeps_commas_and_quotes_and_defuses_formulas() -> None:
    table = Table("t", "T", ("a", "b"), (('x, "y"', "@SUM(A1)"), (1.5, None)))
    assert table.to_csv() == 'a,b\r\n"x, ""y""",\'@SUM(A1)\r\n1.5,\r\n'

"""``spine-cds replay`` with the local engine: the hooks' answers, as of each order, from a Bulk Data
export."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest
from replay_export import (
    hook_answer,
    order,
    order_sign,
    patient_resources,
    read_rows,
    replay_into,
    spine_patients,
)

CAUDA_EQUINA = {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4",
                "display": "Cauda equina syndrome"}
LUMBAR_MRI = {"system": "http://www.ama-assn.org/go/cpt", "code": "72148"}


def _order_sign(entry: dict[str, Any]) -> dict[str, Any]:
    """The order-sign call an EHR would have made for the fixture patient's order, everything prefetched."""
    return order_sign(entry["id"], patient_resources(entry), order(entry["id"], entry["order"]))


async def test_each_order_is_answered_as_the_order_sign_hook_answers_it(
    replayed: tuple[Path, dict[str, Any]], client: httpx.AsyncClient
) -> None:
    rows = {row["patient"]: row for row in read_rows(replayed[0])}
    for entry in spine_patients():
        response = await client.post("/cds-services/spine-imaging-order-sign", json=_order_sign(entry))
        assert response.status_code == 200, response.text
        row = rows[f"Patient/{entry['id']}"]
        replayed_answer = {k: row[k] for k in ("rating", "topics", "cards")}
        assert replayed_answer == hook_answer(response.json()), entry["id"]


def test_the_fixture_patients_get_the_pathway_answers(replayed: tuple[Path, dict[str, Any]]) -> None:
    """PATHWAY.md R1 (defer early imaging) and the cauda equina red flag (critical, appropriate)."""
    rows = {row["patient"]: row for row in read_rows(replayed[0])}
    day20, cauda = rows["Patient/spine-lumbar-day20"], rows["Patient/spine-cauda-equina"]
    assert (day20["rating"], day20["indicator"]) == ("not-appropriate", "warning")
    assert day20["duration_days"] == "20"
    assert "SpineDeferImaging" in day20["topics"].split()
    assert (cauda["rating"], cauda["indicator"]) == ("appropriate", "critical")
    assert "ces" in cauda["red_flags"].split()


def _day20_with_cauda_equina(recorded: str) -> list[dict[str, Any]]:
    entry = next(p for p in spine_patients() if p["id"] == "spine-lumbar-day20")
    condition = {"resourceType": "Condition", "id": "later-ces",
                 "subject": {"reference": "Patient/spine-lumbar-day20"},
                 "code": {"coding": [CAUDA_EQUINA]}, "onsetDateTime": recorded, "recordedDate": recorded,
                 "clinicalStatus": {"coding": [{"code": "active"}]}}
    return [*patient_resources(entry), order(entry["id"], entry["order"]), condition]


@pytest.mark.parametrize(("recorded", "rating", "indicator"), [
    ("2025-06-03", "not-appropriate", "warning"),   # the day after the order: not known yet, defer (R1)
    ("2025-06-01", "appropriate", "critical"),      # the day before: a red flag, never defer
    ("2025-06-02T09:00:00+01:00", "appropriate", "critical"),  # same day, an hour before the order
    ("2025-06-02T11:00:00+01:00", "not-appropriate", "warning"),  # same day, an hour after
])
def test_a_resource_counts_only_if_it_was_known_when_the_order_was_written(
    replay_of: Callable[..., list[dict[str, str]]], recorded: str, rating: str, indicator: str
) -> None:
    [row] = replay_of(_day20_with_cauda_equina(recorded))
    assert (row["rating"], row["indicator"]) == (rating, indicator)


def test_only_spine_orders_not_entered_in_error_are_replayed_and_undated_ones_are_not_rated(
    replay_of: Callable[..., list[dict[str, str]]],
) -> None:
    entry = next(p for p in spine_patients() if p["id"] == "spine-lumbar-day20")
    chest = {"system": "http://www.ama-assn.org/go/cpt", "code": "71046"}
    resources = [*patient_resources(entry),
                 order(entry["id"], LUMBAR_MRI, suffix="a-kept", status="revoked"),
                 order(entry["id"], LUMBAR_MRI, suffix="a-kept", status="revoked"),  # exported twice
                 order(entry["id"], LUMBAR_MRI, suffix="b-error", status="entered-in-error"),
                 order(entry["id"], chest, suffix="c-chest"),
                 order(entry["id"], LUMBAR_MRI, suffix="d-month", authored="2025-06")]
    rows = replay_of(resources)
    assert [(r["order"], r["evaluated"], r["rating"]) for r in rows] == [
        ("ServiceRequest/spine-lumbar-day20-a-kept", "yes", "not-appropriate"),
        ("ServiceRequest/spine-lumbar-day20-d-month", "no", ""),
    ]


def test_a_patient_id_the_hook_refuses_is_listed_unrated_and_the_run_goes_on(
    replay_of: Callable[..., list[dict[str, str]]],
) -> None:
    """A FHIR id is letters, digits, '-' and '.': the hook answers 400 for any other ``patientId``. The
    replay must not stop on one such patient (it raised MalformedRequest and ended the whole run)."""
    entry = next(p for p in spine_patients() if p["id"] == "spine-lumbar-day20")
    odd = {"resourceType": "Patient", "id": "p~1", "birthDate": "1970-01-01"}
    rows = replay_of([*patient_resources(entry), order(entry["id"], LUMBAR_MRI),
                      odd, order("p~1", LUMBAR_MRI)])
    assert [(r["patient"], r["evaluated"], r["rating"]) for r in rows] == [
        ("Patient/p~1", "no", ""),
        ("Patient/spine-lumbar-day20", "yes", "not-appropriate"),
    ]


def test_bad_lines_are_skipped_and_counted_and_the_rest_replayed(
    replayed: tuple[Path, dict[str, Any]],
) -> None:
    out, summary = replayed
    assert summary["input"]["skipped_malformed"] == 1
    assert summary["orders"] == len(spine_patients()) == len(read_rows(out))
    assert summary["patients"] == len(spine_patients())
    assert summary["input"]["files"] == 8  # seven types the hooks read, Condition in two files (one .gz)


def test_parquet_holds_the_csv_rows(replayed: tuple[Path, dict[str, Any]]) -> None:
    out = replayed[0]
    table = pq.read_table(out / "decisions.parquet").to_pylist()
    as_text = [{k: "" if v is None else str(v) for k, v in row.items()} for row in table]
    assert as_text == read_rows(out)


def test_summary_counts_cards_per_100_orders_and_per_clinician_day(
    replayed: tuple[Path, dict[str, Any]],
) -> None:
    out, summary = replayed
    rows = read_rows(out)
    cards = sum(int(r["cards"]) for r in rows)
    assert summary["cards"] == cards
    assert summary["cards_per_100_orders"] == round(100 * cards / len(rows), 1)
    # one requester on one day wrote every order: one clinician-day holding every card
    assert summary["clinician_days"]["count"] == 1 and summary["clinician_days"]["cards_max"] == cards
    flagged = {r["order"] for r in rows if r["rating"] == "appropriate" and "SpineRedFlag" in r["topics"]}
    assert "ServiceRequest/spine-cauda-equina-order" in flagged
    assert {f["order"] for f in summary["red_flag_appropriate"]} == flagged
    assert json.loads((out / "summary.json").read_text()) == summary


def test_the_report_is_one_self_contained_page_with_charts_and_versions(
    replayed: tuple[Path, dict[str, Any]],
) -> None:
    out, summary = replayed
    page = (out / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') >= 4
    assert summary["policy_version"] in page and summary["content_version"] in page
    assert "<script" not in page and "http://" not in page and "https://" not in page


def test_many_shards_and_a_merge_tree_write_the_same_csv(
    fixture_export: Path, replayed: tuple[Path, dict[str, Any]], replay_settings: Any, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.replay import local

    size = sum(path.stat().st_size for path in fixture_export.iterdir())
    monkeypatch.setattr(local, "SHARD_BYTES", size // 40)  # 40 shards: about one patient each
    monkeypatch.setattr(local, "MERGE_FAN_IN", 2)          # the runs merged in several rounds
    replay_into(fixture_export, tmp_path, replay_settings, workers=2)
    assert local.shard_count(size, 2) > len(spine_patients())
    assert (tmp_path / "decisions.csv").read_bytes() == (replayed[0] / "decisions.csv").read_bytes()


def test_the_command_line_writes_the_outputs_and_shows_progress(
    fixture_export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    assert main(["replay", str(fixture_export), "--out", str(tmp_path), "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert "replay [" in captured.err and "100%" in captured.err
    assert f"{len(spine_patients())} spine orders" in captured.out
    assert {p.name for p in tmp_path.iterdir()} == {"decisions.csv", "decisions.parquet", "summary.json",
                                                    "report.html"}


def test_a_folder_that_is_not_there_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    assert main(["replay", str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 2
    assert "is not a folder" in capsys.readouterr().err


"""``scripts/bulk_export.py`` writes a Bulk Data export that ``spine-cds replay`` reads whole."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from replay_export import read_rows, replay_into

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "bulk-export"


def _lines(path: Path) -> list[str]:
    data = path.read_bytes()
    text = gzip.decompress(data).decode() if path.name.endswith(".gz") else data.decode()
    return [line for line in text.splitlines() if line]


def test_the_export_writer_writes_files_per_type_a_manifest_and_a_spine_story_per_patient(
    tmp_path: Path, replay_settings: object
) -> None:
    export = tmp_path / "export"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "bulk_export.py"), str(export),
                    "--patients", "4", "--synthea-pool", "1", "--malformed-every", "2"],
                   check=True, capture_output=True)
    manifest = json.loads((export / "manifest.json").read_text())
    assert {entry["url"] for entry in manifest["output"]} == {p.name for p in export.glob("*.ndjson")}
    for entry in manifest["output"]:
        assert len(_lines(export / entry["url"])) == entry["count"]
    patients = [json.loads(line) for line in _lines(export / "Patient.ndjson")]
    assert len({p["id"] for p in patients}) == 4
    orders = [json.loads(line) for line in _lines(export / "ServiceRequest.ndjson")
              if "-sp-serv" in line]
    assert orders and all(len(o["id"]) <= 64 for o in orders)  # FHIR ids: at most 64 characters
    summary = replay_into(export, tmp_path / "out", replay_settings, workers=1)  # type: ignore[arg-type]
    assert summary["input"]["skipped_malformed"] == 2
    kept = [o for o in orders if o["status"] != "entered-in-error"]
    assert sorted(r["order"] for r in read_rows(tmp_path / "out")) == sorted(
        f"ServiceRequest/{o['id']}" for o in kept)


def test_the_committed_sample_export_replays_with_every_order_rated(
    tmp_path: Path, replay_settings: object
) -> None:
    summary = replay_into(SAMPLE, tmp_path, replay_settings, workers=2)  # type: ignore[arg-type]
    assert summary["patients"] == 120
    assert summary["orders"] == summary["orders_evaluated"] > 100
    assert summary["input"]["skipped_malformed"] == 3  # one broken line per 40 patients, on purpose
    assert {"appropriate", "not-appropriate"} <= set(summary["by_rating"])
    assert summary["red_flag_appropriate_count"] > 0

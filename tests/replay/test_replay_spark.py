"""The Spark engine (local[2]) writes the same decisions.csv, byte for byte, as the local engine.

The session (``conftest.spark``) is started once per test session (the JVM's start-up is the slow
part) and reused by ``run_spark``, which stops only a session it started itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from replay_export import fixture_resources, order, read_rows, replay_into, spine_patients, write_export
from test_replay_parity import CASES, exports_of_every_case

pytestmark = pytest.mark.spark


def _many_patients() -> list[dict[str, Any]]:
    """The fixture patients, then each again under new ids with an order on other days."""
    resources = fixture_resources()
    for entry in spine_patients():
        for copy, day in enumerate(("2025-05-02", "2025-07-20")):
            new_id = f"{entry['id']}-copy{copy}"
            for resource in [r for r in resources if _belongs(r, entry["id"])]:
                twin = {**resource, "id": f"{resource['id']}-copy{copy}"}
                if resource["resourceType"] == "Patient":
                    twin["id"] = new_id
                elif "subject" in resource:
                    twin["subject"] = {"reference": f"Patient/{new_id}"}
                if resource["resourceType"] != "ServiceRequest":
                    resources.append(twin)
            resources.append(order(new_id, entry["order"], authored=f"{day}T08:30:00+01:00"))
    return resources


def _belongs(resource: dict[str, Any], patient_id: str) -> bool:
    if resource["resourceType"] == "Patient":
        return bool(resource["id"] == patient_id)
    return bool(resource.get("subject", {}).get("reference") == f"Patient/{patient_id}")


def test_spark_and_local_engines_write_identical_decisions(
    spark: Any, replay_settings: Any, tmp_path: Path
) -> None:
    export = write_export(tmp_path / "export", _many_patients(), broken_lines=3)
    local = replay_into(export, tmp_path / "local", replay_settings, engine="local", workers=2)
    cluster = replay_into(export, tmp_path / "spark", replay_settings, engine="spark",
                          spark_master="local[2]")
    csv_local = (tmp_path / "local" / "decisions.csv").read_bytes()
    assert csv_local == (tmp_path / "spark" / "decisions.csv").read_bytes()
    assert len(read_rows(tmp_path / "local")) == 3 * len(spine_patients())
    different = {"engine", "seconds"}
    assert {k: v for k, v in local.items() if k not in different} == \
        {k: v for k, v in cluster.items() if k not in different}
    assert cluster["input"]["skipped_malformed"] == 3
    assert spark.sparkContext._jsc is not None  # the shared session is still up: run_spark did not stop it


def test_spark_replays_export_shapes_as_the_local_engine(
    spark: Any, replay_settings: Any, tmp_path: Path
) -> None:
    """The parity cases (a Medication in its own file joined to its prescriptions, versions, urn:uuid
    subjects, undated diagnoses of later visits) in one export: both engines, the same rows."""
    export = write_export(tmp_path / "export", exports_of_every_case())
    replay_into(export, tmp_path / "local", replay_settings, engine="local", workers=2)
    cluster = replay_into(export, tmp_path / "spark", replay_settings, engine="spark",
                          spark_master="local[2]")
    csv_local = (tmp_path / "local" / "decisions.csv").read_bytes()
    assert csv_local == (tmp_path / "spark" / "decisions.csv").read_bytes()
    rows = {row["patient"]: row for row in read_rows(tmp_path / "spark")}
    assert len(rows) == len(CASES)
    assert cluster["input"]["included_kept"] == 1
    drug_case = list(CASES).index("a drug named by a Medication in its own file")
    assert rows[f"Patient/case{drug_case}-spine-many-conditions"]["topics"] == "SpineImagingAppropriate"

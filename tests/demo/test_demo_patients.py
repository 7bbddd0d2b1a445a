"""The demo patients: deterministic for a date, valid FHIR R4, one per pathway branch, and the
saved requests in examples/ up to date."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fhir.resources.R4B import get_fhir_model_class

from demo import sandbox
from demo.background import BUNDLES, background_patients, shift_dates
from demo.chart import ICD10, SNOMED, birth_date
from demo.patients import demo_patients
from demo.run import DEFAULT_FHIR_BASE, EXAMPLES, all_patients, saved_request

TODAY = date(2026, 11, 24)


def test_same_date_same_charts_and_every_date_moves_with_today() -> None:
    assert demo_patients(TODAY) == demo_patients(TODAY)
    later = demo_patients(TODAY + timedelta(days=3))
    first, moved = demo_patients(TODAY)[0].resources, later[0].resources
    conditions = [(r["onsetDateTime"], m["onsetDateTime"]) for r, m in zip(first, moved, strict=True)
                  if r["resourceType"] == "Condition" and "onsetDateTime" in r]
    assert conditions
    assert all(date.fromisoformat(b) - date.fromisoformat(a) == timedelta(days=3) for a, b in conditions)


def test_one_patient_per_branch_of_the_issue() -> None:
    rules = {patient.rule for patient in demo_patients(TODAY)}
    assert {"R1", "R2/R23", "R5", "R7", "R8", "R1 + R13", "R2/R23 + R17", "R12", "R19", "R19b + R24",
            "R20", "R27"} <= rules
    ids = [patient.id for patient in all_patients(TODAY)]
    assert len(ids) == len(set(ids)) == 16


def test_day_41_and_day_42_differ_only_by_one_day_of_onset() -> None:
    by_id = {patient.id: patient for patient in demo_patients(TODAY)}

    def onsets(pid: str) -> list[str]:
        return [r["onsetDateTime"] for r in by_id[pid].resources
                if r["resourceType"] == "Condition" and r["code"]["coding"][0]["code"] == "M54.41"]

    day41, day42 = onsets("demo-lumbar-day41"), onsets("demo-lumbar-day42")
    assert day41 == [(TODAY - timedelta(days=41)).isoformat()]
    assert day42 == [(TODAY - timedelta(days=42)).isoformat()]
    kinds = [[r["resourceType"] for r in by_id[pid].resources]
             for pid in ("demo-lumbar-day41", "demo-lumbar-day42")]
    assert kinds[0] == kinds[1]


def test_charts_use_icd10_and_some_only_snomed() -> None:
    systems = {patient.id: {r["code"]["coding"][0]["system"] for r in patient.resources
                            if r["resourceType"] == "Condition"} for patient in demo_patients(TODAY)}
    assert systems["demo-cauda-equina"] == systems["demo-cervical-early"] == {SNOMED}
    assert systems["demo-lumbar-day20"] == {ICD10}


@pytest.mark.parametrize("today", [TODAY, date(2028, 2, 29), date(2027, 1, 1)])
def test_every_resource_is_valid_fhir_r4_and_belongs_to_its_patient(today: date) -> None:
    for patient in demo_patients(today):
        for resource in patient.resources:
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
            if resource["resourceType"] != "Patient":
                assert resource["subject"] == {"reference": f"Patient/{patient.id}"}


@pytest.mark.parametrize("today", [date(2028, 2, 29), date(2027, 3, 1), date(2026, 12, 31)])
def test_birth_date_gives_the_stated_age(today: date) -> None:
    born = birth_date(today, 44)
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    assert age == 44


def test_background_dates_move_by_whole_days_keeping_time_and_partial_dates() -> None:
    moved = shift_dates({"a": "2026-01-15", "b": ["2025-12-31T23:59:59.123+01:00"], "c": "2026-01",
                         "d": "not-a-date", "e": 7}, 17)
    assert moved == {"a": "2026-02-01", "b": ["2026-01-17T23:59:59.123+01:00"], "c": "2026-01",
                     "d": "not-a-date", "e": 7}


def test_background_patients_are_the_committed_synthea_charts_dated_for_today() -> None:
    patients = background_patients(TODAY)
    assert sorted(p.id for p in patients) == sorted(path.stem for path in BUNDLES.glob("*.json"))
    for patient in patients:
        for resource in patient.resources:
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_saved_requests_in_examples_are_current() -> None:
    """``python -m demo.run --write-examples`` rewrites them; the launcher's curl replays them."""
    for patient in demo_patients(TODAY):
        saved = json.loads((EXAMPLES / f"{patient.id}.json").read_text())
        assert saved == saved_request(patient, DEFAULT_FHIR_BASE), patient.id
    names = {path.name for path in Path(EXAMPLES).glob("demo-*.json")}
    assert names == {f"{patient.id}.json" for patient in demo_patients(TODAY)}


def test_saved_requests_are_shaped_like_the_sandbox() -> None:
    request = saved_request(demo_patients(TODAY)[0], DEFAULT_FHIR_BASE)
    assert "prefetch" not in request and "fhirAuthorization" not in request
    draft = request["context"]["draftOrders"]
    assert "type" not in draft
    order = draft["entry"][0]["resource"]
    assert order["intent"] == "plan" and "authoredOn" not in order


def test_sandbox_url_carries_the_url_encoded_parameters() -> None:
    url = sandbox.sandbox_url("http://127.0.0.1:8090/fhir", "demo-x", "http://127.0.0.1:8080/cds-services",
                              "order-select")
    parts = urlsplit(url)
    assert parts.netloc == "sandbox.cds-hooks.org"
    assert "%3A%2F%2F127.0.0.1%3A8090%2Ffhir" in parts.query  # encoded, as the sandbox's README requires
    assert parse_qs(parts.query) == {"fhirServiceUrl": ["http://127.0.0.1:8090/fhir"],
                                     "patientId": ["demo-x"],
                                     "serviceDiscoveryURL": ["http://127.0.0.1:8080/cds-services"],
                                     "hook": ["order-select"], "screen": ["pama"]}
    view = parse_qs(urlsplit(sandbox.sandbox_url("f", "p", "d", "patient-view")).query)
    assert view["hook"] == ["patient-view"]
    assert view["screen"] == ["patient-view"], "else the sandbox stays on the PAMA screen it remembers"


def test_a_locally_built_sandbox_gets_the_links() -> None:
    url = sandbox.sandbox_url("f", "p", "d", "order-select", "http://localhost:8000")
    assert url.startswith("http://localhost:8000/?fhirServiceUrl=")

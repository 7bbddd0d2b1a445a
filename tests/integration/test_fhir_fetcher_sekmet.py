"""The fallback fetcher and resolve() against a real FHIR server (SEKMET on loopback)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from app.fhir.bundles import FetchJob
from app.fhir.fetcher import FhirFetcher
from app.fhir.prefetch import DataRequest, resolve
from app.fhir.session import FetchLimits
from app.fhir.templates import PREFETCH_TEMPLATES

pytestmark = pytest.mark.integration
MANY = "spine-many-conditions"
ROOT = Path(__file__).resolve().parents[2]
FhirServer = Any  # the session fixture's type lives in conftest.py, which tests must not import


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def fetcher(http: httpx.AsyncClient, server: FhirServer, page_cap: int = 10) -> FhirFetcher:
    return FhirFetcher(http, ["http://127.0.0.1"], FetchLimits(1.5, 2.0, page_cap), CollectorRegistry())


def request(server: FhirServer, patient_id: str, prefetch: dict[str, Any] | None = None) -> DataRequest:
    return DataRequest(patient_id, server.base, None, prefetch, {"patientId": patient_id})


def condition_ids(entries: list[dict[str, Any]]) -> list[str]:
    return sorted(e["resource"]["id"] for e in entries if e["resource"]["resourceType"] == "Condition")


async def test_every_key_of_every_fixture_patient_resolves_from_the_server(
        fhir_server: FhirServer, http: httpx.AsyncClient) -> None:
    for patient in fhir_server.patients:
        resolved = await resolve(request(fhir_server, patient.id), fetcher(http, fhir_server))
        assert resolved.failed == ()
        assert resolved.incomplete == ()
        assert set(resolved.fetched) == set(PREFETCH_TEMPLATES)
        assert resolved.chart.patient is not None
        assert resolved.chart.patient.id == patient.id
        assert len(resolved.chart.conditions) == patient.conditions


async def test_server_pages_are_followed_to_the_last_one(fhir_server: FhirServer,
                                                         http: httpx.AsyncClient) -> None:
    job = FetchJob("conditions", f"Condition?patient={MANY}&_count=10")
    result = await fetcher(http, fhir_server).fetch(request(fhir_server, MANY), [job])
    assert len(result["conditions"].resources) == fhir_server.patient(MANY).conditions == 25
    assert result["conditions"].incomplete is None


async def test_page_cap_leaves_the_key_incomplete_with_the_pages_read(fhir_server: FhirServer,
                                                                      http: httpx.AsyncClient) -> None:
    job = FetchJob("conditions", f"Condition?patient={MANY}&_count=10")
    result = await fetcher(http, fhir_server, page_cap=2).fetch(request(fhir_server, MANY), [job])
    assert len(result["conditions"].resources) == 20
    assert "page cap" in str(result["conditions"].incomplete)


async def test_sekmet_first_page_as_prefetch_is_completed_from_its_next_link(
        fhir_server: FhirServer, http: httpx.AsyncClient) -> None:
    first = fhir_server.get(f"Condition?patient={MANY}").json()  # SEKMET's default page: 20 of 25
    assert len(first["entry"]) == 20
    assert any(link["relation"] == "next" for link in first["link"])
    resolved = await resolve(request(fhir_server, MANY, {"conditions": first}), fetcher(http, fhir_server))
    assert sorted(c.id for c in resolved.chart.conditions) == condition_ids(
        fhir_server.search_all(f"Condition?patient={MANY}"))
    assert "conditions" in resolved.fetched
    assert resolved.incomplete == ()


async def test_sandbox_truncation_total_above_entries_without_link_is_refetched(
        fhir_server: FhirServer, http: httpx.AsyncClient) -> None:
    first = fhir_server.get(f"Condition?patient={MANY}").json()
    first.pop("link")
    resolved = await resolve(request(fhir_server, MANY, {"conditions": first}), fetcher(http, fhir_server))
    assert len(resolved.chart.conditions) == 25
    assert resolved.incomplete == ()


async def test_unknown_patient_is_no_data_not_a_failure(fhir_server: FhirServer,
                                                        http: httpx.AsyncClient) -> None:
    resolved = await resolve(request(fhir_server, "no-such-patient"), fetcher(http, fhir_server))
    assert resolved.failed == ()
    assert resolved.chart.patient is None
    assert resolved.chart.conditions == ()


def test_same_seed_gives_the_same_files() -> None:
    """scripts/make_test_data.py regenerates every fixture (Synthea included) byte for byte."""
    script = ROOT / "scripts" / "make_test_data.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


async def test_searches_bring_what_pathway_version_2_reads_and_leave_the_rest(fhir_server: FhirServer,
                                                                          http: httpx.AsyncClient) -> None:
    """docs/fhir-access.md: findings by category (a local flowsheet row), the Symptom row by code, spine
    reports by code (not the CBC report), every Encounter and MedicationStatement — a real server's search
    semantics, not ours."""
    ces = await resolve(request(fhir_server, "ehr-ces-symptom"), fetcher(http, fhir_server))
    codes = {c.code for o in ces.chart.observations for c in o.codings}
    assert {"75325-1", "3040104412", "72166-2", "55757-9"} <= codes  # by code; exam, social-history, survey
    assert "8867-4" not in codes and "4548-4" not in codes  # vital signs and labs outside the list stay out

    mri = await resolve(request(fhir_server, "ehr-outside-mri"), fetcher(http, fhir_server))
    found = [r for r in mri.chart.imaging if r.resource_type == "DiagnosticReport"]
    reports = sorted(c.code for r in found for c in r.codings)
    assert reports == ["24968-0", "30667-0"]  # the CBC panel (58410-2) is not fetched

    visits = await resolve(request(fhir_server, "ehr-pt-visits"), fetcher(http, fhir_server))
    assert len(visits.chart.encounters) == 8  # four PT visits, one office visit, three check-ups
    assert {m.resource_type for m in visits.chart.medications} == {"MedicationStatement"}

"""fhirAuthorization.scope decides which keys are fetched (CONTRACT.md R4, R7; app/fhir/scopes.py)."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry
from test_fhir_prefetch_resolve import FakeFetcher, empty_prefetch, patient, request

from app.chart.model import ChartCategory
from app.fhir.prefetch import resolve
from app.fhir.scopes import filtered, uncovered
from app.fhir.templates import PREFETCH_TEMPLATES


@pytest.mark.parametrize("scope", [
    None, "", "launch openid fhirUser", "patient/*.read", "user/*.*", "patient/Observation.read",
    "patient/Observation.rs", "patient/Observation.cruds", "patient/Observation.rs?category=laboratory",
    "system/*.read", "patient/*.s",
])
def test_scopes_that_allow_reading_observations(scope: str | None) -> None:
    assert uncovered(scope, "Observation?patient=p1&_count=250") is None


@pytest.mark.parametrize("scope", [
    "patient/Patient.read patient/Condition.read", "patient/Observation.write", "patient/Observation.c",
    "patient/Observation.cud",
])
def test_scopes_that_do_not_allow_reading_observations(scope: str) -> None:
    said = uncovered(scope, "Observation?patient=p1&_count=250")
    assert said is not None and "Observation" in said


def test_a_read_is_matched_on_its_type() -> None:
    assert uncovered("patient/Patient.read", "Patient/p1") is None
    assert uncovered("patient/Condition.read", "Patient/p1") is not None


async def test_keys_outside_the_scope_are_not_fetched_and_say_why() -> None:
    fetcher = FakeFetcher()
    prefetch = {"patient": patient("p1")}
    scope = "launch patient/Patient.read patient/Condition.read"
    resolved = await resolve(request(prefetch, scope=scope), fetcher, CollectorRegistry())
    assert [job.key for job in fetcher.calls[0]] == ["conditions"]
    outside = set(PREFETCH_TEMPLATES) - {"patient", "conditions"}
    assert set(resolved.failed) == outside
    assert any("scope does not cover reading ImagingStudy" in note for note in resolved.notes)
    assert not any("fetched instead" in note for note in resolved.notes)


async def test_a_complete_prefetch_is_used_whatever_the_scope() -> None:
    fetcher = FakeFetcher()
    complete = {**empty_prefetch(), "patient": patient("p1")}
    resolved = await resolve(request(complete, scope="patient/Patient.read"), fetcher, CollectorRegistry())
    assert fetcher.calls == []
    assert resolved.failed == ()


LAB_ONLY = "patient/Patient.rs patient/Condition.rs patient/Observation.rs?category=" \
           "http://terminology.hl7.org/CodeSystem/observation-category|laboratory"


@pytest.mark.parametrize(("scope", "narrowed"), [
    (LAB_ONLY, True),
    (f"{LAB_ONLY} patient/Observation.rs", False),  # a whole-type scope beside it: nothing is filtered
    ("patient/*.rs?category=laboratory", True),
    ("patient/*.read", False),
    ("launch openid", False),
])
def test_a_type_read_only_through_granular_scopes_may_be_filtered(scope: str, narrowed: bool) -> None:
    said = filtered(scope, "Observation?patient=p1&category=exam&_count=250")
    assert (said is not None) is narrowed
    assert said is None or "Observation" in said


async def test_an_empty_search_under_a_granular_scope_is_incomplete_not_none_on_record() -> None:
    """SMART v2: the server may answer with only the laboratory Observations the scope names, so the exam
    Observations of a cauda equina screen come back as an empty search (PATHWAY.md invariant 6)."""
    fetcher = FakeFetcher()
    prefetch = {"patient": patient("p1")}
    resolved = await resolve(request(prefetch, scope=LAB_ONLY), fetcher, CollectorRegistry())
    observation_keys = {"observations", "findings"}
    assert observation_keys <= set(resolved.incomplete)
    assert not observation_keys & set(resolved.failed)
    assert {"conditions", "procedures"}.isdisjoint(resolved.incomplete)
    assert ChartCategory.OBSERVATIONS in resolved.chart.unavailable

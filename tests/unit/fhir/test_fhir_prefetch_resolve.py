"""resolve(): prefetch per key, one fetch round for the rest (CONTRACT.md P4-P9, §3.2); a fake fetcher."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.chart.model import ChartCategory
from app.fhir.bundles import FetchJob, KeyData, unique_resources
from app.fhir.chart_builder import build_chart
from app.fhir.prefetch import DataRequest, resolve
from app.fhir.templates import PREFETCH_TEMPLATES

ALL_KEYS = set(PREFETCH_TEMPLATES)


class FakeFetcher:
    """Records the jobs it was given; answers from ``answers`` (a key not there: an empty result)."""

    def __init__(self, answers: Mapping[str, KeyData] | None = None) -> None:
        self.answers = dict(answers or {})
        self.calls: list[list[FetchJob]] = []

    async def fetch(self, request: DataRequest, jobs: Sequence[FetchJob]) -> Mapping[str, KeyData]:
        self.calls.append(list(jobs))
        return {job.key: self.answers.get(job.key, KeyData()) for job in jobs}

    @property
    def jobs(self) -> dict[str, FetchJob]:
        return {job.key: job for call in self.calls for job in call}


def patient(pid: str = "p1") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "birthDate": "1970-01-01"}


def condition(cid: str, code: str = "M54.16") -> dict[str, Any]:
    return {"resourceType": "Condition", "id": cid,
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}]}}


def bundle(*resources: dict[str, Any], **extra: Any) -> dict[str, Any]:
    entries = [{"resource": r} for r in resources]
    return {"resourceType": "Bundle", "type": "searchset", "entry": entries, **extra}


def empty_prefetch() -> dict[str, Any]:
    return dict.fromkeys(PREFETCH_TEMPLATES)


def request(prefetch: dict[str, Any] | None, patient_id: str = "p1", **extra: Any) -> DataRequest:
    tokens = {"patientId": patient_id}
    return DataRequest(patient_id, "http://127.0.0.1:9/fhir", None, prefetch, tokens, **extra)


async def test_complete_prefetch_makes_no_fetch() -> None:
    fetcher = FakeFetcher()
    prefetch = {**empty_prefetch(), "patient": patient(), "conditions": bundle(condition("c1"))}
    resolved = await resolve(request(prefetch), fetcher)
    assert fetcher.calls == []
    assert resolved.chart.patient is not None
    assert len(resolved.chart.conditions) == 1
    assert set(resolved.from_prefetch) == ALL_KEYS
    assert resolved.failed == ()


async def test_p8_every_missing_key_is_fetched_in_one_round() -> None:
    fetcher = FakeFetcher({"patient": KeyData((patient(),)), "conditions": KeyData((condition("c1"),))})
    resolved = await resolve(request(None), fetcher)
    assert len(fetcher.calls) == 1
    assert set(fetcher.jobs) == ALL_KEYS
    assert set(resolved.fetched) == ALL_KEYS
    assert resolved.from_prefetch == ()
    assert resolved.chart.patient is not None
    assert resolved.chart.conditions[0].id == "c1"


async def test_partial_prefetch_fetches_only_the_missing_keys() -> None:
    fetcher = FakeFetcher()
    await resolve(request({"patient": patient(), "conditions": None}), fetcher)
    assert set(fetcher.jobs) == ALL_KEYS - {"patient", "conditions"}


async def test_p4_null_key_is_no_data_and_not_fetched() -> None:
    fetcher = FakeFetcher()
    resolved = await resolve(request({**empty_prefetch(), "conditions": None}), fetcher)
    assert "conditions" not in fetcher.jobs
    assert "conditions" in resolved.from_prefetch
    assert resolved.chart.conditions == ()
    assert "conditions" not in resolved.chart.unavailable


async def test_templates_are_filled_with_the_patient_id() -> None:
    fetcher = FakeFetcher()
    await resolve(request(None), fetcher)
    assert fetcher.jobs["patient"].query == "Patient/p1"
    assert fetcher.jobs["conditions"].query.startswith("Condition?patient=p1&")


async def test_patient_id_is_percent_encoded_so_it_cannot_inject_query_or_path() -> None:
    fetcher = FakeFetcher()
    await resolve(request(None, patient_id="x&_id=y/../z"), fetcher)
    assert fetcher.jobs["patient"].query == "Patient/x%26_id%3Dy%2F..%2Fz"
    assert "&_id=" not in fetcher.jobs["conditions"].query


async def test_client_error_for_a_key_is_fetched_instead_and_noted() -> None:
    error = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "exception"}]}
    fetcher = FakeFetcher({"conditions": KeyData((condition("c1"),))})
    resolved = await resolve(request({**empty_prefetch(), "conditions": error}), fetcher)
    assert set(fetcher.jobs) == {"conditions"}
    assert resolved.fetched == ("conditions",)
    assert len(resolved.chart.conditions) == 1
    assert any(n.startswith("conditions: prefetch not used") for n in resolved.notes)


async def test_truncated_bundle_is_completed_and_merged_with_its_first_page() -> None:
    first = bundle(condition("c1"), condition("c2"), total=3)
    fetcher = FakeFetcher({"conditions": KeyData((condition("c2"), condition("c3")))})
    resolved = await resolve(request({**empty_prefetch(), "conditions": first}), fetcher)
    job = fetcher.jobs["conditions"]
    assert job.partial is first
    assert job.query.startswith("Condition?patient=p1")
    assert [c.id for c in resolved.chart.conditions] == ["c1", "c2", "c3"]
    assert resolved.fetched == ("conditions",)
    assert resolved.incomplete == ()


async def test_truncated_bundle_that_cannot_be_completed_keeps_its_page_and_is_incomplete() -> None:
    first = bundle(condition("c1"), total=76)
    fetcher = FakeFetcher({"conditions": KeyData(failed="timed out")})
    resolved = await resolve(request({**empty_prefetch(), "conditions": first}), fetcher)
    assert [c.id for c in resolved.chart.conditions] == ["c1"]
    assert resolved.failed == ()
    assert resolved.incomplete == ("conditions",)
    assert "conditions" in resolved.chart.unavailable
    assert any("timed out" in n for n in resolved.notes)


async def test_truncated_bundle_without_fhir_server_is_incomplete_not_failed() -> None:
    first = bundle(condition("c1"), total=2)
    resolved = await resolve(request({**empty_prefetch(), "conditions": first}), None)
    assert resolved.incomplete == ("conditions",)
    assert resolved.failed == ()
    assert len(resolved.chart.conditions) == 1


async def test_p9_missing_keys_without_fetcher_fail_with_a_reason() -> None:
    resolved = await resolve(request({"patient": patient()}), None)
    assert set(resolved.failed) == ALL_KEYS - {"patient"}
    assert "conditions: not in prefetch and no FHIR server to ask" in resolved.notes


async def test_failed_secondary_key_names_its_category_as_unavailable() -> None:
    fetcher = FakeFetcher({"medications": KeyData(failed="FHIR server error (500)"),
                           "servicerequests": KeyData(failed="timed out")})
    resolved = await resolve(request({"patient": patient(), "conditions": bundle()}), fetcher)
    assert resolved.failed == ("medications", "servicerequests")
    assert resolved.chart.unavailable == {ChartCategory.MEDICATIONS, ChartCategory.ORDERS}
    assert "medications: FHIR server error (500)" in resolved.notes


async def test_outcome_entries_are_noted() -> None:
    epic_empty = {"resourceType": "Bundle", "total": 0, "entry": [
        {"resource": {"resourceType": "OperationOutcome", "issue": []}, "search": {"mode": "outcome"}}]}
    resolved = await resolve(request({**empty_prefetch(), "procedures": epic_empty}), None)
    assert "procedures: 1 OperationOutcome entry set aside" in resolved.notes
    assert resolved.chart.procedures == ()


async def test_unfillable_token_fails_the_key_without_a_fetch() -> None:
    fetcher = FakeFetcher()
    resolved = await resolve(DataRequest("p1", "http://127.0.0.1:9/fhir", tokens={}), fetcher)
    assert fetcher.calls == []
    assert set(resolved.failed) == ALL_KEYS


async def test_fetcher_that_omits_a_key_does_not_lose_it_silently() -> None:
    class Forgetful(FakeFetcher):
        async def fetch(self, request: DataRequest, jobs: Sequence[FetchJob]) -> Mapping[str, KeyData]:
            return {}

    resolved = await resolve(request(None), Forgetful())
    assert set(resolved.failed) == ALL_KEYS


async def test_unknown_prefetch_keys_are_ignored() -> None:
    resolved = await resolve(request({**empty_prefetch(), "extra": bundle(condition("zz"))}), None)
    assert resolved.chart.conditions == ()


def test_same_chart_whatever_order_or_duplication_the_resources_arrive_in() -> None:
    one = build_chart({"conditions": KeyData((condition("b"), condition("a"), condition("b")))})
    two = build_chart({"conditions": KeyData((condition("a"),)), "x": KeyData((condition("b"),))})
    assert one == two
    assert [c.id for c in one.conditions] == ["a", "b"]


def test_malformed_resource_is_skipped_and_counted() -> None:
    chart = build_chart({"conditions": KeyData((condition("a"), {"resourceType": "Condition"}))})
    assert [c.id for c in chart.conditions] == ["a"]
    assert chart.skipped == 1


def test_unique_resources_keeps_anonymous_ones_after_the_rest() -> None:
    anonymous = {"resourceType": "Condition"}
    assert unique_resources([anonymous, condition("b"), condition("a")]) == [
        condition("a"), condition("b"), anonymous]


async def test_a_total_above_the_matches_beside_an_include_is_completed() -> None:
    """Two matches and an included Patient with ``total: 3``: the third match is missing, so the key is
    fetched again, never used as complete (CONTRACT.md §3.2: the service checks ``total``)."""
    page = bundle(condition("c1"), condition("c2"), total=3)
    page["entry"][1]["search"] = {"mode": "match"}
    page["entry"].append({"resource": patient(), "search": {"mode": "include"}})
    fetcher = FakeFetcher({"conditions": KeyData((condition("c3", "R33.9"),))})
    prefetch = {**empty_prefetch(), "patient": patient(), "conditions": page}

    resolved = await resolve(request(prefetch), fetcher)

    assert fetcher.jobs["conditions"].partial is page
    assert {c.id for c in resolved.chart.conditions} == {"c1", "c2", "c3"}


def versioned(cid: str, code: str, **meta: str) -> dict[str, Any]:
    return {**condition(cid, code), "meta": meta}


def test_of_two_versions_of_a_resource_the_newer_is_read_whichever_came_first() -> None:
    """The same Condition in two keys (or a page and its refetch) read at different moments: version 1
    said back pain, version 2 says urinary retention. The chart holds version 2 either way (invariant 4)."""
    old = versioned("c1", "M54.50", versionId="1", lastUpdated="2026-03-01T10:00:00Z")
    new = versioned("c1", "R33.9", versionId="2", lastUpdated="2026-03-10T10:00:00+01:00")
    for first, second in ((old, new), (new, old)):
        chart = build_chart({"conditions": KeyData((first,)), "findings": KeyData((second,))})
        assert [c.code for c in chart.conditions[0].codings] == ["R33.9"]


def test_versions_are_compared_by_version_id_without_a_last_updated() -> None:
    old, new = versioned("c1", "M54.50", versionId="9"), versioned("c1", "R33.9", versionId="10")
    assert unique_resources([new, old]) == unique_resources([old, new]) == [new]


def test_without_a_version_the_same_copy_is_read_whichever_came_first() -> None:
    """Invariant 4 (docs/fhir-access.md "Eighth pass"): nothing says which copy is current, so the choice
    may not depend on arrival; ``app.fhir.chart_builder`` then says the category could not be checked."""
    first, second = condition("c1", "M54.50"), versioned("c1", "R33.9", lastUpdated="not a date")
    assert unique_resources([first, second]) == unique_resources([second, first])


async def test_a_medication_included_beside_its_prescriptions_names_their_drug() -> None:
    """US Core: a server that references an external Medication sends it with ``_include``; the
    prescription is read by that Medication's code, though the Medication itself is no chart entry."""
    prescription = {"resourceType": "MedicationRequest", "id": "rx", "status": "active",
                    "subject": {"reference": "Patient/p1"},
                    "medicationReference": {"reference": "Medication/m1"}}
    medication = {"resourceType": "Medication", "id": "m1", "code": {"coding": [
        {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "7258"}]}}
    page = bundle(prescription, total=1)
    page["entry"].append({"resource": medication, "search": {"mode": "include"}})
    prefetch = {**empty_prefetch(), "patient": patient(), "medications": page}

    resolved = await resolve(request(prefetch), FakeFetcher())

    assert [c.code for c in resolved.chart.medications[0].codings] == ["7258"]
    assert ChartCategory.MEDICATIONS not in resolved.chart.unavailable


async def test_an_empty_object_prefetch_is_fetched_again_not_read_as_no_conditions() -> None:
    fetcher = FakeFetcher({"conditions": KeyData((condition("c1"),))})
    resolved = await resolve(request({**empty_prefetch(), "patient": patient(), "conditions": {}}), fetcher)
    assert [job.key for job in fetcher.calls[0]] == ["conditions"]
    assert [c.id for c in resolved.chart.conditions] == ["c1"]


async def test_a_prefetch_entry_without_its_resource_runs_the_query_again() -> None:
    page = bundle(condition("c1"))
    page["entry"].append({"fullUrl": "https://ehr.example.org/fhir/Condition/c2"})
    fetcher = FakeFetcher({"conditions": KeyData((condition("c1"), condition("c2")))})
    resolved = await resolve(request({**empty_prefetch(), "patient": patient(), "conditions": page}), fetcher)
    assert [c.id for c in resolved.chart.conditions] == ["c1", "c2"]
    assert resolved.incomplete == ()
    alone = await resolve(request({**empty_prefetch(), "patient": patient(), "conditions": page}), None)
    assert ChartCategory.CONDITIONS in alone.chart.unavailable

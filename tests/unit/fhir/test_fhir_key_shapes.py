"""One prefetch key as EHRs really send it (CONTRACT.md P4-P8; the eighth pass, docs/fhir-access.md):
what is used, what is fetched again, and what is said to be incomplete. Pure: a fake fetcher."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from app.chart.model import ChartCategory
from app.fhir.bundles import FetchJob, KeyData, read_prefetch_value
from app.fhir.chart_builder import build_chart
from app.fhir.prefetch import DataRequest, resolve
from app.fhir.templates import PREFETCH_TEMPLATES

ICD = "http://hl7.org/fhir/sid/icd-10-cm"
ERROR = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "too-costly"}]}
WARNING = {"resourceType": "OperationOutcome", "issue": [{"severity": "warning", "code": "processing"}]}


class Fetcher:
    """Answers every job with ``answer``; records the jobs."""

    def __init__(self, answer: KeyData | None = None) -> None:
        self.answer = answer or KeyData()
        self.jobs: list[FetchJob] = []

    async def fetch(self, request: DataRequest, jobs: Sequence[FetchJob]) -> Mapping[str, KeyData]:
        self.jobs.extend(jobs)
        return {job.key: self.answer for job in jobs}


def condition(cid: str, subject: Any = None) -> dict[str, Any]:
    found = {"resourceType": "Condition", "id": cid, "code": {"coding": [{"system": ICD, "code": "M54.16"}]}}
    return {**found, "subject": subject} if subject is not None else found


def searchset(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "entry": list(entries)}


def prefetch(**keys: Any) -> dict[str, Any]:
    return {**dict.fromkeys(PREFETCH_TEMPLATES), "patient": {"resourceType": "Patient", "id": "p1"}, **keys}


def request(values: dict[str, Any], server: bool = True) -> DataRequest:
    server_url = "https://ehr.example.org/fhir" if server else None
    return DataRequest("p1", server_url, None, values, {"patientId": "p1"})


# --- an error beside the results, an entry whose resource cannot be read --------------------------------


@pytest.mark.parametrize(
    "entry",
    [
        {"resource": ERROR, "search": {"mode": "outcome"}},
        {"resource": ERROR},
        {"resource": None},
        {"resource": {}},
        {"resource": {"id": "c2"}},
        {"resource": "Condition/c2"},
    ],
)
async def test_a_search_that_failed_in_part_is_fetched_again_and_otherwise_incomplete(
    entry: dict[str, Any],
) -> None:
    """An error OperationOutcome beside the results (the search failed in part, P5), or an entry whose
    resource is null, ``{}`` or not an object, means the Bundle is not the whole answer: before, it was
    used as complete, and "none found" in it read as "none on record"."""
    value = searchset({"resource": condition("c1")}, entry)
    fetcher = Fetcher(KeyData((condition("c3"),)))
    resolved = await resolve(request(prefetch(conditions=value)), fetcher)
    assert [job.key for job in fetcher.jobs] == ["conditions"]
    assert {c.id for c in resolved.chart.conditions} == {"c1", "c3"}

    alone = await resolve(request(prefetch(conditions=value), server=False), None)
    assert [c.id for c in alone.chart.conditions] == ["c1"]
    assert alone.incomplete == ("conditions",)
    assert ChartCategory.CONDITIONS in alone.chart.unavailable


def test_a_warning_beside_the_results_is_only_noted() -> None:
    """Epic's "no results" and SEKMET's "unknown parameter" are warnings: noted, not a failure."""
    read = read_prefetch_value(
        searchset({"resource": condition("c1")}, {"resource": WARNING, "search": {"mode": "outcome"}})
    )
    assert (len(read.resources), read.outcomes, read.incomplete, read.failed) == (1, 1, None, None)


# --- a key holding another type than its search ---------------------------------------------------------

STATEMENT = {
    "resourceType": "MedicationStatement",
    "id": "ms1",
    "status": "active",
    "medicationCodeableConcept": {
        "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "7258"}]
    },
}
PRESCRIPTION = {
    "resourceType": "MedicationRequest",
    "id": "mr1",
    "status": "active",
    "intent": "order",
    "medicationCodeableConcept": {"text": "prednisone 20 mg"},
}


@pytest.mark.parametrize(
    "value",
    [
        searchset({"resource": STATEMENT}),
        STATEMENT,
        {
            "resourceType": "Bundle",
            "type": "batch-response",
            "entry": [{"resource": searchset({"resource": STATEMENT}), "response": {"status": "200 OK"}}],
        },
    ],
)
async def test_a_key_holding_another_type_than_its_search_is_read_and_fetched_again(value: Any) -> None:
    """A ``medications`` key an analyst filled with a MedicationStatement search (Epic reads no discovery)
    holds no prescriptions: its statements are read, and the key is fetched again — else "could not check
    medications" (a steroid prescription may be missing). Before: "no prescriptions on record"."""
    fetcher = Fetcher(KeyData((PRESCRIPTION,)))
    resolved = await resolve(request(prefetch(medications=value)), fetcher)
    assert {m.id for m in resolved.chart.medications} == {"ms1", "mr1"}
    assert [job.key for job in fetcher.jobs] == ["medications"]

    alone = await resolve(request(prefetch(medications=value), server=False), None)
    assert [m.id for m in alone.chart.medications] == ["ms1"]
    assert ChartCategory.MEDICATIONS in alone.chart.unavailable
    assert any("another type than MedicationRequest" in note for note in alone.notes)


def test_an_included_resource_of_another_type_is_no_stray() -> None:
    """``search.mode: include`` entries (an encounter a Condition search added) are what a search may add."""
    value = searchset(
        {"resource": condition("c1")},
        {"resource": {"resourceType": "Encounter", "id": "e1"}, "search": {"mode": "include"}},
    )
    assert read_prefetch_value(value).incomplete is None


# --- two copies of one resource --------------------------------------------------------------------------

VOID = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "entered-in-error"}
    ]
}


def test_two_differing_copies_without_a_version_read_the_same_whichever_came_first_and_are_said() -> None:
    """A cauda equina and its entered-in-error copy, with no ``meta`` to say which is current: the first
    copy used to win, so the entry order decided between a critical card and a defer (invariant 4). Now
    the same copy is read either way, and the conditions are "could not check" — no defer stands on it."""
    live = {**condition("c9"), "code": {"coding": [{"system": ICD, "code": "G83.4"}]}}
    void = {**live, "verificationStatus": VOID}
    charts = [build_chart({"conditions": KeyData(pair)}) for pair in ((live, void), (void, live))]
    assert charts[0].conditions == charts[1].conditions
    assert all(ChartCategory.CONDITIONS in chart.unavailable for chart in charts)


@pytest.mark.parametrize(
    "second",
    [
        {"meta": {"versionId": "3", "lastUpdated": "2026-11-19T10:00:00Z"}},  # the refetch carries meta
        {"text": {"status": "generated", "div": "<div>Sciatica</div>"}},  # the narrative
    ],
)
def test_copies_differing_only_in_meta_or_narrative_are_one_version(second: dict[str, Any]) -> None:
    """A prefetched page stripped of ``meta`` and its refetch are one version: no conflict is said."""
    chart = build_chart({"conditions": KeyData((condition("c1"), {**condition("c1"), **second}))})
    assert (len(chart.conditions), chart.unavailable) == (1, frozenset())


def test_a_newer_version_still_decides() -> None:
    old = {**condition("c1"), "meta": {"versionId": "1"}}
    new = {**condition("c1"), "verificationStatus": VOID, "meta": {"versionId": "2"}}
    chart = build_chart({"conditions": KeyData((new, old))})
    assert (chart.conditions[0].verification_status, chart.unavailable) == ("entered-in-error", frozenset())


# --- a page that says more follows, however it says it ------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"total": "3"},  # a string total
        {"total": 3.0},  # a float total
        {"link": [{"relation": "Next", "url": "https://ehr.example.org/fhir/Condition?page=2"}]},
        {"link": {"relation": "next", "url": "https://ehr.example.org/fhir/Condition?page=2"}},  # one object
    ],
)
async def test_a_short_page_however_its_total_or_next_link_is_written_is_completed_or_said(
    extra: dict[str, Any],
) -> None:
    """Before: the total or the link was not read, so one of three Conditions was the whole problem list."""
    value = {**searchset({"resource": condition("c1")}), **extra}
    fetcher = Fetcher(KeyData((condition("c2"), condition("c3"))))
    resolved = await resolve(request(prefetch(conditions=value)), fetcher)
    assert [job.key for job in fetcher.jobs] == ["conditions"]
    assert {c.id for c in resolved.chart.conditions} == {"c1", "c2", "c3"}

    alone = await resolve(request(prefetch(conditions=value), server=False), None)
    assert alone.incomplete == ("conditions",)


def test_a_resource_marked_outcome_is_still_read() -> None:
    """``search.mode: outcome`` on a Condition (a client's slip): it was set aside unread as an outcome."""
    read = read_prefetch_value(searchset({"resource": condition("c1"), "search": {"mode": "outcome"}}))
    assert ([r["id"] for r in read.resources], read.outcomes) == (["c1"], 0)


# --- an outcome saying data was left out ------------------------------------------------------------------

EPIC_MORE_DATA = {
    "resourceType": "OperationOutcome",
    "issue": [
        {
            "severity": "warning",
            "code": "informational",
            "details": {
                "coding": [
                    {
                        "system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.657369",
                        "code": "4119",
                        "display": "Additional data may be present for patient.",
                    }
                ]
            },
        }
    ],
}


@pytest.mark.parametrize(
    "outcome",
    [
        EPIC_MORE_DATA,
        {"resourceType": "OperationOutcome", "issue": [{"severity": "warning", "code": "suppressed"}]},
        {"resourceType": "OperationOutcome", "issue": [{"severity": "information", "code": "incomplete"}]},
    ],
)
@pytest.mark.parametrize("with_results", [True, False])
async def test_an_outcome_saying_data_was_left_out_makes_the_search_incomplete(
    outcome: dict[str, Any], with_results: bool
) -> None:
    """Epic's 4119 "Additional data may be present for patient", FHIR's ``suppressed`` (consent, access)
    and ``incomplete`` issue types: what was returned, even nothing, is not "none on record". Before:
    only noted, and an empty problem list read as no red flags."""
    entries = [{"resource": condition("c1")}] if with_results else []
    value = searchset(*entries, {"resource": outcome, "search": {"mode": "outcome"}})
    alone = await resolve(request(prefetch(conditions=value), server=False), None)
    assert alone.incomplete == ("conditions",)
    assert ChartCategory.CONDITIONS in alone.chart.unavailable


def test_an_outcome_whose_severity_is_no_string_is_no_error_and_never_raises() -> None:
    odd = {"resourceType": "OperationOutcome", "issue": [{"severity": ["error"], "code": ["x"]}]}
    read = read_prefetch_value(searchset({"resource": condition("c1")}, {"resource": odd}))
    assert (read.failed, read.incomplete, read.outcomes) == (None, None, 1)


def test_two_differing_copies_fetched_on_two_pages_are_said_as_from_a_prefetch() -> None:
    """The fallback's pages of one key (``KeyProgress``) keep both differing copies, so the chart says it
    could not check the conditions, as it does when a prefetch holds them (invariant 4); a copy that two
    pages both held is still read once."""
    from app.fhir.progress import KeyProgress

    live = {**condition("c9"), "code": {"coding": [{"system": ICD, "code": "G83.4"}]}}
    void = {**live, "verificationStatus": VOID}
    conflicted, repeated = KeyProgress(), KeyProgress()
    for progress, pages in ((conflicted, (live, void)), (repeated, (live, live))):
        for resource in pages:
            progress.add(KeyData((resource,)))
    chart = build_chart({"conditions": conflicted.result()})
    assert ChartCategory.CONDITIONS in chart.unavailable
    assert (len(repeated.result().resources), build_chart({"conditions": repeated.result()}).unavailable) == (
        1, frozenset())

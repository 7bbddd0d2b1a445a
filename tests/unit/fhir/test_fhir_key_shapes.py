"""One prefetch key as EHRs really send it (CONTRACT.md P4-P8; the eighth pass, docs/fhir-access.md):
what is used, what is fetched again, and what is said to be incomplete. Pure: a fake fetcher."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from app.chart.model import ChartCategory
from app.fhir.bundles import FetchJob, KeyData, read_prefetch_value
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
    return DataRequest("p1", "https://ehr.example.org/fhir" if server else None, None, values, {"patientId": "p1"})


# --- an error beside the results, an entry whose resource cannot be read --------------------------------


@pytest.mark.parametrize("entry", [
    {"resource": ERROR, "search": {"mode": "outcome"}},
    {"resource": ERROR},
    {"resource": None},
    {"resource": {}},
    {"resource": {"id": "c2"}},
    {"resource": "Condition/c2"},
])
async def test_a_search_that_failed_in_part_is_fetched_again_and_otherwise_incomplete(
    entry: dict[str, Any]
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
    read = read_prefetch_value(searchset({"resource": condition("c1")},
                                         {"resource": WARNING, "search": {"mode": "outcome"}}))
    assert (len(read.resources), read.outcomes, read.incomplete, read.failed) == (1, 1, None, None)

"""Patient identity of prefetched and fetched resources (PATHWAY.md safety invariant 7)."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from test_fhir_prefetch_resolve import FakeFetcher, bundle, condition, empty_prefetch, patient, request

from app.fhir.bundles import KeyData
from app.fhir.identity import (
    check_key,
    names_another_patient,
    names_other_patient,
    reference_target,
    search_refusal,
)
from app.fhir.prefetch import resolve
from app.fhir.templates import OTHER_PATIENT


def of(resource: dict[str, Any], pid: str, field: str = "subject") -> dict[str, Any]:
    return {**resource, field: {"reference": f"Patient/{pid}"}}


@pytest.mark.parametrize(
    ("reference", "target"),
    [
        ("Patient/p1", ("Patient", "p1")),
        ("https://ehr.example.org/fhir/R4/Patient/p1", ("Patient", "p1")),
        ("Patient/p1/_history/3", ("Patient", "p1")),
        ("Group/g7", ("Group", "g7")),
        ("urn:uuid:0f9c0c2e-8a51-4c1e-9b3a-7d0c2b1f0e11", None),
        ("#contained-1", None),
        ("p1", None),
        ("patient/p2", ("Patient", "p2")),  # a client's lower-case slip is still a patient
        ("https://ehr.example.org/fhir/PATIENT/p2", ("Patient", "p2")),
    ],
)
def test_reference_target_reads_relative_absolute_and_versioned_references(
    reference: str, target: tuple[str, str] | None
) -> None:
    assert reference_target(reference) == target


@pytest.mark.parametrize(
    ("resource", "foreign"),
    [
        (of(condition("c1"), "p1"), False),
        (of(condition("c1"), "p2"), True),
        (of({"resourceType": "AllergyIntolerance", "id": "a1"}, "p2", "patient"), True),
        ({**condition("c1"), "subject": {"reference": "Group/g1"}}, True),
        ({**condition("c1"), "subject": {"identifier": {"value": "MRN-1"}}}, False),  # cannot tell: kept
        (condition("c1"), False),
    ],
)
def test_subject_or_patient_naming_another_patient_is_foreign(
    resource: dict[str, Any], foreign: bool
) -> None:
    assert names_another_patient(resource, "p1") is foreign


def test_a_stray_patient_is_set_aside_and_the_key_kept() -> None:
    check = check_key("conditions", [patient("child"), of(condition("c1"), "p1")], "p1")
    assert [r["id"] for r in check.kept] == ["c1"]
    assert (check.foreign, check.refused) == (1, None)


def test_one_condition_of_another_patient_makes_the_key_partial_keeping_hers() -> None:
    """Her own Condition (it may be her cauda equina) is still read; the other patient's, and one whose
    owner cannot be checked beside it, are set aside, and the key is not whole (eleventh pass)."""
    unowned = {k: v for k, v in condition("c3").items() if k != "subject"}
    check = check_key("conditions", [of(condition("c1"), "p1"), of(condition("c2"), "p2"), unowned], "p1")
    assert (check.refused, check.foreign) == (None, 1)
    assert check.partial is not None
    assert [r["id"] for r in check.kept] == ["c1"]


def test_a_key_of_another_patients_resources_only_is_unusable() -> None:
    unowned = {k: v for k, v in condition("c3").items() if k != "subject"}
    check = check_key("conditions", [of(condition("c2"), "p2"), unowned], "p1")
    assert check.refused is not None
    assert check.foreign == 1


def test_the_patient_key_holding_another_patient_is_refused() -> None:
    assert check_key("patient", [patient("p2")], "p1").refused is not None
    assert check_key("patient", [patient("p1")], "p1").refused is None


async def test_another_patients_prefetched_patient_is_fetched_again() -> None:
    fetcher = FakeFetcher({"patient": KeyData((patient("p1"),))})
    prefetch = {**empty_prefetch(), "patient": patient("p2"), "conditions": bundle(of(condition("c1"), "p1"))}
    resolved = await resolve(request(prefetch), fetcher, CollectorRegistry())
    assert [job.key for job in fetcher.calls[0]] == ["patient"]
    assert resolved.chart.patient is not None and resolved.chart.patient.id == "p1"
    assert resolved.foreign == ("patient",)
    assert OTHER_PATIENT in resolved.chart.unavailable  # the evaluation says the data was inconsistent


async def test_another_patients_prefetch_without_fhir_server_leaves_the_keys_unavailable() -> None:
    prefetch = {**empty_prefetch(), "patient": patient("p2"), "conditions": bundle(of(condition("c9"), "p2"))}
    resolved = await resolve(request(prefetch), None, CollectorRegistry())
    assert {"patient", "conditions"} <= set(resolved.failed)
    assert resolved.chart.patient is None
    assert resolved.chart.conditions == ()
    assert any("another patient" in note for note in resolved.notes)


async def test_a_stray_patient_in_a_bundle_never_becomes_the_patient() -> None:
    """The reported case: a child's Patient inside a Bundle was taken as the patient (sorted first)."""
    prefetch = {
        **empty_prefetch(),
        "patient": patient("p1"),
        "conditions": bundle(patient("a-child"), of(condition("c1"), "p1")),
    }
    resolved = await resolve(request(prefetch), None, CollectorRegistry())
    assert resolved.chart.patient is not None and resolved.chart.patient.id == "p1"
    assert [c.id for c in resolved.chart.conditions] == ["c1"]
    assert (resolved.foreign, resolved.foreign_resources) == (("conditions",), 1)
    assert resolved.failed == ()


async def test_the_fhir_servers_answer_is_checked_too() -> None:
    fetcher = FakeFetcher({"conditions": KeyData((of(condition("c1"), "p1"), of(condition("c2"), "p2")))})
    prefetch = {**empty_prefetch(), "patient": patient("p1")}
    del prefetch["conditions"]
    resolved = await resolve(request(prefetch), fetcher, CollectorRegistry())
    assert "conditions" in resolved.incomplete
    assert [c.id for c in resolved.chart.conditions] == ["c1"]
    assert OTHER_PATIENT in resolved.chart.unavailable


async def test_a_metric_counts_the_resources_set_aside_by_key() -> None:
    registry = CollectorRegistry()
    prefetch = {
        **empty_prefetch(),
        "patient": patient("p1"),
        "conditions": bundle(patient("x"), patient("y"), of(condition("c1"), "p1")),
    }
    await resolve(request(prefetch), None, registry)
    assert registry.get_sample_value("spine_cds_other_patient_resources_total", {"key": "conditions"}) == 2


async def test_resources_of_the_patient_are_untouched() -> None:
    prefetch = {**empty_prefetch(), "patient": patient("p1"), "conditions": bundle(of(condition("c1"), "p1"))}
    resolved = await resolve(request(prefetch), None, CollectorRegistry())
    assert resolved.foreign == ()
    assert OTHER_PATIENT not in resolved.chart.unavailable


def test_a_patient_without_id_is_malformed_not_another_patient() -> None:
    """Skipped and counted by the views like any malformed resource; it can never become the patient."""
    check = check_key("patient", [{"resourceType": "Patient", "birthDate": "1970-01-01"}], "p1")
    assert (check.foreign, check.refused) == (0, None)


@pytest.mark.parametrize("value", [patient("p2"), bundle(patient("p2"))])
async def test_a_key_holding_only_another_patients_patient_is_not_read_as_empty(value: Any) -> None:
    """A conditions key that is another patient's Patient is not "no conditions" (which would hide the
    patient's own red flags): it is fetched again, and without a FHIR server it fails."""
    own = {**empty_prefetch(), "patient": patient("p1"), "conditions": value}
    fetcher = FakeFetcher({"conditions": KeyData((of(condition("c1", "G83.4"), "p1"),))})

    resolved = await resolve(request(own), fetcher, CollectorRegistry())
    alone = await resolve(request(own), None, CollectorRegistry())

    assert [job.key for job in fetcher.calls[0]] == ["conditions"]
    assert [c.id for c in resolved.chart.conditions] == ["c1"]
    assert alone.failed == ("conditions",)
    assert OTHER_PATIENT in alone.chart.unavailable


# --- references real exports use (PATHWAY.md invariant 7) ---------------------------------------------


def by_urn(resource: dict[str, Any], urn: str) -> dict[str, Any]:
    return {**resource, "subject": {"reference": urn}}


def transaction_shaped(*entries: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset",
            "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries]}


async def test_conditions_naming_another_patient_by_urn_uuid_are_never_used() -> None:
    """Synthea-style export: the other patient's Patient entry has ``fullUrl: urn:uuid:…`` and the
    Conditions point at it. Only the Patient was set aside; the Conditions were used as this patient's."""
    urn = "urn:uuid:6c1f9d0e-0000-4000-8000-000000000002"
    ces = by_urn(condition("c9", "G83.4"), urn)
    conditions = transaction_shaped((urn, patient("p2")), ("urn:uuid:c9", ces))
    prefetch = {**empty_prefetch(), "patient": patient("p1"), "conditions": conditions}
    resolved = await resolve(request(prefetch), None, CollectorRegistry())
    assert resolved.chart.conditions == ()
    assert "conditions" in resolved.failed
    assert OTHER_PATIENT in resolved.chart.unavailable


async def test_a_patient_named_by_urn_uuid_in_another_key_resolves_too() -> None:
    urn = "urn:uuid:6c1f9d0e-0000-4000-8000-000000000002"
    prefetch = {**empty_prefetch(), "patient": transaction_shaped(("urn:uuid:own", patient("p1"))),
                "encounters": transaction_shaped((urn, patient("p2"))),
                "conditions": bundle(by_urn(condition("c9"), urn))}
    resolved = await resolve(request(prefetch), None, CollectorRegistry())
    assert resolved.chart.conditions == ()


async def test_conditions_naming_this_patient_by_urn_uuid_are_used() -> None:
    own = "urn:uuid:6c1f9d0e-0000-4000-8000-000000000001"
    conditions = transaction_shaped((own, patient("p1")), ("urn:uuid:c1", by_urn(condition("c1"), own)))
    prefetch = {**empty_prefetch(), "patient": patient("p1"), "conditions": conditions}
    resolved = await resolve(request(prefetch), None, CollectorRegistry())
    assert [c.id for c in resolved.chart.conditions] == ["c1"]
    assert resolved.foreign == ()


async def test_an_unresolvable_urn_uuid_subject_is_kept() -> None:
    """Nothing says whose it is: dropping it would hide data (the module's documented compromise)."""
    prefetch = {**empty_prefetch(), "patient": patient("p1"),
                "conditions": bundle(by_urn(condition("c1"), "urn:uuid:unknown"))}
    resolved = await resolve(request(prefetch), None, CollectorRegistry())
    assert [c.id for c in resolved.chart.conditions] == ["c1"]


async def test_a_lower_case_reference_to_another_patient_is_never_used() -> None:
    prefetch = {**empty_prefetch(), "patient": patient("p1"),
                "conditions": bundle(by_urn(condition("c9"), "patient/p2"))}
    resolved = await resolve(request(prefetch), None, CollectorRegistry())
    assert resolved.chart.conditions == ()
    assert resolved.foreign == ("conditions",)


@pytest.mark.parametrize("reference", ["Patient/p1/_history/4", "https://other.example.org/fhir/Patient/p1",
                                       "https://ehr.example.org/fhir/Patient/p1", "patient/p1"])
def test_this_patient_named_in_any_literal_form_is_this_patient(reference: str) -> None:
    assert not names_another_patient(by_urn(condition("c1"), reference), "p1")


# --- the search a prefetched Bundle says it is (its self link) -----------------------------------------


def searched(query: str, *resources: dict[str, Any]) -> dict[str, Any]:
    return bundle(*resources, total=len(resources),
                  link=[{"relation": "self", "url": f"https://ehr.example.org/fhir/{query}"}])


@pytest.mark.parametrize("query", ["Condition?patient=p2&_count=250", "Condition?subject=Patient/p2",
                                   "Condition?patient:Patient=p1,p2", "Condition?subject=Patient%2Fp2"])
async def test_an_empty_search_for_another_patient_is_not_no_conditions(query: str) -> None:
    """An empty searchset for someone else read as "no conditions" would hide this patient's red flags."""
    prefetch = {**empty_prefetch(), "patient": patient("p1"), "conditions": searched(query)}
    fetcher = FakeFetcher({"conditions": KeyData((of(condition("c1", "G83.4"), "p1"),))})
    resolved = await resolve(request(prefetch), fetcher, CollectorRegistry())
    assert [job.key for job in fetcher.calls[0]] == ["conditions"]
    assert [c.id for c in resolved.chart.conditions] == ["c1"]
    alone = await resolve(request(prefetch), None, CollectorRegistry())
    assert "conditions" in alone.failed
    assert OTHER_PATIENT in alone.chart.unavailable


@pytest.mark.parametrize("query", ["Condition?patient={{context.patientId}}",
                                   "Condition?patient=%7B%7Bcontext.patientId%7D%7D"])
async def test_a_search_run_with_its_token_unfilled_is_fetched_again(query: str) -> None:
    prefetch = {**empty_prefetch(), "patient": patient("p1"), "conditions": searched(query)}
    alone = await resolve(request(prefetch), None, CollectorRegistry())
    assert "conditions" in alone.failed
    assert any("tokens" in note for note in alone.notes)


@pytest.mark.parametrize("query", ["Condition?patient=p1&_count=250", "Condition?subject=Patient/p1",
                                   "Condition?patient=https://ehr.example.org/fhir/Patient/p1",
                                   "Condition?patient.identifier=MRN|123", "Condition?_getpages=abc"])
async def test_a_search_for_this_patient_is_used(query: str) -> None:
    prefetch = {**empty_prefetch(), "patient": patient("p1"),
                "conditions": searched(query, of(condition("c1"), "p1"))}
    resolved = await resolve(request(prefetch), None, CollectorRegistry())
    assert [c.id for c in resolved.chart.conditions] == ["c1"]
    assert resolved.failed == ()


async def test_a_token_of_another_patient_never_reaches_the_fetcher() -> None:
    fetcher = FakeFetcher({"conditions": KeyData((of(condition("c1"), "p1"),))})
    prefetch = {**empty_prefetch(), "patient": patient("p1")}
    del prefetch["conditions"]
    resolved = await resolve(request(prefetch, other_patient_token=True), fetcher, CollectorRegistry())
    assert fetcher.calls == []
    assert "conditions" in resolved.failed
    assert OTHER_PATIENT in resolved.chart.unavailable
    assert any("fhirAuthorization.patient" in note for note in resolved.notes)


async def test_a_token_of_another_patient_with_nothing_to_fetch_changes_nothing() -> None:
    prefetch = {**empty_prefetch(), "patient": patient("p1"), "conditions": bundle(of(condition("c1"), "p1"))}
    resolved = await resolve(request(prefetch, other_patient_token=True), FakeFetcher(), CollectorRegistry())
    assert resolved.failed == ()
    assert OTHER_PATIENT not in resolved.chart.unavailable


@pytest.mark.parametrize(("url", "foreign"), [("http://[abc/Condition?patient=p2", True),
                                             ("Condition?patient=p2#frag", True), ("?", False), ("", False)])
def test_a_malformed_self_link_never_raises(url: str, foreign: bool) -> None:
    """urlsplit raised on an unbalanced IPv6 host: a 500 from one link of one prefetch Bundle."""
    value = {"resourceType": "Bundle", "link": [{"relation": "self", "url": url}]}
    assert (search_refusal(value, "p1") is not None) is foreign


async def test_a_urn_uuid_naming_a_patient_entry_without_id_is_not_another_patient() -> None:
    """A transaction-style entry (create, no id yet) says nothing about whose it is: kept, not refused."""
    urn = "urn:uuid:6c1f9d0e-0000-4000-8000-000000000003"
    anonymous = {"resourceType": "Patient", "birthDate": "1970-01-01"}
    conditions = transaction_shaped((urn, anonymous), ("urn:uuid:c1", by_urn(condition("c1"), urn)))
    prefetch = {**empty_prefetch(), "patient": patient("p1"), "conditions": conditions}
    resolved = await resolve(request(prefetch), None, CollectorRegistry())
    assert [c.id for c in resolved.chart.conditions] == ["c1"]
    assert resolved.failed == ()


@pytest.mark.parametrize(("text", "other"), [
    ("p1", False), ("Patient/p1", False), ("https://ehr/fhir/Patient/p1/_history/3", False),
    ("patient/p1", False), ("p2", True), ("Patient/p2", True), (" p2 ", True),
    ("", False), ("  ", False), ("Patient/", False), ("urn:uuid:0000", False),
])
def test_one_rule_for_text_naming_another_patient(text: str, other: bool) -> None:
    """A token's fhirAuthorization.patient and a search's self link are read by the same rule: text that
    names nobody is not another patient (before, "Patient/" refused a token but not a search)."""
    assert names_other_patient(text, "p1") is other
    value = {"resourceType": "Bundle", "link": [{"relation": "self", "url": f"Condition?patient={text}"}]}
    refusal = search_refusal(value, "p1")
    assert (refusal is not None and refusal.another_patient) is (other and "," not in text)

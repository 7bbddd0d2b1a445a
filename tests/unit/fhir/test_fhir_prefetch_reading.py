"""CONTRACT.md P4, P5, P7: how one prefetch value is read (pure, no network)."""

from __future__ import annotations

from typing import Any

import pytest

from app.fhir.bundles import is_truncated, next_link, read_prefetch_value


def condition(cid: str) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": cid, "code": {"text": "x"}}


def searchset(*resources: dict[str, Any], total: int | None = None, **extra: Any) -> dict[str, Any]:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r, "search": {"mode": "match"}} for r in resources],
        **extra,
    }
    if total is not None:
        bundle["total"] = total
    return bundle


def outcome_entry(severity: str = "information", mode: str | None = "outcome") -> dict[str, Any]:
    entry: dict[str, Any] = {"resource": {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": "informational", "diagnostics": "No results"}],
    }}
    if mode:
        entry["search"] = {"mode": mode}
    return entry


def test_p4_null_means_no_data() -> None:
    data = read_prefetch_value(None)
    assert data.resources == ()
    assert data.failed is None


def test_single_resource_is_used_as_is() -> None:
    patient = {"resourceType": "Patient", "id": "p1"}
    assert read_prefetch_value(patient).resources == (patient,)


def test_bundle_entries_are_the_data() -> None:
    data = read_prefetch_value(searchset(condition("a"), condition("b")))
    assert [r["id"] for r in data.resources] == ["a", "b"]


def test_epic_empty_search_outcome_entry_is_set_aside_not_parsed() -> None:
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": [outcome_entry()]}
    data = read_prefetch_value(bundle)
    assert data.resources == ()
    assert data.outcomes == 1
    assert data.failed is None


def test_outcome_entry_without_search_mode_is_recognised_by_type() -> None:
    bundle = searchset(condition("a"))
    bundle["entry"].append(outcome_entry(mode=None))
    data = read_prefetch_value(bundle)
    assert [r["id"] for r in data.resources] == ["a"]
    assert data.outcomes == 1


def test_p5_bundle_of_only_error_outcomes_is_a_client_error_not_an_empty_chart() -> None:
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [outcome_entry("error")]}
    assert read_prefetch_value(bundle).failed is not None


def test_error_outcome_beside_data_keeps_the_data() -> None:
    bundle = searchset(condition("a"))
    bundle["entry"].append(outcome_entry("error"))
    data = read_prefetch_value(bundle)
    assert data.failed is None
    assert len(data.resources) == 1


def test_p5_bare_operation_outcome_is_a_client_error() -> None:
    data = read_prefetch_value({"resourceType": "OperationOutcome", "issue": []})
    assert data.failed is not None
    assert data.outcomes == 1


@pytest.mark.parametrize("value", ["text", 3, [], True])
def test_value_that_is_not_an_object_is_unusable(value: object) -> None:
    assert read_prefetch_value(value).failed is not None


def test_bundle_without_type_or_entries_is_empty_data() -> None:
    data = read_prefetch_value({"resourceType": "Bundle"})
    assert data.resources == ()
    assert data.failed is None


def test_malformed_entries_are_skipped() -> None:
    bundle = {"resourceType": "Bundle", "entry": ["junk", {"resource": "junk"}, {"resource": condition("a")}]}
    assert [r["id"] for r in read_prefetch_value(bundle).resources] == ["a"]


def test_p7_next_link_means_truncated() -> None:
    bundle = searchset(condition("a"), link=[{"relation": "next", "url": "http://x/fhir/Condition?page=2"}])
    assert is_truncated(bundle)
    assert next_link(bundle) == "http://x/fhir/Condition?page=2"


def test_sandbox_total_above_entries_means_truncated() -> None:
    assert is_truncated(searchset(*(condition(str(i)) for i in range(20)), total=76))


def test_total_equal_to_entries_is_complete() -> None:
    assert not is_truncated(searchset(condition("a"), total=1, link=[{"relation": "self", "url": "u"}]))


def test_outcome_entries_do_not_count_towards_total() -> None:
    bundle = {"resourceType": "Bundle", "total": 1, "entry": [outcome_entry()]}
    assert is_truncated(bundle)


def test_epic_empty_search_is_not_truncated() -> None:
    bundle = {"resourceType": "Bundle", "total": 0, "entry": [outcome_entry()]}
    assert not is_truncated(bundle)


def test_boolean_total_is_not_a_number() -> None:
    assert not is_truncated({"resourceType": "Bundle", "total": True})


def included(resource: dict[str, Any]) -> dict[str, Any]:
    return {"resource": resource, "search": {"mode": "include"}}


MEDICATION = {"resourceType": "Medication", "id": "m1", "code": {"text": "naproxen"}}


def test_included_entries_do_not_count_towards_total() -> None:
    """FHIR search: ``total`` counts matches. Two of three matches and one included Medication is a
    truncated search (the third match is on another page), not a complete one."""
    bundle = searchset(condition("a"), condition("b"), total=3)
    bundle["entry"].append(included(MEDICATION))
    assert is_truncated(bundle)


def test_included_entries_are_read_and_counted_apart() -> None:
    bundle = searchset(condition("a"), total=1)
    bundle["entry"].append(included(MEDICATION))
    data = read_prefetch_value(bundle)
    assert [r["id"] for r in data.resources] == ["a", "m1"]
    assert data.included == 1
    assert not is_truncated(bundle)


# --- shapes a real client sends that are not a plain searchset (CONTRACT.md §3.2, P4, P5) ---------------


@pytest.mark.parametrize("value", [{}, {"id": "c1"}, {"resourceType": ""}, {"resourceType": 7}])
def test_an_object_without_resource_type_is_unusable_not_no_data(value: dict[str, Any]) -> None:
    """``"conditions": {}`` read as a resource made the key "no conditions"; it is fetched again."""
    assert read_prefetch_value(value).failed is not None


def test_entries_with_only_a_full_url_are_not_an_empty_search() -> None:
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": 2,
              "entry": [{"fullUrl": "https://ehr.example.org/fhir/Condition/1"}, {"fullUrl": "urn:uuid:2"}]}
    assert read_prefetch_value(bundle).failed is not None


def test_an_entry_without_its_resource_beside_data_makes_the_key_incomplete() -> None:
    bundle = searchset(condition("a"), total=2)
    bundle["entry"].append({"fullUrl": "https://ehr.example.org/fhir/Condition/b"})
    data = read_prefetch_value(bundle)
    assert [r["id"] for r in data.resources] == ["a"]
    assert data.incomplete is not None


def batch_response(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "batch-response", "entry": list(entries)}


def test_a_batch_response_holding_the_search_is_read_as_the_search() -> None:
    inner = searchset(condition("a"), condition("b"), total=2)
    data = read_prefetch_value(batch_response({"resource": inner, "response": {"status": "200 OK"}}))
    assert [r["id"] for r in data.resources] == ["a", "b"]
    assert (data.failed, data.incomplete) == (None, None)


@pytest.mark.parametrize("status", ["403 Forbidden", "500", "404 Not Found"])
def test_a_batch_response_entry_with_an_error_status_is_a_client_error(status: str) -> None:
    data = read_prefetch_value(batch_response({"response": {"status": status}}))
    assert data.failed is not None


def test_a_truncated_search_inside_a_batch_response_makes_the_key_incomplete() -> None:
    inner = searchset(condition("a"), total=5)
    assert read_prefetch_value(batch_response({"resource": inner})).incomplete is not None


def test_bundles_nested_deeper_than_a_batch_response_are_not_read() -> None:
    """One level only: a deep nest costs a recursion per level and no client sends one."""
    deep = batch_response({"resource": batch_response({"resource": searchset(condition("a"))})})
    assert read_prefetch_value(deep).failed is not None


@pytest.mark.parametrize("entry", [{"resource": condition("a")}, "a", 3])
def test_a_bundle_whose_entry_is_not_an_array_is_unusable(entry: object) -> None:
    assert read_prefetch_value({"resourceType": "Bundle", "type": "searchset", "entry": entry}).failed


def test_a_transaction_entry_without_resource_is_an_instruction_not_missing_data() -> None:
    """Transaction-shaped exports given as prefetch: a DELETE entry carries no resource by design."""
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": condition("a"), "request": {"method": "PUT", "url": "Condition/a"}},
        {"request": {"method": "DELETE", "url": "Condition/b"}}]}
    data = read_prefetch_value(bundle)
    assert [r["id"] for r in data.resources] == ["a"]
    assert (data.failed, data.incomplete) == (None, None)

"""PATHWAY.md safety invariant 7 through the real app and SEKMET: another patient's data is never used.

The reported cases: a cauda equina patient whose EHR prefetched another patient's chart got a defer card
and "remove this order"; a stray (child's) Patient inside a Bundle was taken as the patient and the
critical card was suppressed.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from chart_both_ways import normalized, rating, topics

from app.metrics import REGISTRY

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Cds = Any
CES, OTHER = "spine-cauda-equina", "spine-lumbar-day20"

SET_ASIDE = "records of another patient (set aside)"  # how a card names them (cards/labels.toml)


def never_deferred(answer: dict[str, Any]) -> None:
    """Invariant 1 and 7: no defer or do-not-repeat card, no "remove this order", never not-appropriate."""
    shown = [code for code, _ in topics(answer)]
    assert "SpineDeferImaging" not in shown and "SpineRepeatImaging" not in shown
    labels = [s["label"].lower() for card in answer["cards"] for s in card.get("suggestions", [])]
    assert not any("remove" in label for label in labels), labels
    assert rating(answer) != "not-appropriate"


async def test_ces_patient_with_another_patients_prefetch_is_answered_from_the_fhir_server(cds: Cds) -> None:
    baseline = (await cds.call(cds.order_sign(CES, prefetch=cds.server.prefetch(CES)))).json()
    body = cds.order_sign(CES, prefetch=cds.server.prefetch(OTHER), fhir_server=cds.server.base)
    answer = (await cds.call(body)).json()

    never_deferred(answer)
    assert ("SpineRedFlag", "critical") in topics(answer)
    assert rating(answer) == "appropriate"
    assert any(SET_ASIDE in c.get("detail", "") for c in answer["cards"])  # says data was inconsistent
    assert [t for t in topics(answer) if t[0] != "SpineDataNeeded"] == topics(baseline)
    assert normalized(answer["systemActions"]) == normalized(baseline["systemActions"])


async def test_ces_patient_with_another_patients_prefetch_and_no_fhir_server_is_412(cds: Cds) -> None:
    response = await cds.call(cds.order_sign(CES, prefetch=cds.server.prefetch(OTHER)))
    assert response.status_code == 412
    assert "patient" in response.json()["issue"][0]["diagnostics"]


async def test_only_another_patients_conditions_without_fhir_server_never_defer(cds: Cds) -> None:
    """The patient is right but the problem list is someone else's: 412 (conditions are required)."""
    prefetch = {**cds.server.prefetch(CES), "conditions": cds.server.prefetch(OTHER)["conditions"]}
    response = await cds.call(cds.order_sign(CES, prefetch=prefetch))
    assert response.status_code == 412


async def test_other_patients_observations_without_fhir_server_give_could_not_check_not_defer(
    cds: Cds,
) -> None:
    """A secondary key of another patient: not used, "could not check", and no defer on that screen."""
    prefetch = cds.server.prefetch(OTHER)
    prefetch["observations"] = copy.deepcopy(cds.server.prefetch("spine-fever")["observations"])
    answer = (await cds.call(cds.order_sign(OTHER, prefetch=prefetch))).json()
    never_deferred(answer)
    details = " ".join(card.get("detail", "") for card in answer["cards"])
    assert "observations" in details and SET_ASIDE in details


async def test_a_stray_child_patient_in_a_bundle_never_replaces_the_patient(cds: Cds) -> None:
    labels = {"key": "conditions"}
    before = REGISTRY.get_sample_value("spine_cds_other_patient_resources_total", labels) or 0.0
    prefetch = cds.server.prefetch(CES)
    child = {"resourceType": "Patient", "id": "0-child", "birthDate": "2019-04-01"}
    prefetch["conditions"]["entry"].insert(0, {"resource": child})
    answer = (await cds.call(cds.order_sign(CES, prefetch=prefetch))).json()

    assert ("SpineRedFlag", "critical") in topics(answer)  # not R28 "under 18"
    assert rating(answer) == "appropriate"
    assert REGISTRY.get_sample_value("spine_cds_other_patient_resources_total", labels) == before + 1


def raw_pages(cds: Cds, patient_id: str) -> dict[str, Any]:
    """Every search key as SEKMET's first page, exactly as served (its ``self`` link included)."""
    from app.fhir.templates import PREFETCH_TEMPLATES, fill_template

    prefetch: dict[str, Any] = {}
    for key, template in PREFETCH_TEMPLATES.items():
        prefetch[key] = cds.server.get(fill_template(template, {"patientId": patient_id})).json()
    return prefetch


async def test_pages_as_the_fhir_server_serves_them_are_this_patients(cds: Cds) -> None:
    """The self link a real server writes names this patient: the prefetch is used as it is."""
    prefetch = raw_pages(cds, CES)
    assert any(link["relation"] == "self" for link in prefetch["conditions"]["link"])
    baseline = (await cds.call(cds.order_sign(CES, prefetch=cds.server.prefetch(CES)))).json()
    answer = (await cds.call(cds.order_sign(CES, prefetch=prefetch))).json()
    assert topics(answer) == topics(baseline)


async def test_another_patients_empty_search_is_not_this_patients_empty_record(cds: Cds) -> None:
    """The red-flag patient's imaging search came back empty for someone else: the real server's page of
    that search (an empty searchset whose self link names the other patient) is fetched again, and
    without a FHIR server it is "could not check" and "set aside", never "no prior imaging"."""
    prefetch = cds.server.prefetch(CES)
    other_search = raw_pages(cds, OTHER)["imaging"]
    other_search.pop("entry", None)
    other_search["total"] = 0
    prefetch["imaging"] = other_search
    fetched = (await cds.call(cds.order_sign(CES, prefetch=prefetch, fhir_server=cds.server.base))).json()
    alone = (await cds.call(cds.order_sign(CES, prefetch=prefetch))).json()
    baseline = (await cds.call(cds.order_sign(CES, prefetch=cds.server.prefetch(CES)))).json()
    assert [t for t in topics(fetched) if t[0] != "SpineDataNeeded"] == topics(baseline)
    never_deferred(alone)
    assert any(SET_ASIDE in card.get("detail", "") for card in alone["cards"])


def with_token_for(body: dict[str, Any], patient: str) -> dict[str, Any]:
    body["fhirAuthorization"] = {"access_token": "opaque-access-token", "token_type": "Bearer",
                                 "expires_in": 300, "scope": "patient/*.read", "subject": "spine-cds",
                                 "patient": patient}
    return body


async def test_a_token_issued_for_another_patient_is_never_used_to_fetch(cds: Cds) -> None:
    """A stale token of the previous chart: a server scoping searches to it would answer "no
    conditions" for this patient (or the other's data). The server is not asked; the 412 says why."""
    prefetch = cds.server.prefetch(CES)
    del prefetch["conditions"]
    body = with_token_for(cds.order_sign(CES, prefetch=prefetch, fhir_server=cds.server.base), OTHER)
    response = await cds.call(body)
    assert response.status_code == 412
    said = response.json()["issue"][0]["diagnostics"]
    assert "conditions" in said and "fhirAuthorization.patient" in said
    assert "opaque-access-token" not in said


async def test_a_token_for_another_patient_beside_a_complete_prefetch_still_answers(cds: Cds) -> None:
    baseline = (await cds.call(cds.order_sign(CES, prefetch=cds.server.prefetch(CES)))).json()
    body = with_token_for(cds.order_sign(CES, prefetch=cds.server.prefetch(CES), fhir_server=cds.server.base),
                          OTHER)
    assert topics((await cds.call(body)).json()) == topics(baseline)


async def test_a_missing_secondary_key_with_another_patients_token_is_could_not_check(cds: Cds) -> None:
    prefetch = cds.server.prefetch(CES)
    del prefetch["imaging"]
    body = with_token_for(cds.order_sign(CES, prefetch=prefetch, fhir_server=cds.server.base), OTHER)
    answer = (await cds.call(body)).json()
    never_deferred(answer)
    assert ("SpineRedFlag", "critical") in topics(answer)
    assert any(SET_ASIDE in card.get("detail", "") for card in answer["cards"])


@pytest.mark.parametrize("named", [CES, f"Patient/{CES}"])
async def test_a_token_for_this_patient_fetches_as_before(cds: Cds, named: str) -> None:
    baseline = (await cds.call(cds.order_sign(CES, prefetch=cds.server.prefetch(CES)))).json()
    body = with_token_for(cds.order_sign(CES, fhir_server=cds.server.base), named)
    answer = await cds.call(body)
    assert answer.status_code == 200
    assert topics(answer.json()) == topics(baseline)

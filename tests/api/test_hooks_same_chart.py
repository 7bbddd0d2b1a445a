"""The same chart through every hook (PATHWAY.md §1, §2 v2; docs/pathway-facts.md "Tenth pass: the same
chart through every hook"): a red flag stated by any draft order of the session is read for the spine order
whichever hook fires — order-select's unselected drafts and draft prescriptions included, as order-sign reads
them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from hook_answers import rating, topics

SELECT = "/cds-services/spine-imaging-order-select"
SIGN = "/cds-services/spine-imaging-order-sign"
Example = Callable[[str], dict[str, Any]]
PATIENT = "example-lumbar-day20"
SUBJECT = {"reference": f"Patient/{PATIENT}"}
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UROLOGY_FOR_CES = {"resourceType": "ServiceRequest", "id": "uro", "status": "draft", "intent": "order",
                   "subject": SUBJECT, "authoredOn": "2026-11-20",
                   "code": {"coding": [{"system": "http://snomed.info/sct", "code": "306098008"}],
                            "text": "Referral to urology"},
                   "reasonCode": [{"coding": [{"system": ICD, "code": "G83.4"}]}]}


def prescription(rxnorm: str, name: str, *, status: str = "draft",
                 reason: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "resourceType": "MedicationRequest", "id": f"rx-{rxnorm}", "status": status, "intent": "order",
        "subject": SUBJECT, "authoredOn": "2026-11-20",
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": rxnorm, "display": name}]}}
    if reason:
        found["reasonCode"] = [{"coding": [{"system": ICD, "code": reason}]}]
    return found


def with_drafts(request: dict[str, Any], *drafts: dict[str, Any],
                hook: str = "order-select") -> dict[str, Any]:
    request["hook"] = hook
    if hook == "order-sign":
        del request["context"]["selections"]
    request["context"]["draftOrders"]["entry"] += [{"resource": draft} for draft in drafts]
    return request


async def test_order_select_reads_an_unselected_draft_referral_for_cauda_equina(
        client: httpx.AsyncClient, example: Example) -> None:
    """R5, as order-sign answers the same drafts: the clinician selected the lumbar MRI only, and the
    urology referral for cauda equina drafted beside it in the session was not read — R1 "defer", rated
    not-appropriate."""
    request = with_drafts(example("order-select-lumbar-day20.json"), UROLOGY_FOR_CES)
    assert request["context"]["selections"] == ["ServiceRequest/draft-mri-1"]
    answer = (await client.post(SELECT, json=request)).json()
    assert ("SpineRedFlag", "critical") in topics(answer)
    assert "SpineDeferImaging" not in {topic for topic, _ in topics(answer)}
    assert rating(answer) == "appropriate"
    signed = (await client.post(SIGN, json=with_drafts(example("order-select-lumbar-day20.json"),
                                                        UROLOGY_FOR_CES, hook="order-sign"))).json()
    assert topics(signed) == topics(answer)


async def test_a_draft_prescription_for_urinary_retention_signed_with_the_mri_is_a_cauda_equina_sign(
        client: httpx.AsyncClient, example: Example) -> None:
    """R5 (§2 v2: the reason for a prescription): a tamsulosin for retention (R33.9) signed with the lumbar
    MRI was not read — the same prescription already on the chart was — and the MRI was deferred (R1)."""
    tamsulosin = prescription("77492", "tamsulosin", status="active", reason="R33.9")
    for hook in ("order-sign", "order-select"):
        request = with_drafts(example("order-select-lumbar-day20.json"), tamsulosin, hook=hook)
        answer = (await client.post(SIGN if hook == "order-sign" else SELECT, json=request)).json()
        assert ("SpineRedFlag", "critical") in topics(answer), hook
        assert rating(answer) == "appropriate", hook


async def test_a_draft_prescription_is_never_conservative_care(client: httpx.AsyncClient,
                                                                example: Example) -> None:
    """R3a stays R3a: naproxen signed with the MRI (status active, as Epic sends drafts at order-sign) has
    not been taken, so it is no trial of conservative care (PATHWAY.md §2)."""
    request = example("order-select-lumbar-day20.json")
    onset = {"resourceType": "Condition", "id": "dx", "subject": SUBJECT, "onsetDateTime": "2026-08-01",
             "code": {"coding": [{"system": ICD, "code": "M54.16"}]}}
    for key in ("conditions", "medications", "servicerequests", "procedures", "encounters", "imaging"):
        request["prefetch"][key] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    request["prefetch"]["conditions"]["entry"].append({"resource": onset})
    del request["context"]["draftOrders"]["entry"][0]["resource"]["reasonCode"]
    alone = (await client.post(SIGN, json=with_drafts(request, hook="order-sign"))).json()
    request["context"]["draftOrders"]["entry"].append(
        {"resource": prescription("7258", "naproxen", status="active")})
    with_naproxen = (await client.post(SIGN, json=request)).json()
    assert topics(alone)[0] == ("SpineDeferImaging", "warning")
    assert "start it first" in alone["cards"][0]["summary"]
    summaries = [card["summary"] for card in alone["cards"]]
    assert [card["summary"] for card in with_naproxen["cards"]] == summaries
    assert rating(with_naproxen) == rating(alone) == "not-appropriate"


def cervical_mri(request: dict[str, Any]) -> dict[str, Any]:
    order = dict(request["context"]["draftOrders"]["entry"][0]["resource"], id="draft-mri-c")
    order["code"] = {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "72141"}]}
    return order


async def test_cauda_equina_on_a_cervical_order_asks_for_the_lumbar_spine(client: httpx.AsyncClient,
                                                                         example: Example) -> None:
    """R5 on a cervical MRI signed beside the lumbar one: the card said "same-day cervical MRI", a study that
    does not show the cauda equina. Both orders stay critical and appropriate (invariant 1)."""
    request = example("order-select-cauda-equina.json")
    request = with_drafts(request, cervical_mri(request), hook="order-sign")
    answer = (await client.post(SIGN, json=request)).json()
    summaries = [card["summary"] for card in answer["cards"] if card["indicator"] == "critical"]
    assert summaries == [
        "Possible cauda equina syndrome: same-day lumbar MRI and emergency spine referral",
        "Possible cauda equina syndrome: a cervical MRI does not image it; same-day lumbar MRI and emergency "
        "referral"]
    ratings = {action["resource"]["id"]: extension["valueCodeableConcept"]["coding"][0]["code"]
               for action in answer["systemActions"] for extension in action["resource"]["extension"]
               if extension["url"].endswith("/pama-rating")}
    assert ratings == {"draft-mri-1": "appropriate", "draft-mri-c": "appropriate"}


async def test_two_spine_orders_offer_one_referral(client: httpx.AsyncClient, example: Example) -> None:
    """PATHWAY.md R24, one referral per response: each order's cauda equina card carried the emergency
    referral, so two clicks created two referrals."""
    request = example("order-select-cauda-equina.json")
    request = with_drafts(request, cervical_mri(request), hook="order-sign")
    answer = (await client.post(SIGN, json=request)).json()
    created = [action["resource"]["priority"] for card in answer["cards"]
               for suggestion in card.get("suggestions", []) for action in suggestion["actions"]
               if action["type"] == "create"]
    assert created == ["stat"]
    assert all(card.get("suggestions") or "selectionBehavior" not in card for card in answer["cards"])

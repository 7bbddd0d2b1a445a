"""PATHWAY.md §4 invariant 7 over the whole charts and demo patients: another patient's red flag — any
concept of any red-flag value set, in any recording place, under any prefetch key — is never used.

Without a FHIR server to read the key again (prefetch only), the answer is the patient's own answer except
that it says it could not check: a ``SpineDataNeeded`` card naming the set-aside records, a withheld defer
or do-not-repeat card, no rating — or no answer at all (412) when the Patient or the problem list itself
cannot be trusted. It never gains a red-flag card, a more urgent referral or a rating it did not have.

The patient's *own* records in a key beside another patient's are still read (eleventh pass; before it,
invariant 7 set the whole key aside, and with no FHIR server to read it again her own fever of 38.6 °C
beside another patient's temperature lost its critical card): her red flag is never lost with the
stranger's record; the key is only not whole, so nothing is deferred on it.
tests/api/test_patient_identity_property.py checks the same for two example requests and hand-picked
foreign records; tests/integration/test_invariants_both_ways.py with a FHIR server (the key is refetched).
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from invariant_charts import (
    CHARTS,
    DEFER_OR_REPEAT,
    PLACES,
    RED_FLAG_VALUE_SETS,
    Chart,
    Finding,
    evaluate,
    findings_by_value_set,
    keys_of,
    order_sign,
    rating,
    recorded,
    topics,
)

from app.hooks.errors import DataUnavailable

PROPERTY = settings(max_examples=80, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
SET_ASIDE = "records of another patient (set aside)"  # how a card names them (cards/labels.toml)
BY_ID = {chart.id: chart for chart in CHARTS}
_PLACES = [place for place in PLACES if not place.startswith("order-")]  # the order is the patient's own
findings = st.sampled_from([f for name in RED_FLAG_VALUE_SETS for f in findings_by_value_set()[name]])
owners = st.sampled_from(["Patient/{id}-sibling", "Patient/{id}x/_history/2", "https://ehr.example.org/fhir/"
                          "Patient/other-{id}", "Group/ward-7", "Patient/{upper}"])


# What a set-aside key may change besides the "could not check" card: an "appropriate" card that rested on
# the key's records (R11/R21's earlier operation) withheld, with no rating; or, with a referral no longer
# known, R3b's info card in place of R2/R23's silent "proceed" (rating none until attested). Never a red flag,
# a referral, a defer or a do-not-repeat it did not have.
_RESTS_ON_DATA = frozenset({"SpineImagingAppropriate"})
_UNDECIDED = frozenset({("SpineImagingAppropriate", "info")})


def another_patients(chart: Chart, finding: Finding, place: str, owner: str) -> list[dict[str, Any]]:
    """``finding`` recorded in ``place`` for the patient ``owner`` names (never ``chart``'s)."""
    resources, _, _ = recorded(finding, place, chart, n=9)
    reference = owner.format(id=chart.patient, upper=chart.patient.upper())
    return [{**resource, "id": f"stranger-{resource['id']}"[:64], "subject": {"reference": reference}}
            for resource in resources]


def answer_or_refusal(body: dict[str, Any], chart: Chart) -> dict[str, Any] | None:
    try:
        return evaluate(body, chart.on)
    except DataUnavailable:
        return None


@PROPERTY
@given(st.sampled_from(sorted(BY_ID)), findings, st.sampled_from(_PLACES), owners)
def test_invariant_7_another_patients_red_flag_is_never_used_on_a_whole_chart(
    chart_id: str, finding: Finding, place: str, owner: str
) -> None:
    chart = BY_ID[chart_id]
    own = evaluate(order_sign(chart), chart.on)
    prefetch = copy.deepcopy(order_sign(chart)["prefetch"])
    strangers = another_patients(chart, finding, place, owner)
    touched = set()
    for stranger in strangers:
        for key in keys_of(stranger):
            prefetch[key]["entry"].append({"resource": stranger})
            touched.add(key)

    answer = answer_or_refusal({**order_sign(chart), "prefetch": prefetch}, chart)

    case = (chart.id, finding.code, place, owner, topics(own))
    if answer is None:  # the patient or the problem list cannot be trusted, and no server to ask
        assert touched & {"patient", "conditions"}, case
        return
    decided = [shown for shown in topics(answer) if shown[0] != "SpineDataNeeded"]
    gained = [shown for shown in decided if shown not in topics(own)]
    assert all(shown in _UNDECIDED for shown in gained), (case, topics(answer))
    withheld = {topic for topic, _ in topics(own) if topic != "SpineDataNeeded"} - {t for t, _ in decided}
    assert withheld <= DEFER_OR_REPEAT | _RESTS_ON_DATA, (case, topics(answer))
    assert rating(answer) in (rating(own), None), (case, rating(own), rating(answer))
    if touched:
        assert any(SET_ASIDE in card.get("detail", "") for card in answer["cards"]), (case, topics(answer))


def test_the_patients_own_red_flag_beside_another_patients_record_keeps_its_critical_card() -> None:
    """The patient's own fever (wc-oracle-fever) in a key that also holds another patient's temperature, with
    no FHIR server to read the key again. Before the eleventh pass the whole key was set aside and the answer
    was only "could not check" (no critical card); now her fever is read, and the answer says the records of
    another patient were set aside."""
    chart = BY_ID["wc-oracle-fever"]
    body = order_sign(chart)
    stranger = {"resourceType": "Observation", "id": "stranger-temp", "status": "final",
                "subject": {"reference": "Patient/someone-else"}, "effectiveDateTime": "2026-05-30",
                "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
                "valueQuantity": {"value": 36.6, "unit": "Cel"}}
    body["prefetch"]["observations"]["entry"].append({"resource": stranger})

    answer = evaluate(body, chart.on)

    assert topics(evaluate(order_sign(chart), chart.on)) == [("SpineRedFlag", "critical")]
    assert topics(answer) == [("SpineRedFlag", "critical"), ("SpineDataNeeded", "info")]
    assert rating(answer) == "appropriate"
    assert any(SET_ASIDE in card.get("detail", "") for card in answer["cards"])

"""PATHWAY.md §2 v2 and invariant 4 through the real app and SEKMET, for answers recorded beside the value
(docs/pathway-facts.md "Eleventh pass: how an answer is recorded"): a red flag stated as a diagnosis's
``evidence`` or a procedure's ``complication``, or answered only by ``Observation.interpretation``, is found
by a complete prefetch and by the service's own FHIR fallback alike; a finding interpreted NEG, or a screen
panel whose members all answer No, raises nothing either way; a diabetic's CRP flagged High with no number
is R7 both ways.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from chart_both_ways import rating, topics
from test_red_flag_recording_places import (
    DIABETES,
    ICD,
    KINDS,
    LOINC,
    REGIONS,
    Kind,
    Resource,
    answer_code,
    both_ways,
    concept,
    condition,
    day,
    never_deferred,
    observation,
    patient_id,
)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
V3 = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
CPT = "http://www.ama-assn.org/go/cpt"


def flagged(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": V3, "code": code}]}]


PLACES: dict[str, Callable[[str, Kind], list[Resource]]] = {
    "condition-evidence": lambda pid, k: [condition(
        pid, "e", (ICD, "R52", "Pain, unspecified"), onsetDateTime=day(5),
        evidence=[{"code": [concept(k.conditions[0])]}])],
    "procedure-complication": lambda pid, k: [{
        "resourceType": "Procedure", "id": f"{pid}-lp", "subject": {"reference": f"Patient/{pid}"},
        "status": "completed", "performedDateTime": day(3),
        "code": concept((CPT, "62270", "Spinal puncture, lumbar, diagnostic")),
        "complication": [concept(k.conditions[0])]}],
    "obs-flagged-pos": lambda pid, k: [observation(
        pid, "f", k.findings[0], "exam", valueString="see comment", interpretation=flagged("POS"))],
}
CASES = [(kind, place, region) for region in REGIONS for kind in KINDS for place in PLACES]


@pytest.mark.parametrize(("kind", "place", "region"), CASES, ids=["-".join(case) for case in CASES])
async def test_a_red_flag_recorded_beside_the_value_is_found_by_prefetch_and_by_fallback(
    cds: Any, kind: str, place: str, region: str
) -> None:
    pid = patient_id("answer", kind, place, region)

    answers = await both_ways(cds, pid, region, PLACES[place](pid, KINDS[kind]))

    assert answers.same, answers.difference()
    for answer in (answers.prefetch, answers.fallback):
        assert topics(answer)[0] == ("SpineRedFlag", KINDS[kind].indicator), answers.difference()
        assert rating(answer) == "appropriate"
        never_deferred(answer)


def members_all_no(pid: str, k: Kind) -> list[Resource]:
    """A screen coded with the finding itself, no value, grouping two items answered No by hasMember."""
    items = [observation(pid, f"m{i}", code, "exam", **answer_code("LA32-8", "No"))
             for i, code in enumerate((k.findings[0], k.findings[-1]))]
    screen = observation(pid, "p", k.findings[0], "exam",
                         hasMember=[{"reference": f"Observation/{item['id']}"} for item in items])
    return [screen, *items]


NEGATED: dict[str, Callable[[str, Kind], list[Resource]]] = {
    "observation-interpreted-negative": lambda pid, k: [observation(
        pid, "f", k.findings[0], "exam", interpretation=flagged("NEG"))],
    "panel-members-all-no": members_all_no,
}


@pytest.mark.parametrize("negated", list(NEGATED))
@pytest.mark.parametrize("kind", ["ces", "motor", "myelopathy"])
async def test_an_answer_recorded_as_no_beside_the_value_raises_nothing_either_way(
    cds: Any, kind: str, negated: str
) -> None:
    pid = patient_id("answer-neg", kind, negated)

    answers = await both_ways(cds, pid, "lumbar", NEGATED[negated](pid, KINDS[kind]))

    assert answers.same, answers.difference()
    assert topics(answers.prefetch)[0] == ("SpineDeferImaging", "warning"), answers.difference()
    assert rating(answers.prefetch) == "not-appropriate"  # R1, exactly as without the finding


async def test_a_diabetics_crp_flagged_high_without_a_number_is_r7_either_way(cds: Any) -> None:
    pid = patient_id("answer", "crp-flagged")
    crp = observation(pid, "c", (LOINC, "1988-5", "C reactive protein"), "laboratory",
                      valueString="see comment", interpretation=flagged("H"))

    answers = await both_ways(cds, pid, "lumbar", [condition(pid, "dm", DIABETES, onsetDateTime="2019-04-01"),
                                                   crp])

    assert answers.same, answers.difference()
    assert topics(answers.prefetch)[0] == ("SpineRedFlag", "critical"), answers.difference()
    never_deferred(answers.prefetch)

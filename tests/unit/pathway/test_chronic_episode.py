"""A diagnosis of the episode that says it is chronic, against a written onset under six weeks (PATHWAY.md §2
onset and duration D; R1, R27; safety invariant 3). docs/pathway-facts.md "Twelfth pass: onset, duration
and episode". Chronic back pain has lasted twelve weeks or more: an Epic problem-list entry "Chronic
left-sided low back pain with left-sided sciatica" whose onsetDateTime is the day it was added (19 days ago)
is no episode 19 days old. Such an onset is only the day by which the pain had begun: R27 "record the onset",
never R1 "defer" on a day the diagnosis itself contradicts.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide, decide_chart, decide_order, radiculopathy

from app.terminology import CPT, ICD10CM

SNOMED = "http://snomed.info/sct"
ACTIVE = coded("http://terminology.hl7.org/CodeSystem/condition-clinical", "active")


def problem(code: dict[str, Any], onset: str = "2026-03-01", cid: str = "problem") -> dict[str, Any]:
    return {"resourceType": "Condition", "id": cid, "code": code, "clinicalStatus": ACTIVE,
            "onsetDateTime": onset, "recordedDate": onset}


EPIC_IMO = {"coding": [{"system": ICD10CM, "code": "M54.42"}, {"system": ICD10CM, "code": "G89.29"}],
            "text": "Chronic left-sided low back pain with left-sided sciatica"}


@pytest.mark.parametrize("chart", [
    (problem(EPIC_IMO, "2026-02-20"),),
    (problem({"coding": [{"system": ICD10CM, "code": "M54.42"}, {"system": ICD10CM, "code": "G89.29"}]},
             "2026-02-20"),),
    (radiculopathy(), problem(coded(SNOMED, "278860009"))),
    (radiculopathy(), problem(coded(ICD10CM, "M54.50", "Chronic midline low back pain without sciatica"))),
    (radiculopathy(), problem({**coded(SNOMED, "279039007"), "text": "Long-standing low back pain"})),
], ids=["epic-imo-text", "g89.29-beside-sciatica", "snomed-chronic-lbp", "display-chronic", "longstanding"])
def test_a_chronic_diagnosis_of_the_episode_makes_an_onset_under_six_weeks_unverified(
        chart: tuple[dict[str, Any], ...]) -> None:
    decision = decide_chart(*chart)

    assert (decision.facts.onset_verified, decision.rules) == (False, ("R27",))


def test_the_orders_reason_for_exam_saying_chronic_is_read() -> None:
    """"Chronic low back pain with L radiculopathy" as the order's reason beside a sciatica written 19 days
    ago: R1 → R27."""
    order = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
             "code": coded(CPT, "72148"),
             "reasonCode": [{"text": "Chronic low back pain with L radiculopathy"}]}

    assert decide_order(order, radiculopathy()).rules == ("R27",)


@pytest.mark.parametrize("resource", [
    problem(coded(SNOMED, "278862001", "Acute low back pain")),
    problem({**coded(ICD10CM, "M54.50"), "text": "Low back pain, not chronic"}),
    problem({**coded(ICD10CM, "M54.50"), "text": "Acute low back pain, non-chronic"}),
    problem(coded(ICD10CM, "G89.29", "Other chronic pain"), cid="knee"),  # no region: not of the episode
    # years ago and never resolved: no part of this episode (docs/pathway-facts.md §5)
    problem(coded(SNOMED, "278860009", "Chronic low back pain"), "2019-05-01"),
], ids=["acute", "not-chronic", "non-chronic", "chronic-pain-of-no-region", "chronic-back-pain-of-2019"])
def test_a_diagnosis_not_saying_the_episode_is_chronic_keeps_the_defer(resource: dict[str, Any]) -> None:
    assert decide(resource).rules == ("R1",)


@pytest.mark.parametrize(("reason", "rules"), [
    ("L radiculopathy, on chronic opioids", ("R1",)),
    ("L sciatica; chronic kidney disease", ("R1",)),
    ("Sciatica, chronic", ("R27",)),
    ("L radicular pain, chronically", ("R27",)),
], ids=["chronic-opioids", "chronic-kidney-disease", "chronic-after", "chronically"])
def test_chronic_counts_only_said_of_the_pain(reason: str, rules: tuple[str, ...]) -> None:
    """"Chronic" in free words counts only said of the pain, back or nerve root, before or after it in the
    same phrase: "on chronic opioids" is a treatment, "chronic kidney disease" another diagnosis."""
    order = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
             "code": coded(CPT, "72148"), "reasonCode": [{"text": reason}]}

    assert decide_order(order, radiculopathy()).rules == rules

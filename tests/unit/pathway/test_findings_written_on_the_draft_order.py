"""A red flag written on the draft order outside its reasonCode — in its ``note``, as a ``supportingInfo``
Condition (contained or on the chart) or a supportingInfo's words — is the order's reason (PATHWAY.md §2 v2
"the order's own reasonCode or reasonReference", invariant 6; docs/pathway-facts.md "Tenth pass: where red
flags are recorded"): the clinician states it now, so it counts undated, and a note is read sentence by
sentence. A spinal infection or a cancer named in the order's words counts too (a suspicion counts); a
family history, a screening or a negated sentence does not."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide_order, radiculopathy

from app.chart.model import ChartCategory
from app.pathway.model import RedFlag
from app.terminology import CPT, ICD10CM

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def draft(**fields: Any) -> dict[str, Any]:
    """A lumbar MRI (CPT 72148) drafted on 2026-03-11."""
    return {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
            "code": coded(CPT, "72148"), "authoredOn": "2026-03-11", **fields}


def noted(text: str) -> dict[str, Any]:
    return draft(note=[{"authorString": "Dr A", "text": text}])


@pytest.mark.parametrize(("text", "flag"), [
    ("Sciatica 3 weeks. New urinary retention since yesterday.", RedFlag.CES),
    ("Neuro exam normal otherwise. Left foot drop since Monday.", RedFlag.MOTOR),
    ("h/o metastatic breast cancer, new thoracic pain", RedFlag.MALIGNANCY_MAJOR),
    ("IVDU, febrile; r/o epidural abscess", RedFlag.INFECTION),
])
def test_a_red_flag_in_the_orders_note_is_read(text: str, flag: RedFlag) -> None:
    """Each was deferred (R1) on the old code: the note was not read."""
    decision = decide_order(noted(text), radiculopathy())

    assert "R1" not in decision.rules
    assert {e.reference for e in decision.facts.red_flags[flag]} == {"ServiceRequest/o"}


@pytest.mark.parametrize("text", [
    "No bowel or bladder symptoms. No saddle anesthesia.",
    "Family history of colon cancer.",
    "Cancer screening up to date.",
])
def test_a_careful_negative_note_raises_nothing(text: str) -> None:
    assert "R1" in decide_order(noted(text), radiculopathy()).rules


def test_a_contained_condition_given_as_supporting_information_is_the_orders_reason() -> None:
    order = draft(supportingInfo=[{"reference": "#why"}],
                  contained=[{"resourceType": "Condition", "id": "why", "code": coded(ICD10CM, "G06.1")}])

    assert "R7" in decide_order(order, radiculopathy()).rules


def test_a_chart_condition_given_as_supporting_information_counts_whatever_its_date() -> None:
    """A retention resolved in 2019 counts by itself no longer; attached to the order now, it does."""
    old = {"resourceType": "Condition", "id": "ret", "code": coded(ICD10CM, "R33.9"),
           "clinicalStatus": coded(CLINICAL, "resolved"), "onsetDateTime": "2019-01-01",
           "abatementDateTime": "2019-02-01"}

    assert "R5" not in decide_order(draft(), radiculopathy(), old).rules
    assert "R5" in decide_order(draft(supportingInfo=[{"reference": "Condition/ret"}]), radiculopathy(),
                                old).rules


def test_a_supporting_condition_the_chart_does_not_hold_is_a_reason_that_could_not_be_read() -> None:
    decision = decide_order(draft(supportingInfo=[{"reference": "Condition/not-sent"}]), radiculopathy())

    assert ChartCategory.CONDITIONS in decision.facts.unavailable and decision.rating is None


def test_supporting_information_named_only_in_words_is_read() -> None:
    order = draft(supportingInfo=[{"display": "Saddle anesthesia"}])

    assert "R5" in decide_order(order, radiculopathy()).rules


def test_a_red_flag_in_the_note_of_another_order_is_read_as_its_reason() -> None:
    """A neurosurgery referral of last week coded only "Referral to neurosurgery" for sciatica, its note
    naming the retention: read like its reasons (dated by the referral), beside its code."""
    referral = {"resourceType": "ServiceRequest", "id": "ref", "status": "active", "intent": "order",
                "authoredOn": "2026-03-04", "code": {"text": "Referral to neurosurgery"},
                "reasonCode": [coded(ICD10CM, "M54.16")],
                "note": [{"text": "Sciatica. New urinary retention since Monday."}]}

    decision = decide_order(draft(), radiculopathy(), referral)

    assert [e.reference for e in decision.facts.red_flags[RedFlag.CES]] == ["ServiceRequest/ref"]

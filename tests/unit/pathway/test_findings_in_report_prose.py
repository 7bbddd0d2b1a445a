"""A red flag written only in a spine report's conclusion, in the radiologist's words, counts (PATHWAY.md §2
v2 "wherever the chart holds it", invariant 6; docs/pathway-facts.md "Tenth pass: where red flags are
recorded"): the conclusion is read sentence by sentence, so "No cord compression." does not silence the
abscess beside it; a sentence that negates, calls a finding unlikely or benign, or describes normal anatomy
names nothing. The report is dated by its effective[x] like any finding that is not a Condition."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import RedFlag, State
from app.terminology import CPT, ICD10CM


def report(conclusion: str, on: str | None = "2026-03-01", status: str = "final",
           **fields: Any) -> dict[str, Any]:
    """A prior lumbar MRI report (CPT 72148) of ``on`` whose conclusion is ``conclusion``."""
    dated = {"effectiveDateTime": on} if on else {}
    return {"resourceType": "DiagnosticReport", "id": "mri", "status": status, "code": coded(CPT, "72148"),
            "conclusion": conclusion, **dated, **fields}


@pytest.mark.parametrize(("conclusion", "rule", "flag"), [
    ("Epidural abscess at L3-4 extending to L5.", "R7", RedFlag.INFECTION),
    ("Epidural abscess at L3-4, cord signal normal.", "R7", RedFlag.INFECTION),
    ("Findings concerning for discitis-osteomyelitis at L2-3.", "R7", RedFlag.INFECTION),
    ("Severe C5-6 stenosis with cord compression and myelomalacia.", "R20", RedFlag.MYELOPATHY),
    ("Massive L4-5 extrusion with cauda equina compression.", "R5", RedFlag.CES),
    ("Metastatic disease involving the L2 and L4 vertebral bodies.", "R8", RedFlag.MALIGNANCY_MAJOR),
    ("Lytic lesions; differential includes myeloma.", "R8", RedFlag.MALIGNANCY_MAJOR),
    ("Acute compression fracture of L1.", "R10", RedFlag.FRACTURE_RISK),
])
def test_a_red_flag_in_the_conclusions_words_is_read(conclusion: str, rule: str, flag: RedFlag) -> None:
    """Each is R12 ("do not repeat") or R1 on the old code: the prose was never read."""
    decision = decide(report(conclusion))

    assert rule in decision.rules and "R12" not in decision.rules
    assert [e.reference for e in decision.facts.red_flags[flag]] == ["DiagnosticReport/mri"]


def test_a_negated_sentence_does_not_silence_the_finding_beside_it() -> None:
    decision = decide(report("1. No cord compression.\n2. Epidural abscess L3-4."))

    assert "R7" in decision.rules and RedFlag.MYELOPATHY not in decision.facts.red_flags


@pytest.mark.parametrize("conclusion", [
    "No epidural abscess. L4-5 disc herniation.",
    "Degenerative disc disease without evidence of discitis.",
    "Benign hemangioma at L3. No malignancy.",
    "The conus and cauda equina are normal.",
    "Crowding of the cauda equina nerve roots at L4-5 from stenosis.",
    "Basal cell carcinoma incidentally noted in the skin of the back.",
    "Mild stenosis. No acute fracture.",
])
def test_a_careful_negative_report_raises_nothing(conclusion: str) -> None:
    decision = decide(report(conclusion))

    assert not {RedFlag.CES, RedFlag.INFECTION, RedFlag.MYELOPATHY, RedFlag.MALIGNANCY_MAJOR,
                RedFlag.FRACTURE_RISK} & set(decision.facts.red_flags)


def test_the_prose_is_read_beside_a_conclusion_code_of_something_else() -> None:
    """The code may be the disc herniation and the prose the abscess."""
    coded_report = report("L4-5 herniation. Epidural abscess L3-4.",
                          conclusionCode=[coded(ICD10CM, "M51.26")])

    assert "R7" in decide(coded_report).rules


def test_a_preliminary_report_counts() -> None:
    assert "R7" in decide(report("Epidural abscess L3-4.", status="preliminary")).rules


def test_an_undated_report_counts_and_says_its_date_is_not_recorded() -> None:
    decision = decide(report("Epidural abscess L3-4.", on=None))

    [evidence] = decision.facts.red_flags[RedFlag.INFECTION]
    assert (evidence.reference, evidence.state) == ("DiagnosticReport/mri", State.DATE_NOT_RECORDED)


@pytest.mark.parametrize(("on", "status"), [
    ("2026-03-12", "final"),  # after the order
    ("2025-01-12", "final"),  # an infection of more than 180 days ago, as an Observation of that date
    ("2026-03-01", "entered-in-error"),
])
def test_a_report_after_the_order_too_old_or_in_error_raises_nothing(on: str, status: str) -> None:
    decision = decide(report("Epidural abscess L3-4.", on=on, status=status))

    assert RedFlag.INFECTION not in decision.facts.red_flags


def test_a_report_pasting_a_whole_document_is_read_within_bounds() -> None:
    """A 400 kB conclusion is read to its 64th sentence, not to its end, and answers."""
    decision = decide(report("Epidural abscess L3-4. " + "Mild stenosis. " * 30_000))

    assert "R7" in decision.rules


def test_a_spinal_infection_called_unlikely_still_counts() -> None:
    """A spinal infection is read as the named concepts are, where a suspicion or a doubt counts (the safe
    side, docs/pathway-facts.md "Tenth pass: answers wrong the other way"): never a defer beside it."""
    assert "R7" in decide(report("Epidural abscess is unlikely.")).rules

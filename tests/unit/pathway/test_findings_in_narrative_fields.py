"""A red flag written only in a narrative field counts (PATHWAY.md §2 v2 "wherever the chart holds it",
invariant 6; docs/pathway-facts.md "Eleventh pass: narrative fields"): the ``note`` of a Condition, an
Observation, a Procedure or a prescription, an exam row's ``valueString`` prose (also a panel item's), a
report's ``presentedForm`` text (base64, plain or HTML), a lytic bone lesion in a report's words. Each
mention is judged by its own clause (``facts_negation``), so denials, templates and what the patient is told
to watch for stay negative. Each chart is a 40-year-old with a 19-day lumbar radiculopathy and a lumbar MRI
order: R1 (defer) without the finding."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from raw_decision import coded, decide

from app.chart.model import ChartCategory
from app.fhir.words import presented_texts
from app.pathway.model import RedFlag
from app.terminology import CPT, ICD10CM, LOINC

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
EXAM = [coded("http://terminology.hl7.org/CodeSystem/observation-category", "exam")]


def note(text: str, time: str | None = None) -> list[dict[str, Any]]:
    return [{"text": text, **({"time": time} if time else {})}]


def problem(**fields: Any) -> dict[str, Any]:
    """A low back pain problem (M54.50) recorded last week."""
    return {"resourceType": "Condition", "id": "lbp", "code": coded(ICD10CM, "M54.50"),
            "recordedDate": "2026-03-04", **fields}


def row(text: str, **fields: Any) -> dict[str, Any]:
    """An exam row under a local name, yesterday."""
    return {"resourceType": "Observation", "id": "row", "status": "final", "category": EXAM,
            "code": {"text": text}, "effectiveDateTime": "2026-03-10", **fields}


def procedure(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "Procedure", "id": "pt", "status": "completed", "code": coded(CPT, "97110"),
            "performedDateTime": "2026-03-05", **fields}


def prescription(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": "nsaid", "status": "active", "intent": "order",
            "medicationCodeableConcept": coded(RXNORM, "7258", "naproxen"), "authoredOn": "2026-03-01",
            **fields}


def encoded(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def report(*forms: tuple[str, str], code: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A lumbar MRI report (CPT 72148) of ten days ago whose text is sent as ``forms`` (type, base64)."""
    return {"resourceType": "DiagnosticReport", "id": "rpt", "status": "final",
            "code": code or coded(CPT, "72148"), "effectiveDateTime": "2026-03-01",
            "presentedForm": [{"contentType": kind, "data": data} for kind, data in forms], **fields}


FOUND: dict[str, tuple[dict[str, Any], str, RedFlag, str]] = {
    "problem-note": (problem(note=note("Pt reports new saddle anesthesia since yesterday.")),
                     "R5", RedFlag.CES, "Condition/lbp"),
    "problem-note-retention": (problem(note=note("Seen in ED: new urinary retention, cathed 900 mL.")),
                               "R5", RedFlag.CES, "Condition/lbp"),
    "problem-note-abscess": (problem(note=note("Outside MRI 3/1 showed epidural abscess at L3-4.")),
                             "R7", RedFlag.INFECTION, "Condition/lbp"),
    "problem-note-cancer": (problem(note=note("h/o metastatic breast cancer, on letrozole.")),
                            "R8", RedFlag.MALIGNANCY_MAJOR, "Condition/lbp"),
    "row-note": (row("Neuro exam", valueString="See note", note=note("Saddle anesthesia present.")),
                 "R5", RedFlag.CES, "Observation/row"),
    "row-prose": (row("Neuro exam", valueString="Saddle anesthesia present"), "R5", RedFlag.CES,
                  "Observation/row"),
    "row-prose-foot-drop": (row("Physical exam", valueString="Gait antalgic. Right foot drop noted."),
                            "R6", RedFlag.MOTOR, "Observation/row"),
    "panel-item-prose": (row("Physical exam", component=[{
        "code": {"text": "Neuro"}, "valueString": "Saddle anesthesia present, decreased rectal tone"}]),
        "R5", RedFlag.CES, "Observation/row"),
    "procedure-note": (procedure(note=note("Patient reports new urinary retention; sent to ED.")),
                       "R5", RedFlag.CES, "Procedure/pt"),
    "prescription-note": (prescription(note=note("Pt injects heroin daily, counselled.")),
                          "R7", RedFlag.INFECTION, "MedicationRequest/nsaid"),
    "report-text": (report(("text/plain", encoded("IMPRESSION: Epidural abscess at L3-4."))),
                    "R7", RedFlag.INFECTION, "DiagnosticReport/rpt"),
    "report-html": (report(("text/html; charset=utf-8", encoded(
        "<html><body><p><b>Impression:</b>&nbsp;Epidural abscess at L3-4.</p></body></html>"))),
        "R7", RedFlag.INFECTION, "DiagnosticReport/rpt"),
    "lytic-lesion": (report(("text/plain", encoded("Impression: Lytic lesion in T8.")),
                            code=coded(CPT, "72070")),
                     "R8", RedFlag.MALIGNANCY_MAJOR, "DiagnosticReport/rpt"),
}


@pytest.mark.parametrize("shape", list(FOUND))
def test_a_red_flag_written_only_in_a_narrative_field_is_found(shape: str) -> None:
    """R5 (cauda equina), R6 (motor), R7 (infection), R8 (malignancy) by PATHWAY.md §3; each was R1 or R12
    before the eleventh pass: the field was never read."""
    resource, rule, flag, reference = FOUND[shape]
    decision = decide(resource)

    assert decision.rules[0] == rule
    assert reference in [e.reference for e in decision.facts.red_flags[flag]]


QUIET: dict[str, dict[str, Any]] = {
    "problem-note-denies": problem(note=note("No saddle anesthesia, denies bowel/bladder changes.")),
    "problem-note-return-if": problem(note=note("Return to ED if saddle anesthesia or urinary retention "
                                                "develop.")),
    "problem-note-told": problem(note=note("Advised to seek care if he develops urinary retention, saddle "
                                           "numbness or leg weakness.")),
    "problem-note-family": problem(note=note("Family history: mother with breast cancer.")),
    "row-prose-denies": row("HPI", valueString="Pt denies bowel/bladder changes. No saddle anesthesia."),
    "row-prose-template": row("ROS", valueString="[ ] fever [ ] saddle anesthesia [ ] urinary retention"),
    "row-prose-ros": row("ROS", valueString="Denies fever, chills, saddle anesthesia, bowel/bladder "
                                            "changes."),
    "row-prose-precautions": row("Plan", valueString="Return precautions given for saddle anesthesia, "
                                                     "bowel/bladder incontinence."),
    "row-prose-education": row("Patient education", valueString="Reviewed cauda equina warning signs: "
                                                                 "saddle anesthesia, urinary retention."),
    "row-prose-family": row("Family history", valueString="Cauda equina syndrome in father"),
    "row-named-for-the-sign": row("Saddle anesthesia", valueString="none reported"),
    "procedure-note-foley": procedure(note=note("Foley placed for monitoring during surgery.")),
    "report-history-only": report(("text/plain", encoded(
        "EXAM: MRI L-spine\nHISTORY: r/o cauda equina syndrome, eval for epidural abscess\n"
        "FINDINGS: The conus is normal.\nIMPRESSION: No acute findings. Mild L4-5 stenosis."))),
    "report-benign-lesion": report(("text/plain", encoded("Impression: Benign lytic lesion, likely "
                                                          "hemangioma."))),
}


@pytest.mark.parametrize("shape", list(QUIET))
def test_a_narrative_field_that_denies_or_warns_raises_nothing(shape: str) -> None:
    """A denial, an unchecked template, a relative's history, what the patient is told to watch for and a
    report's clinical history (the suspicion it answers) are no red flag: R1 (or R12 beside the MRI
    report) as without them."""
    decision = decide(QUIET[shape])

    assert decision.rules[0] in {"R1", "R12"}
    assert not decision.facts.red_flags


def test_a_note_written_after_the_order_is_not_read() -> None:
    decision = decide(problem(note=note("New urinary retention.", time="2026-03-20")))

    assert decision.rules[0] == "R1"


def test_a_note_of_a_condition_entered_in_error_is_void() -> None:
    voided = problem(verificationStatus=coded(
        "http://terminology.hl7.org/CodeSystem/condition-ver-status", "entered-in-error"),
        note=note("New urinary retention."))

    assert decide(voided).rules[0] == "R1"


def test_a_report_text_that_is_not_base64_is_skipped_counted_and_said_never_a_defer() -> None:
    """Bad input: the attachment is skipped and counted (``Chart.skipped``) and the reports are named
    unread, so no defer stands on "no red flags" (the text may have held one)."""
    decision = decide(report(("text/plain", "!!not base64!!")))

    assert "R1" not in decision.rules and "R12" not in decision.rules
    assert ChartCategory.REPORTS in decision.facts.unavailable


def test_a_report_text_reads_the_impression_first_and_leaves_out_the_indication() -> None:
    text = "Clinical indication: r/o abscess\n" + "Findings: normal.\n" * 80 + "IMPRESSION: Discitis at L2-3."
    texts, unread = presented_texts({"presentedForm": [{"contentType": "text/plain", "data": encoded(text)}]})

    assert texts[0] == "IMPRESSION: Discitis at L2-3." and unread == 0
    assert not any("abscess" in sentence for sentence in texts)


def test_a_report_text_is_decoded_bounded_and_other_types_are_not_read() -> None:
    long = encoded("IMPRESSION: Epidural abscess. " + "x" * 200_000)
    pdf = {"contentType": "application/pdf", "data": encoded("Epidural abscess")}
    texts, unread = presented_texts({"presentedForm": [{"contentType": "text/plain", "data": long}, pdf]})

    assert texts[0] == "IMPRESSION: Epidural abscess." and unread == 0
    assert sum(map(len, texts)) < 50_000


def test_a_chest_ct_naming_a_lytic_vertebral_lesion_is_a_suspected_cancer() -> None:
    """R8: a lytic lesion is myeloma or a metastasis until shown otherwise (the safe side)."""
    chest = report(code=coded(LOINC, "24627-2"), conclusion="Lytic lesion in T8.")

    assert decide(chest).rules[0] == "R8"


@pytest.mark.parametrize("words", [
    "Return to ED if urinary retention or saddle numbness develop",
    "Precautions given for urinary retention",
    "Educated on warning signs: saddle anesthesia, bowel incontinence",
])
def test_what_the_patient_is_told_to_watch_for_is_no_finding_wherever_it_is_typed(words: str) -> None:
    """A visit's typed reason read since the eighth pass: R5 before the eleventh pass (the words name a
    sign); what to watch for is no finding (``facts_negation``, "told")."""
    visit = {"resourceType": "Encounter", "id": "v", "status": "finished", "period": {"start": "2026-03-09"},
             "reasonCode": [{"text": words}]}

    assert decide(visit).rules[0] == "R1"


def test_a_sign_typed_after_what_to_watch_for_still_counts() -> None:
    """The told-to-watch clause ends at a full stop: the sign stated next is the patient's."""
    visit = {"resourceType": "Encounter", "id": "v", "status": "finished", "period": {"start": "2026-03-09"},
             "reasonCode": [{"text": "Return precautions reviewed. Now reports urinary retention"}]}

    assert decide(visit).rules[0] == "R5"


@pytest.mark.parametrize(("answer", "rule"), [
    ("Saddle anesthesia: absent", "R1"),
    ("Saddle numbness: none", "R1"),
    ("Saddle anesthesia absent", "R1"),
    ("Perianal sensation absent", "R5"),
    ("Decreased perianal sensation, saddle numbness", "R5"),
])
def test_an_exam_answer_that_calls_the_finding_itself_absent_is_no_finding(answer: str, rule: str) -> None:
    """"Absent" denies an anaesthesia or a numbness, and shows a sensation's loss: the first three were R5
    (a critical cauda equina card for a careful negative exam) before the eleventh pass (``facts_exam``)."""
    assert decide(row("Neuro exam", valueString=answer)).rules[0] == rule


@pytest.mark.parametrize(("words", "rule"), [
    ("Positive: back pain. Negative: fever, saddle anesthesia, incontinence.", "R1"),
    ("Negative: fever, Positive: saddle anesthesia", "R5"),
])
def test_a_review_of_systems_negative_list_denies_every_item(words: str, rule: str) -> None:
    """"Negative:" opens a list as "negative for" does; the first was R5 (a critical card for a careful
    negative review of systems) before the eleventh pass, also as a visit's typed reason."""
    visit = {"resourceType": "Encounter", "id": "v", "status": "finished", "period": {"start": "2026-03-09"},
             "reasonCode": [{"text": words}]}

    assert decide(visit).rules[0] == rule
    assert decide(row("ROS", valueString=words)).rules[0] == rule

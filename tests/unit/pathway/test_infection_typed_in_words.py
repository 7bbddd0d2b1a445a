"""Infection red flags (PATHWAY.md §3, R7) as clinicians type them, in every free-text place the service reads
(docs/pathway-facts.md "Twelfth pass: infection and malignancy typed in words"): a fever in words ("febrile",
"fevers/chills", "Tmax 39.1", "temp 38.6C", "fever to 102F"), immunosuppression in words ("immunocompromised",
"s/p renal transplant", "on chemo") and injection drug use in more words ("shoots up", "injects fentanyl").
``raw_decision.decide`` adds each resource to a 19-day lumbar radiculopathy (begun 2026-02-20) and decides a
lumbar MRI ordered on 2026-03-11: R1 (defer) without a flag. Each positive shape below was R1 on 68c63fb."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from raw_decision import coded, decide, decide_order, radiculopathy

from app.pathway.model import Finding, RedFlag
from app.terminology import CPT, ICD10CM, LOINC

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
EXAM = [coded("http://terminology.hl7.org/CodeSystem/observation-category", "exam")]


def places(words: str, on: str = "2026-03-09") -> dict[str, dict[str, Any]]:
    """``words`` in each free-text place a chart types them, each dated ``on``."""
    note = [{"text": words}]
    return {
        "problem": {"resourceType": "Condition", "id": "x", "code": {"text": words}, "recordedDate": on},
        "problem-note": {"resourceType": "Condition", "id": "lbp", "code": coded(ICD10CM, "M54.50"),
                         "recordedDate": on, "note": note},
        "exam-prose": {"resourceType": "Observation", "id": "o", "status": "final", "category": EXAM,
                       "code": {"text": "Physical exam"}, "valueString": f"Seen today. {words}",
                       "effectiveDateTime": on},
        "row-note": {"resourceType": "Observation", "id": "o", "status": "final", "category": EXAM,
                     "code": {"text": "Vitals comment"}, "valueString": "See note", "note": note,
                     "effectiveDateTime": on},
        "visit-reason": {"resourceType": "Encounter", "id": "e", "status": "finished",
                         "period": {"start": on}, "reasonCode": [{"text": f"Back pain, {words}"}]},
        "referral-reason": {"resourceType": "ServiceRequest", "id": "ref", "status": "active",
                            "intent": "order", "code": {"text": "Referral to infectious disease"},
                            "authoredOn": on, "reasonCode": [{"text": words}]},
        "referral-note": {"resourceType": "ServiceRequest", "id": "ref", "status": "active",
                          "intent": "order", "code": {"text": "Referral to physical therapy"},
                          "authoredOn": on, "note": note},
        "procedure-note": {"resourceType": "Procedure", "id": "pt", "status": "completed",
                           "code": coded(CPT, "97110"), "performedDateTime": on, "note": note},
        "prescription-note": {"resourceType": "MedicationRequest", "id": "m", "status": "active",
                              "intent": "order", "authoredOn": on, "note": note,
                              "medicationCodeableConcept": coded(RXNORM, "7258", "naproxen")},
        "prescription-reason": {"resourceType": "MedicationRequest", "id": "m", "status": "active",
                                "intent": "order", "authoredOn": on,
                                "medicationCodeableConcept": {"text": "cephalexin 500 mg"},
                                "reasonCode": [{"text": words}]},
        "statement-note": {"resourceType": "MedicationStatement", "id": "m", "status": "active",
                           "medicationCodeableConcept": coded(RXNORM, "7258", "naproxen"),
                           "effectiveDateTime": on, "note": note},
    }


def order_places(words: str) -> dict[str, dict[str, Any]]:
    """``words`` as the draft lumbar MRI's reason for exam and its note."""
    order = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
             "code": coded(CPT, "72148"), "authoredOn": "2026-03-11"}
    return {"order-reason": {**order, "reasonCode": [{"text": words}]},
            "order-note": {**order, "note": [{"text": words}]}}


def every_place(words: str, *more: dict[str, Any]) -> list[tuple[str, Any]]:
    """(place, decision) for ``words`` in every place, with ``more`` resources in the chart."""
    found = [(place, decide(resource, *more)) for place, resource in places(words).items()]
    return found + [(place, decide_order(order, radiculopathy(), *more))
                    for place, order in order_places(words).items()]


def report(words: str) -> dict[str, Any]:
    """A lumbar radiograph report (not a prior MRI) of yesterday whose text is ``words``."""
    text = base64.b64encode(f"IMPRESSION: {words}".encode()).decode()
    return {"resourceType": "DiagnosticReport", "id": "rpt", "status": "final", "code": coded(CPT, "72100"),
            "effectiveDateTime": "2026-03-10", "presentedForm": [{"contentType": "text/plain", "data": text}]}


FEVER_TYPED = [
    "Febrile", "febrile to 38.9", "Fevers/chills x 3 days", "fever and chills", "Fever to 102F",
    "Fevers to 39C at home", "subjective fevers", "Pyrexia", "T 101.4", "Tmax 39.1", "temp 38.6C",
    "Temp 100.9 F", "T: 38.2", "temperature of 39", "Tmax 102.3 overnight, afebrile this am",
    "Febrile neutropenia", "Constitutional: Positive for fever and chills.", "Vitals: T 38.4 C, HR 110",
]


@pytest.mark.parametrize("words", FEVER_TYPED)
def test_r7_a_fever_typed_in_words_is_a_fever_wherever_it_is_typed(words: str) -> None:
    """§3 infection "fever with spinal pain", read from words as a measured temperature is read from its
    row: every place, dated within the fever window of seven days (§2). It was R1 (a defer) everywhere."""
    for place, decision in every_place(words):
        assert decision.rules[0] == "R7", (place, decision.rules)
        assert RedFlag.INFECTION in decision.facts.red_flags, place


@pytest.mark.parametrize("words", [
    "afebrile", "Denies fever", "No fevers, chills", "No f/c/s", "T 98.6", "Tmax 37.9", "Temp 37.2 C",
    "T 12", "Hay fever", "h/o rheumatic fever", "Scarlet fever as a child", "Fever blister on lip",
    "Return to ED if fever > 101", "Tylenol 650 mg q6h PRN pain or fever", "Call for temp > 100.4",
    "Monitor for fever", "h/o febrile seizures", "FHx: fevers", "Valley fever 2012",
    "Constitutional: Negative for chills, fever and unexpected weight change.", "fever (-)",
    "Fever/chills: no", "Fevers/chills/night sweats: denies", "BP 120/80, HR 72, T 98.6 F, RR 16",
])
def test_r1_a_denied_other_or_conditional_fever_is_none(words: str) -> None:
    """A careful negative, another disease named fever, a threshold in an instruction (a bound is no
    measurement), a PRN sig, a normal temperature or a vertebra ("T 12") raise nothing."""
    for place, decision in every_place(words):
        assert RedFlag.INFECTION not in decision.facts.red_flags, (place, decision.rules)
        assert decision.rules[0] == "R1", (place, decision.rules)


def test_a_fever_typed_weeks_ago_is_past_the_fever_window() -> None:
    """§2: a fever counts within the last 7 days (policy). A visit of January typed "fever" is no fever
    now, as a coded fever of January is not; nor is a free-text fever problem resolved in January."""
    visit = places("fevers/chills", on="2026-01-15")["visit-reason"]
    status = coded("http://terminology.hl7.org/CodeSystem/condition-clinical", "resolved")
    resolved = {"resourceType": "Condition", "id": "f", "code": {"text": "Fever"}, "clinicalStatus": status,
                "onsetDateTime": "2026-01-10", "abatementDateTime": "2026-01-15"}

    assert decide(visit).rules[0] == "R1"
    assert decide(resolved).rules[0] == "R1"


def test_the_card_names_a_typed_fever_in_the_charts_words() -> None:
    decision = decide(places("Fevers to 39C at home")["visit-reason"])

    [evidence] = decision.facts.red_flags[RedFlag.INFECTION]
    assert evidence.finding is Finding.FEVER
    assert evidence.name == "Back pain, Fevers to 39C at home"


def test_a_measured_temperature_names_the_fever_alone() -> None:
    """One fever per card: when a temperature of 38.0 °C or more is on record, the words that say the same
    fever ("Back pain worse, fever and night sweats", the infection demo's visit) add no line."""
    temperature = {"resourceType": "Observation", "id": "t", "status": "final",
                   "code": coded(LOINC, "8310-5"), "valueQuantity": {"value": 38.6, "unit": "Cel"},
                   "effectiveDateTime": "2026-03-09"}
    decision = decide(places("worse, fever and night sweats")["visit-reason"], temperature)

    assert decision.rules[0] == "R7"
    assert [e.finding for e in decision.facts.red_flags[RedFlag.INFECTION]] == [Finding.TEMPERATURE]


IMMUNOSUPPRESSED = [
    "Immunosuppressed", "immunocompromised host", "on immunosuppressants", "on immunosuppressive therapy",
    "s/p renal transplant on tacrolimus", "kidney transplant recipient", "h/o liver transplant",
    "HIV positive", "living with HIV", "Neutropenic", "on chemo", "receiving chemotherapy",
    "currently on chemotherapy for lymphoma",
]


@pytest.mark.parametrize("words", IMMUNOSUPPRESSED)
def test_r7_immunosuppression_typed_in_words_is_an_infection_flag(words: str) -> None:
    """§3 infection: immunosuppression (B20, D84.x, Z79.52, Z94.x) is a flag by itself; in words it was R1."""
    for place, decision in every_place(words):
        assert decision.rules[0] == "R7", (place, decision.rules)


@pytest.mark.parametrize("words", [
    "not immunocompromised", "HIV negative", "HIV screening", "Denies HIV", "kidney transplant evaluation",
    "living kidney donor", "h/o chemo 2015", "completed chemotherapy in 2019", "Hearing aids",
])
def test_r1_denied_sought_or_past_immunosuppression_is_none(words: str) -> None:
    """A denial, a test, an evaluation for a transplant, a donor and a finished chemotherapy course (ICD-10-CM
    codes it Z92.21, which §3 does not list) are no immunosuppression."""
    for place, decision in every_place(words):
        assert RedFlag.INFECTION not in decision.facts.red_flags, (place, decision.rules)


@pytest.mark.parametrize("words", ["uses IV drugs", "shoots up heroin", "injects fentanyl", "injecting meth",
                                   "injected drugs last week"])
def test_r7_injection_drug_use_in_more_words(words: str) -> None:
    for place, decision in every_place(words):
        assert decision.rules[0] == "R7", (place, decision.rules)


@pytest.mark.parametrize("words", ["Denies IV drug use", "never injected drugs", "insulin injections",
                                   "IV fentanyl 50 mcg given in ED"])
def test_r1_no_injection_drug_use(words: str) -> None:
    for place, decision in every_place(words):
        assert RedFlag.INFECTION not in decision.facts.red_flags, (place, decision.rules)


def test_a_report_naming_a_fever_reads_it() -> None:
    """A report's impression is read as its conclusion is (eleventh pass); "febrile" there is a fever."""
    assert decide(report("Febrile patient; no acute osseous abnormality.")).rules[0] == "R7"


def vital(name: str, on: str = "2026-03-09", **value: Any) -> dict[str, Any]:
    """A vital-signs row a clinic names in words only, under no code or a local one."""
    category = [coded("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")]
    return {"resourceType": "Observation", "id": "v", "status": "final", "category": category,
            "code": {"text": name}, "effectiveDateTime": on, **value}


@pytest.mark.parametrize("row", [
    vital("Temp", valueString="101.4"), vital("Tmax", valueString="39.1 C"),
    vital("Temperature", valueQuantity={"value": 38.9, "unit": "C"}),
    vital("TEMPERATURE (F)", valueQuantity={"value": 102.2}),
    {**vital("x", valueQuantity={"value": 38.5, "unit": "Cel"}),
     "code": {"coding": [{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.707679", "code": "6",
                          "display": "TEMPERATURE ORAL"}]}},
])
def test_r7_a_temperature_row_named_only_in_words(row: dict[str, Any]) -> None:
    """§2 "a body temperature ≥ 38.0 °C": a flowsheet row with no LOINC code, named "Temp", was read by
    nobody (R1); it is read as a coded temperature row is, the card saying "temperature … °C"."""
    decision = decide(row)

    assert decision.rules[0] == "R7"
    assert [e.finding for e in decision.facts.red_flags[RedFlag.INFECTION]] == [Finding.TEMPERATURE]


@pytest.mark.parametrize("row", [
    vital("Temp", valueString="98.6"), vital("Skin temp", valueString="38.5"),
    vital("Room temperature", valueQuantity={"value": 38, "unit": "C"}),
    vital("Temp source", valueString="Oral"), vital("Temp", valueString="<38.5"),
    vital("Temp", on="2026-02-01", valueString="39.2"),              # past the seven days of §2
])
def test_r1_no_fever_in_a_row_named_in_words(row: dict[str, Any]) -> None:
    assert decide(row).rules[0] == "R1"

"""Whole patient charts as Epic, Oracle Health and Synthea export them: the corpus of
tests/fixtures/whole_charts/ (``python scripts/whole_charts.py`` writes it; the test runs each chart both
ways against SEKMET, tests/integration/test_whole_charts.py).

Each chart is years of record — unrelated problems, routine labs and vitals, vaccinations, earlier
episodes of back or neck pain — with one decisive fact hidden the way a real chart hides it. ``expected``
was decided by hand from docs/spec/PATHWAY.md: the rules the rating names, the rating, the indicator and
topic of the deciding card, topics that must not appear, and the patient-view answer.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from whole_chart_kit import CPT, ICD10, LOINC, RXNORM, SERVICE_TYPE, SNOMED, Chart, c, qty

Resource = dict[str, Any]
OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "whole_charts"
LUMBAR_MRI = c(CPT, "72148", "MRI lumbar spine without contrast")
CERVICAL_MRI = c(CPT, "72141", "MRI cervical spine without contrast")
LUMBAR_CT = c(CPT, "72131", "CT lumbar spine without contrast")
SCIATICA = [c(ICD10, "M54.42", "Lumbago with sciatica, left side"), c(SNOMED, "23056005", "Sciatica")]
RADICULOPATHY = [c(ICD10, "M54.16", "Radiculopathy, lumbar region"), c(SNOMED, "128196005",
                                                                       "Lumbar radiculopathy")]
LOW_BACK = [c(ICD10, "M54.50", "Low back pain, unspecified"), c(SNOMED, "279039007", "Low back pain")]
NECK = [c(ICD10, "M54.2", "Cervicalgia"), c(SNOMED, "81680005", "Neck pain")]
OFFICE = c(SNOMED, "185349003", "Encounter for check up")
PT_VISIT = c(SNOMED, "410158009", "Physical therapy assessment")
NAPROXEN = [c(RXNORM, "198013", "naproxen 500 MG Oral Tablet"), c(RXNORM, "208081",
                                                                  "Naprosyn 500 MG Oral Tablet")]
CRP = c(LOINC, "1988-5", "C reactive protein [Mass/volume] in Serum or Plasma")
ESR = c(LOINC, "4537-7", "Erythrocyte sedimentation rate by Westergren method")
Builder = Callable[[], tuple[Chart, Resource]]
BUILDERS: list[Builder] = []


def chart(builder: Builder) -> Builder:
    BUILDERS.append(builder)
    return builder


def history(ch: Chart, *, diabetes: bool = False, years: int = 4, neck: bool = True) -> Chart:
    """What every chart carries and the pathway must read past: chronic problems and their medicines,
    yearly check-ups with vitals and labs, vaccinations, a resolved back-pain episode and a neck-pain one."""
    ch.problem([c(ICD10, "I10", "Essential (primary) hypertension"), c(SNOMED, "38341003",
                                                                       "Hypertensive disorder")],
               onset=years * 365)
    ch.problem([c(ICD10, "F32.A", "Depression, unspecified"), c(SNOMED, "35489007", "Depressive disorder")],
               onset=years * 300)
    ch.problem([c(ICD10, "M17.11", "Unilateral primary osteoarthritis, right knee"),
                c(SNOMED, "239873007", "Osteoarthritis of knee")], onset=700)
    ch.problem([c(ICD10, "J44.9", "Chronic obstructive pulmonary disease, unspecified"),
                c(SNOMED, "13645005", "Chronic obstructive lung disease")], onset=900)
    ch.medication(400, [c(RXNORM, "314076", "lisinopril 10 MG Oral Tablet")], "lisinopril 10 mg tablet")
    ch.medication(380, [c(RXNORM, "312940", "sertraline 50 MG Oral Tablet")], "sertraline 50 mg tablet")
    ch.medication(500, [c(RXNORM, "745679", "albuterol 0.09 MG/ACTUAT Metered Dose Inhaler")],
                  "albuterol inhaler",
                  kind="MedicationStatement")
    if diabetes:
        ch.problem([c(ICD10, "E11.9", "Type 2 diabetes mellitus without complications"),
                    c(SNOMED, "44054006", "Diabetes mellitus type 2")], onset=years * 330)
        ch.medication(360, [c(RXNORM, "861007", "metformin hydrochloride 500 MG Oral Tablet")],
                      "metformin 500 mg")
    ch.procedure(years * 365 + 200, [c(CPT, "47562", "Laparoscopic cholecystectomy"),
                                     c(SNOMED, "45595009", "Laparoscopic cholecystectomy")])
    for year in range(years):
        ago = 60 + 365 * year
        ch.visit(ago, OFFICE, diagnoses=[[c(ICD10, "Z00.00",
                                            "Encounter for general adult medical examination"),
                                          c(SNOMED, "268565007", "Adult health examination")]])
        ch.vitals(ago)
        for loinc, value, unit in (("4548-4", 6.4 if diabetes else 5.4, "%"), ("2160-0", 0.9, "mg/dL"),
                                   ("2093-3", 188, "mg/dL"), ("6690-2", 6.8, "10*3/uL"), ("718-7", 13.9,
                                                                                          "g/dL")):
            ch.lab(c(LOINC, loinc, f"LOINC {loinc}"), ago, value, unit)
        ch.procedure(ago, [c(SNOMED, "86198006", "Administration of influenza vaccine")])
    ch.visit(3 * 365, OFFICE, diagnoses=[LOW_BACK], onset={0: 3 * 365 + 4})
    ch.problem(LOW_BACK, onset=3 * 365 + 4, status="resolved", abated=3 * 365 - 40)
    ch.medication(3 * 365, NAPROXEN, "naproxen 500 mg twice daily", status="completed")
    for ago in (3 * 365 - 10, 3 * 365 - 17):
        ch.visit(ago, PT_VISIT, service_type=c(SERVICE_TYPE, "65", "Physiotherapy"))
    if neck:  # an old neck-pain visit is a cervical diagnosis: it lets a gait sign count (pathway-facts §7)
        ch.visit(2 * 365, OFFICE, diagnoses=[NECK], onset={0: 2 * 365 + 7})
        ch.problem(NECK, onset=2 * 365 + 7, status="resolved", abated=2 * 365 - 60)
    ch.observation("survey", [c(LOINC, "44261-6", "PHQ-9 total score")], 200, qty(4, "{score}"))
    ch.observation("social-history", [c(LOINC, "72166-2", "Tobacco smoking status")], 200,
                   {"valueCodeableConcept": {"coding": [c(SNOMED, "8517006", "Ex-smoker")]}})
    return ch


def expect(rules: list[str], rating: str | None, indicator: str | None, topic: str | None, *,
           about: str, order: Resource = LUMBAR_MRI, absent: tuple[str, ...] = (),
           view: str = "info", view_topic: str = "SpinePathwaySummary", facts: tuple[str,
                                                                                     ...] = ()) -> Resource:
    """The hand-decided answer: ``rules`` named in the PAMA criteria, the rating, the deciding card's
    ``topic`` and ``indicator``; ``absent`` topics; the patient-view card; words the card must say."""
    return {"about": about, "order": order, "rules": rules, "rating": rating, "indicator": indicator,
            "topic": topic, "absent": list(absent), "patient_view": {"indicator": view, "topic": view_topic},
            "facts": list(facts)}


def write() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for builder in BUILDERS:
        ch, expected = builder()
        document = {"id": ch.pid, "export": ch.export, "patient": ch.patient,
                    "order_date": "2026-06-01", "expected": expected, "bundle": ch.bundle()}
        (OUT / f"{ch.pid}.json").write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    # The cases register with the importable ``whole_charts``, not with this ``__main__``.
    import whole_chart_cases  # noqa: F401
    import whole_charts as registry

    registry.write()

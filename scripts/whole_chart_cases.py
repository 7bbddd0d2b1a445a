"""The whole charts (scripts/whole_charts.py): one function a patient, its decisive fact in its docstring.

Expected answers were decided by hand from docs/spec/PATHWAY.md (rule ids in ``expect``); negative
controls carry noise that must not raise a red flag.
"""

from __future__ import annotations

from typing import Any

from whole_chart_kit import CPT, ICD10, LOINC, RXNORM, SERVICE_TYPE, SNOMED, Chart, c
from whole_charts import (
    CERVICAL_MRI,
    CRP,
    ESR,
    LOW_BACK,
    LUMBAR_CT,
    NAPROXEN,
    OFFICE,
    PT_VISIT,
    RADICULOPATHY,
    SCIATICA,
    chart,
    expect,
    history,
)

Pair = tuple[Chart, dict[str, Any]]
PHYSIO = c(SERVICE_TYPE, "65", "Physiotherapy")
ED = c(SNOMED, "50849002", "Emergency room admission")
LUMBAR_SITE = c(SNOMED, "122496007", "Lumbar spine structure")
CERVICAL_SITE = c(SNOMED, "122494005", "Cervical spine structure")
DEFER = ("SpineDeferImaging", "warning")


def sciatica_episode(ch: Chart, onset: int, *, first_visit: int | None = None) -> None:
    """The current episode as Epic records it: a visit with its encounter diagnosis, then the problem list."""
    visit = onset if first_visit is None else first_visit
    ch.visit(visit, OFFICE, diagnoses=[SCIATICA], onset={0: onset}, reason=SCIATICA[1])
    ch.problem(SCIATICA, onset=onset, recorded=visit)


@chart
def epic_early_sciatica_noise() -> Pair:
    """Sciatica 20 days, no red flag, among every negative control a chart can hold: R1 defer."""
    ch = history(Chart("wc-epic-noise", "epic", "1982-03-14", "female"))
    sciatica_episode(ch, 20)
    ch.problem([c(ICD10, "N39.3", "Stress incontinence (female) (male)"),
                c(SNOMED, "22033007", "Stress incontinence")], onset=800)
    ch.problem([c(ICD10, "Z80.3", "Family history of malignant neoplasm of breast"),
                c(SNOMED, "429740004",
                    "Family history of malignant neoplasm of breast")], onset=None, recorded=1500)
    ch.problem([c(ICD10, "Z85.828", "Personal history of other malignant neoplasm of skin"),
                c(SNOMED, "254701007",
                    "Basal cell carcinoma of skin")], onset=1100, status="resolved", abated=1000)
    ch.temperature(21, 38.7)
    ch.visit(21, ED, diagnoses=[[c(ICD10, "J10.1", "Influenza with other respiratory manifestations"),
                                 c(SNOMED, "6142004", "Influenza")]])
    ch.study(70, "MR", c(CPT, "73721", "MRI lower extremity joint without contrast"),
             c(SNOMED, "72696002", "Knee region structure"))
    ch.medication(15, NAPROXEN, "naproxen 500 mg twice daily with food")
    return ch, expect(["R1"], "not-appropriate", "warning", "SpineDeferImaging", absent=("SpineRedFlag",),
                      facts=("{+22}", "{-15}"),
                      about="sciatica 20 days; stress incontinence, family history of breast cancer, "
                            "basal cell "
                            "carcinoma, a fever 3 weeks ago and a knee MRI are all noise")


@chart
def epic_retention_old_encounter() -> Pair:
    """Urinary retention only as an ED encounter diagnosis 25 days ago, resolved 10 days ago: R5."""
    ch = history(Chart("wc-epic-retention", "epic", "1971-08-02", "male"))
    sciatica_episode(ch, 30)
    visit = ch.visit(25, ED)
    ch.problem([c(ICD10, "R33.9", "Retention of urine, unspecified"), c(SNOMED, "267064002",
        "Retention of urine")],
               onset=None, recorded=25, status="resolved", abated=10, category="encounter-diagnosis",
               encounter=visit)
    ch.procedure(25, [c(SNOMED, "410019005", "Insertion of catheter into bladder")])
    return ch, expect(["R5"], "appropriate", "critical", "SpineRedFlag", absent=DEFER[:1], view="critical",
                      view_topic="SpineRedFlag", facts=("{-10}",),
                      about="retention as an ED encounter diagnosis, resolved 10 days ago")


@chart
def oracle_fever_vitals() -> Pair:
    """A fever of 38.6 DegC in the vital-signs panel 2 days ago, back pain 10 days: R7 (infection)."""
    ch = history(Chart("wc-oracle-fever", "oracle", "1978-05-30", "male"))
    ch.visit(10, OFFICE, diagnoses=[LOW_BACK, SCIATICA], onset={0: 10, 1: 10})
    ch.vitals(2, celsius=38.6)
    return ch, expect(["R7"], "appropriate", "critical", "SpineRedFlag", view="critical",
        view_topic="SpineRedFlag",
                      facts=("38.6", "{-2}"),
                      about="fever 38.6 DegC (Millennium code + urn:oid LOINC) 2 days ago with back pain")


@chart
def synthea_breast_cancer_history() -> Pair:
    """A breast cancer only as a SNOMED CT Condition resolved 6 years ago; sciatica 14 days: R8."""
    ch = history(Chart("wc-synthea-cancer", "synthea", "1958-11-21", "female"))
    ch.problem([c(SNOMED, "254837009", "Malignant neoplasm of breast")], onset=8 * 365, status="resolved",
               abated=6 * 365, category="encounter-diagnosis")
    ch.procedure(8 * 365 - 20, [c(SNOMED, "172043006", "Excision of breast lesion")])
    ch.visit(14, OFFICE, diagnoses=[[c(SNOMED, "23056005", "Sciatica")]], onset={0: 14},
             reason=c(SNOMED, "23056005", "Sciatica"))
    return ch, expect(["R8"], "appropriate", "warning", "SpineRedFlag", absent=DEFER[:1],
                      facts=("Malignant neoplasm of breast",),
                      about="breast cancer only as a resolved SNOMED CT Condition")


@chart
def epic_outside_mri_report() -> Pair:
    """A lumbar MRI 5 months ago only as a final DiagnosticReport (Epic procedure code + CPT): R12."""
    ch = history(Chart("wc-epic-prior-mri", "epic", "1980-01-09", "male"))
    sciatica_episode(ch, 200)
    ch.visit(150, OFFICE, diagnoses=[RADICULOPATHY])
    ch.medication(190, NAPROXEN, "naproxen 500 mg")
    ch.report(150, [c("urn:oid:1.2.840.114350.1.13.861.1.7.2.696580", "IMG5521",
        "MRI LUMBAR SPINE WO CONTRAST"),
                    c(CPT, "72148",
                        "MRI lumbar spine without contrast")], "L4-5 disc protrusion, left L5 root.")
    return ch, expect(["R12"], "not-appropriate", "warning", "SpineRepeatImaging", absent=("SpineRedFlag",),
                      facts=("{-150}",),
                      about="outside lumbar MRI 150 days ago only as a DiagnosticReport")


@chart
def epic_pt_encounters_no_referral() -> Pair:
    """Radiculopathy 70 days, PT only as visits and an NSAID: conservative care, not a candidate (R3b)."""
    ch = history(Chart("wc-epic-pt", "epic", "1987-06-17", "female"))
    ch.visit(70, OFFICE, diagnoses=[RADICULOPATHY], onset={0: 70})
    ch.problem(RADICULOPATHY, onset=70, recorded=70)
    for ago in (60, 53, 46, 39, 32):
        ch.visit(ago, PT_VISIT, service_type=PHYSIO)
    ch.medication(68, [c(RXNORM, "197806", "ibuprofen 600 MG Oral Tablet")], "ibuprofen 600 mg",
                  kind="MedicationStatement", status="completed")
    return ch, expect(["R3b"], None, "info", "SpineImagingAppropriate", absent=DEFER[:1],
                      facts=("{-68}", "{-60}"),
                      about="PT only as Encounters, ibuprofen as a MedicationStatement, 70 days, no referral")


@chart
def oracle_onset_in_first_visit() -> Pair:
    """The onset only on the first visit's diagnosis (50 days); the problem list was entered 12 days ago
    without one. Ibuprofen since: D = 50 with care, not a candidate → R3b, never R1."""
    ch = history(Chart("wc-oracle-onset", "oracle", "1985-10-04", "male"))
    ch.visit(50, OFFICE, diagnoses=[SCIATICA], onset={0: 50})
    ch.visit(12, OFFICE, diagnoses=[SCIATICA])
    ch.problem(SCIATICA, onset=None, recorded=12)
    ch.medication(49, [c(RXNORM, "197806", "ibuprofen 600 MG Oral Tablet")], "ibuprofen 600 mg")
    return ch, expect(["R3b"], None, "info", "SpineImagingAppropriate", absent=DEFER[:1],
                      facts=("{-49}", "50"),
                      about="onset only in the first visit's encounter diagnosis")


@chart
def epic_normal_crp_after_high() -> Pair:
    """CRP 64 mg/L 12 days ago, 3 mg/L 3 days ago (the later normal cancels it); sciatica 25 days: R1."""
    ch = history(Chart("wc-epic-crp-normal", "epic", "1990-02-11", "female"))
    sciatica_episode(ch, 25)
    ch.lab(CRP, 12, 64, "mg/L")
    ch.lab(CRP, 3, 3, "mg/L")
    return ch, expect(["R1"], "not-appropriate", "warning", "SpineDeferImaging", absent=("SpineRedFlag",),
                      facts=("{+17}",),
                      about="a normal CRP after a high one")


@chart
def epic_unexplained_crp() -> Pair:
    """CRP 7.2 mg/dL (72 mg/L) 5 days ago, no risk factor, sciatica 20 days: R7b."""
    ch = history(Chart("wc-epic-crp-high", "epic", "1984-07-23", "male"))
    sciatica_episode(ch, 20)
    ch.lab(c(LOINC, "1988-5", "C reactive protein"), 5, 7.2, "mg/dL")
    return ch, expect(["R7b"], "appropriate", "info", "SpineRedFlag", absent=DEFER[:1],
                      view="info", facts=("72 mg/L",),
                      about="an unexplained CRP of 7.2 mg/dL")


@chart
def oracle_diabetes_raised_esr() -> Pair:
    """Type 2 diabetes (urn:oid ICD-10-CM + Millennium) with an ESR of 48 mm/hr 6 days ago (limit 30 at 60):
    infection risk factor with a raised marker, back pain 15 days: R7."""
    ch = history(Chart("wc-oracle-esr", "oracle", "1965-09-12", "male"), diabetes=True)
    ch.visit(15, OFFICE, diagnoses=[LOW_BACK, SCIATICA], onset={0: 15, 1: 15})
    ch.lab(ESR, 6, 48, "mm/hr")
    return ch, expect(["R7"], "appropriate", "critical", "SpineRedFlag", view="critical",
        view_topic="SpineRedFlag",
                      facts=("48 mm/h", "{-6}"),
                      about="diabetes and an ESR of 48 mm/hr")


@chart
def epic_cervical_fusion_new_lumbar() -> Pair:
    """A cervical fusion 4 years ago (bodySite cervical) and sciatica 18 days at 58: R9 defer, not R11."""
    ch = history(Chart("wc-epic-cfusion", "epic", "1967-12-01", "male"))
    ch.procedure(4 * 365, [c(CPT, "22551", "Arthrodesis, anterior interbody, cervical below C2")],
                 body_site=CERVICAL_SITE)
    ch.problem([c(ICD10, "Z98.890", "Other specified postprocedural states"),
                c(SNOMED, "81099000", "Cervical arthrodesis")], onset=4 * 365, status="inactive")
    sciatica_episode(ch, 18)
    return ch, expect(["R9"], "not-appropriate", "warning", "SpineDeferImaging", absent=("SpineRedFlag",),
                      facts=("{+24}",),
                      about="cervical fusion on a lumbar order")


@chart
def synthea_chronic_retention() -> Pair:
    """Chronic retention with BPH since 6 years (SNOMED CT only, still active), sciatica 12 days at 72: R9."""
    ch = history(Chart("wc-synthea-retention", "synthea", "1954-04-18", "male"))
    ch.problem([c(SNOMED, "266569009", "Benign prostatic hyperplasia")], onset=6 * 365,
               category="encounter-diagnosis")
    ch.problem([c(SNOMED, "267064002", "Retention of urine")], onset=6 * 365, category="encounter-diagnosis")
    ch.medication(6 * 365, [c(RXNORM, "863669", "tamsulosin hydrochloride 0.4 MG Oral Capsule")],
        "tamsulosin")
    ch.visit(12, OFFICE, diagnoses=[[c(SNOMED, "23056005", "Sciatica")]], onset={0: 12},
             reason=c(SNOMED, "23056005", "Sciatica"))
    return ch, expect(["R9"], "not-appropriate", "warning", "SpineDeferImaging", absent=("SpineRedFlag",),
                      facts=("{+30}",),
                      about="chronic stable retention from 6 years ago")


@chart
def epic_knee_mri_candidate() -> Pair:
    """Radiculopathy 90 days, PT and gabapentin, referred to spine surgery; a knee MRI 2 months ago and a
    cervical MRI 8 months ago are other regions: R2/R23 appropriate."""
    ch = history(Chart("wc-epic-candidate", "epic", "1979-09-09", "female"))
    ch.visit(90, OFFICE, diagnoses=[RADICULOPATHY], onset={0: 90})
    ch.problem(RADICULOPATHY, onset=90, recorded=90)
    ch.medication(85, [c(RXNORM, "310431", "gabapentin 300 MG Oral Capsule"),
                       c(RXNORM, "105029", "Neurontin 300 MG Oral Capsule")], "gabapentin 300 mg at night")
    for ago in (80, 73, 66):
        ch.procedure(ago, [c(CPT, "97110", "Therapeutic exercises")])
    ch.study(60, "MR", c(CPT, "73721", "MRI lower extremity joint without contrast"),
             c(SNOMED, "72696002", "Knee region structure"))
    ch.study(240, "MR", c(CPT, "72141", "MRI cervical spine without contrast"), CERVICAL_SITE)
    ch.referral(10, c(SNOMED, "306289000", "Referral to spinal surgeon"))
    return ch, expect(["R2/R23"], "appropriate", None, None, absent=(*DEFER[:1], "SpineRepeatImaging"),
                      about="conservative care, candidate, MRIs of other regions")


@chart
def epic_motor_grades() -> Pair:
    """Ankle dorsiflexion strength 5 forty days ago, 3/5 two days ago on a flowsheet row: severe motor
    deficit (R6)."""
    ch = history(Chart("wc-epic-motor", "epic", "1975-02-27", "male"))
    sciatica_episode(ch, 40)
    left = c(SNOMED, "51636004", "Structure of left ankle")
    for ago, grade in ((40, "5"), (2, "3/5")):
        ch.observation("exam", [c("urn:oid:1.2.840.114350.1.13.861.1.7.2.707679", "3049",
            "L ankle dorsiflexion strength")],
                       ago, {"valueString": grade}, bodySite={"coding": [left]})
    return ch, expect(["R6"], "appropriate", "critical", "SpineRedFlag", view="critical",
        view_topic="SpineRedFlag",
                      facts=("3/5", "{-2}"),
                      about="MRC grade falling to 3/5 on a flowsheet row")


@chart
def oracle_opioid_dependence() -> Pair:
    """Opioid dependence F11.20 (urn:oid, with a Millennium nomenclature) and back pain 5 days: R7."""
    ch = history(Chart("wc-oracle-ivdu", "oracle", "1992-01-20", "male"))
    ch.problem([c(ICD10, "F11.20", "Opioid dependence, uncomplicated"),
                c(SNOMED, "75544000", "Opioid dependence")], onset=900)
    ch.medication(300, [c(RXNORM, "351264", "buprenorphine 8 MG / naloxone 2 MG Sublingual Tablet")],
                  "buprenorphine-naloxone 8-2 mg")
    ch.visit(5, ED, diagnoses=[LOW_BACK], onset={0: 5})
    return ch, expect(["R7"], "appropriate", "critical", "SpineRedFlag", view="critical",
        view_topic="SpineRedFlag",
                      facts=("Opioid dependence",),
                      about="opioid dependence with new back pain")


@chart
def synthea_cervical_early() -> Pair:
    """Cervical radiculopathy 20 days (SNOMED CT only), a lumbar fusion 5 years ago; cervical MRI: R19."""
    ch = history(Chart("wc-synthea-cervical", "synthea", "1974-06-06", "female"))
    ch.procedure(5 * 365, [c(SNOMED, "50172003", "Lumbar spinal fusion")])
    ch.visit(20, OFFICE, diagnoses=[[c(SNOMED, "54404000", "Cervical radiculopathy")]], onset={0: 20},
             reason=c(SNOMED, "54404000", "Cervical radiculopathy"))
    return ch, expect(["R19"], "appropriate", "info", "SpineDeferImaging", order=CERVICAL_MRI,
                      absent=("SpineRedFlag",), facts=("{+22}",),
                      about="cervical radiculopathy 20 days after a lumbar fusion")


@chart
def epic_cervical_myelopathy_lumbar_order() -> Pair:
    """Cervical myelopathy M47.12 as a visit's diagnosis 3 weeks ago, back pain: a lumbar order → R20."""
    ch = history(Chart("wc-epic-myelopathy", "epic", "1959-10-10", "male"))
    ch.visit(21, OFFICE, diagnoses=[[c(ICD10, "M47.12", "Other spondylosis with myelopathy, cervical region"),
                                     c(SNOMED, "1156963006",
                                         "Myelopathy due to cervical spondylosis")], LOW_BACK],
             onset={1: 30})
    return ch, expect(["R20"], "appropriate", "critical", "SpineRedFlag", view="critical",
        view_topic="SpineRedFlag",
                      facts=("{-21}",),
                      about="cervical myelopathy on a lumbar order")


@chart
def epic_kidney_transplant() -> Pair:
    """Kidney transplant status Z94.0 on tacrolimus, back pain 8 days: immunosuppression, R7."""
    ch = history(Chart("wc-epic-transplant", "epic", "1969-03-03", "female"))
    ch.problem([c(ICD10, "Z94.0", "Kidney transplant status"), c(SNOMED, "161665007",
        "History of renal transplant")],
               onset=1200)
    ch.medication(1100, [c(RXNORM, "197914", "tacrolimus 1 MG Oral Capsule")], "tacrolimus 1 mg twice daily")
    ch.visit(8, OFFICE, diagnoses=[LOW_BACK], onset={0: 8})
    return ch, expect(["R7"], "appropriate", "critical", "SpineRedFlag", view="critical",
        view_topic="SpineRedFlag",
                      facts=("Kidney transplant status",),
                      about="kidney transplant with back pain")


@chart
def epic_prior_laminectomy() -> Pair:
    """A lumbar laminectomy 3 years ago (CPT 63047, bodySite lumbar) and new sciatica 20 days: R11/R21."""
    ch = history(Chart("wc-epic-laminectomy", "epic", "1970-05-05", "male"))
    ch.procedure(3 * 365 + 100, [c(CPT, "63047", "Laminectomy, facetectomy and foraminotomy, lumbar")],
                 body_site=LUMBAR_SITE)
    sciatica_episode(ch, 20)
    return ch, expect(["R11/R21"], "appropriate", "info", None, absent=DEFER[:1],
                      facts=("{-1195}",),
                      about="lumbar laminectomy before new sciatica")


@chart
def oracle_osteoporosis() -> Pair:
    """Osteoporosis M81.0 (urn:oid) with alendronate, back pain 10 days at 74: fracture risk, R10."""
    ch = history(Chart("wc-oracle-osteoporosis", "oracle", "1952-02-02", "female"))
    ch.problem([c(ICD10, "M81.0", "Age-related osteoporosis without current pathological fracture"),
                c(SNOMED, "102447009", "Osteoporosis, postmenopausal")], onset=1500)
    ch.medication(1400, [c(RXNORM, "904419", "alendronate sodium 70 MG Oral Tablet")],
        "alendronate 70 mg weekly")
    ch.visit(10, OFFICE, diagnoses=[LOW_BACK, SCIATICA], onset={0: 10, 1: 10})
    return ch, expect(["R10"], "appropriate", "info", None, absent=DEFER[:1], facts=("osteoporosis",),
                      about="osteoporosis with back pain")


@chart
def synthea_ct_after_care() -> Pair:
    """Sciatica 60 days with PT and naproxen, a lumbar CT ordered, no fracture risk: R13 (order MRI)."""
    ch = history(Chart("wc-synthea-ct", "synthea", "1983-08-08", "female"))
    ch.visit(60, OFFICE, diagnoses=[[c(SNOMED, "23056005", "Sciatica")]], onset={0: 60},
             reason=c(SNOMED, "23056005", "Sciatica"))
    ch.medication(58, [c(RXNORM, "198013", "naproxen 500 MG Oral Tablet")], "naproxen 500 MG Oral Tablet")
    for ago in (50, 43):
        ch.procedure(ago, [c(SNOMED, "91251008", "Physical therapy procedure")])
    return ch, expect(["R13"], "not-appropriate", "warning", "SpineModality", order=LUMBAR_CT,
                      absent=("SpineRedFlag",),
                      about="lumbar CT after conservative care")


@chart
def oracle_onset_unknown() -> Pair:
    """Sciatica on the problem list only, recorded 20 days ago without an onset or a visit: R27."""
    ch = history(Chart("wc-oracle-no-onset", "oracle", "1988-12-12", "female"))
    ch.problem(SCIATICA, onset=None, recorded=20)
    return ch, expect(["R27"], None, "info", "SpineDataNeeded", absent=DEFER[:1],
                      facts=("{-20}",),
                      about="onset not recorded")


@chart
def epic_saddle_screen_negative() -> Pair:
    """A flowsheet CES screen answered No (saddle numbness, retention) and sciatica 15 days: R1."""
    ch = history(Chart("wc-epic-ces-screen", "epic", "1986-04-04", "female"))
    sciatica_episode(ch, 15)
    ch.observation("exam", [c(SNOMED, "449813001", "Saddle anaesthesia")], 15,
                   {"valueCodeableConcept": {"coding": [c(LOINC, "LA32-8", "No")]}})
    ch.observation("exam", [c(SNOMED, "267064002", "Retention of urine")], 15, {"valueBoolean": False})
    return ch, expect(["R1"], "not-appropriate", "warning", "SpineDeferImaging", absent=("SpineRedFlag",),
                      facts=("{+27}",),
                      about="a negative CES screen")


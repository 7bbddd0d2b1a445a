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
    NECK,
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
def epic_dxa_osteoporosis() -> Pair:
    """Sciatica 12 days at 68; osteoporosis only as a DXA report's left-hip T-score of -2.8 two years ago,
    never on the problem list: fracture risk, R10 (ninth pass; it was R1)."""
    ch = history(Chart("wc-epic-dxa", "epic", "1958-04-04", "female"))
    sciatica_episode(ch, 12)
    ch.observation("imaging", [c(LOINC, "80946-7", "DXA Hip - left [T-score] Bone density")], 700,
                   {"valueQuantity": {"value": -2.8, "unit": "SD"}})
    ch.observation("imaging", [c(LOINC, "38267-1", "DXA Lumbar spine [T-score] Bone density")], 700,
                   {"valueQuantity": {"value": -2.1, "unit": "SD"}})
    return ch, expect(["R10"], "appropriate", "info", None, absent=DEFER[:1], facts=("T-score -2.8",),
                      about="osteoporosis by DXA only")


@chart
def epic_fall_chief_complaint() -> Pair:
    """Sciatica 9 days at 45, begun with an ED visit whose chief complaint is 'Fall' under Epic's own code
    (no external-cause code): low-velocity trauma, R10 (ninth pass; it was R1)."""
    ch = history(Chart("wc-epic-fall", "epic", "1981-07-07", "male"))
    ch.visit(9, ED, reason=c("urn:oid:1.2.840.114350.1.13.861.1.7.2.728286", "1042", "Fall"))
    sciatica_episode(ch, 9)
    return ch, expect(["R10"], "appropriate", "info", None, absent=DEFER[:1], facts=("Fall",),
                      about="a fall as the chief complaint")


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



THORACIC_MRI = c(CPT, "72146", "MRI thoracic spine without contrast")
CERVICAL_RADICULOPATHY = [c(ICD10, "M54.12", "Radiculopathy, cervical region"),
                          c(SNOMED, "54404000", "Cervical radiculopathy")]


@chart
def synthea_stopped_naproxen() -> Pair:
    """Sciatica 55 days (SNOMED CT), naproxen prescribed 50 days ago and since stopped, PT as Procedures
    dated by a period: conservative care, no candidacy → R3b, never R3a."""
    ch = history(Chart("wc-synthea-stopped", "synthea", "1981-05-15", "male"))
    ch.visit(55, OFFICE, diagnoses=[[c(SNOMED, "23056005", "Sciatica")]], onset={0: 55},
             reason=c(SNOMED, "23056005", "Sciatica"))
    ch.medication(50, [c(RXNORM, "198013", "naproxen 500 MG Oral Tablet")], "naproxen 500 MG Oral Tablet",
                  status="stopped")
    for ago in (45, 38):
        ch.procedure(ago, [c(SNOMED, "91251008", "Physical therapy procedure")])
    return ch, expect(["R3b"], None, "info", "SpineImagingAppropriate", absent=("SpineDeferImaging",),
                      facts=("{-50}",),
                      about="a stopped naproxen prescription and PT procedures with periods")


@chart
def oracle_active_breast_cancer_cervical() -> Pair:
    """Active breast cancer C50.911 (urn:oid) on letrozole, cervical radiculopathy 10 days: a cervical
    order with a major malignancy flag → R8 (warning, appropriate)."""
    ch = history(Chart("wc-oracle-cancer-neck", "oracle", "1963-07-07", "female"))
    ch.problem([c(ICD10, "C50.911", "Malignant neoplasm of unspecified site of right female breast"),
                c(SNOMED, "254837009", "Malignant neoplasm of breast")], onset=400)
    ch.medication(380, [c(RXNORM, "199224", "letrozole 2.5 MG Oral Tablet")], "letrozole 2.5 mg daily")
    ch.visit(10, OFFICE, diagnoses=[CERVICAL_RADICULOPATHY, NECK], onset={0: 10, 1: 10})
    return ch, expect(["R8"], "appropriate", "warning", "SpineRedFlag", order=CERVICAL_MRI,
                      absent=("SpineDeferImaging",), facts=("Malignant neoplasm",),
                      about="active breast cancer and a cervical radiculopathy")


@chart
def epic_thoracic_pain_no_flag() -> Pair:
    """Thoracic back pain M54.6 for 12 days, a thoracic MRI, no red flag: no criteria (§1 v2), no card."""
    ch = history(Chart("wc-epic-thoracic", "epic", "1989-09-19", "male"))
    ch.visit(12, OFFICE, diagnoses=[[c(ICD10, "M54.6", "Pain in thoracic spine"),
                                     c(SNOMED, "279038004", "Thoracic back pain")]], onset={0: 12})
    return ch, expect([], "no-criteria-apply", None, None, order=THORACIC_MRI,
                      absent=("SpineRedFlag", "SpineDeferImaging"), about="thoracic pain, no red flag")


@chart
def epic_thoracic_prostate_history() -> Pair:
    """Thoracic back pain 9 days and a history of prostate cancer Z85.46: a thoracic order with a major
    malignancy flag is in scope (§1 v2) → R8."""
    ch = history(Chart("wc-epic-thoracic-cancer", "epic", "1956-01-30", "male"))
    ch.problem([c(ICD10, "Z85.46", "Personal history of malignant neoplasm of prostate"),
                c(SNOMED, "429087003", "History of malignant neoplasm of prostate")],
               onset=None, recorded=1500)
    ch.procedure(2000, [c(CPT, "55866", "Laparoscopic radical prostatectomy")])
    ch.visit(9, OFFICE, diagnoses=[[c(ICD10, "M54.6", "Pain in thoracic spine"),
                                    c(SNOMED, "279038004", "Thoracic back pain")]], onset={0: 9})
    return ch, expect(["R8"], "appropriate", "warning", "SpineRedFlag", order=THORACIC_MRI,
                      about="history of prostate cancer with thoracic pain")


@chart
def oracle_cervical_persistent_after_radiographs() -> Pair:
    """Cervical radiculopathy 70 days, cervical radiographs a month ago (not a prior MRI): R19b."""
    ch = history(Chart("wc-oracle-cervical", "oracle", "1977-03-21", "male"))
    ch.visit(70, OFFICE, diagnoses=[CERVICAL_RADICULOPATHY], onset={0: 70})
    ch.problem(CERVICAL_RADICULOPATHY, onset=70, recorded=70)
    ch.study(30, "DX", c(CPT, "72040", "Radiologic examination, spine, cervical; 2 or 3 views"),
             c(SNOMED, "122494005", "Cervical spine structure"))
    return ch, expect(["R19b"], "appropriate", None, None, order=CERVICAL_MRI,
                      absent=("SpineRepeatImaging", "SpineDeferImaging"),
                      about="cervical radiculopathy 70 days after radiographs")


@chart
def epic_long_term_prednisone() -> Pair:
    """Polymyalgia rheumatica on prednisone for two years (an active prescription with no end, by
    medicationReference), back pain 10 days at 68: long-term steroids are immunosuppression → R7."""
    ch = history(Chart("wc-epic-steroids", "epic", "1958-06-12", "female"))
    ch.problem([c(ICD10, "M35.3", "Polymyalgia rheumatica"), c(SNOMED, "65323003", "Polymyalgia rheumatica")],
               onset=760)
    ch.medication(730, [c(RXNORM, "312617", "prednisone 5 MG Oral Tablet")], "predniSONE 5 mg tablet daily")
    ch.visit(10, OFFICE, diagnoses=[LOW_BACK], onset={0: 10})
    return ch, expect(["R7"], "appropriate", "critical", "SpineRedFlag", view="critical",
                      view_topic="SpineRedFlag", about="two years of prednisone with new back pain")


@chart
def synthea_weight_loss_high_esr() -> Pair:
    """Unintentional weight loss (SNOMED CT) at 45 and an ESR of 62 mm/h 8 days ago, sciatica 30 days: a
    weak malignancy flag with ESR ≥ 50 is a major one → R8, never R9's defer."""
    ch = history(Chart("wc-synthea-weight", "synthea", "1981-02-02", "female"))
    ch.problem([c(SNOMED, "448765001", "Unintentional weight loss")], onset=60,
               category="encounter-diagnosis")
    ch.visit(30, OFFICE, diagnoses=[[c(SNOMED, "23056005", "Sciatica")]], onset={0: 30},
             reason=c(SNOMED, "23056005", "Sciatica"))
    ch.lab(c(LOINC, "30341-2", "Erythrocyte sedimentation rate"), 8, 62, "mm/h")
    return ch, expect(["R8"], "appropriate", "warning", "SpineRedFlag", absent=("SpineDeferImaging",),
                      facts=("62",), about="weight loss with an ESR of 62")


@chart
def epic_old_serious_flags_resolved_long_ago() -> Pair:
    """Negative controls at 47: a cauda equina syndrome operated and resolved two years ago, a foot drop
    resolved 400 days ago, urge incontinence; new sciatica 20 days → R1 (§2: a resolved serious finding
    counts only within 30 days of ending)."""
    ch = history(Chart("wc-epic-old-flags", "epic", "1979-11-11", "female"))
    ch.problem([c(ICD10, "G83.4", "Cauda equina syndrome"), c(SNOMED, "192970008", "Cauda equina syndrome")],
               onset=800, status="resolved", abated=700)
    ch.procedure(795, [c(CPT, "63030", "Laminotomy with decompression of nerve root, lumbar")],
                 body_site=LUMBAR_SITE)
    ch.problem([c(ICD10, "M21.372", "Foot drop, left foot"), c(SNOMED, "6077001", "Foot drop")],
               onset=780, status="resolved", abated=400)
    ch.problem([c(ICD10, "N39.41", "Urge incontinence"), c(SNOMED, "87557004", "Urge incontinence of urine")],
               onset=300)
    sciatica_episode(ch, 20)
    return ch, expect(["R11/R21"], "appropriate", "info", "SpineImagingAppropriate",
                      absent=("SpineRedFlag", "SpineDeferImaging"),
                      about="CES and foot drop resolved long ago, after a lumbar laminotomy")


@chart
def epic_pt_referral_no_visit() -> Pair:
    """Radiculopathy 50 days and a PT referral 30 days old with no visit yet (§2 v2: a referral counts
    once 14 days old): conservative care, no candidacy → R3b."""
    ch = history(Chart("wc-epic-pt-referral", "epic", "1991-08-08", "male"))
    ch.visit(50, OFFICE, diagnoses=[RADICULOPATHY], onset={0: 50})
    ch.problem(RADICULOPATHY, onset=50, recorded=50)
    ch.add("ServiceRequest", {"status": "active", "intent": "order", "authoredOn": ch.day(30, "11:00:00"),
                              "category": [{"coding": [c(SNOMED, "3457005", "Patient referral")]}],
                              "code": {"coding": [c("urn:oid:1.2.840.114350.1.13.861.1.7.2.696580", "REF57",
                                                    "AMB REFERRAL TO PHYSICAL THERAPY"),
                                                  c(SNOMED, "308447003", "Referral to physiotherapist")],
                                       "text": "Ambulatory referral to Physical Therapy"}})
    return ch, expect(["R3b"], None, "info", "SpineImagingAppropriate", absent=("SpineDeferImaging",),
                      facts=("{-30}",), about="a PT referral without a visit")


@chart
def synthea_diabetes_crp() -> Pair:
    """Type 2 diabetes (SNOMED CT) and a CRP of 15 mg/L 5 days ago, low back pain 6 days: an infection
    risk factor with a raised marker → R7."""
    ch = history(Chart("wc-synthea-dm-crp", "synthea", "1962-10-10", "male"), diabetes=True)
    ch.problem([c(SNOMED, "44054006", "Diabetes mellitus type 2")], onset=3000,
               category="encounter-diagnosis")
    ch.visit(6, OFFICE, diagnoses=[[c(SNOMED, "279039007", "Low back pain")]], onset={0: 6},
             reason=c(SNOMED, "279039007", "Low back pain"))
    ch.lab(c(LOINC, "1988-5", "C reactive protein [Mass/volume] in Serum or Plasma"), 5, 15, "mg/L")
    return ch, expect(["R7"], "appropriate", "critical", "SpineRedFlag", view="critical",
                      view_topic="SpineRedFlag", facts=("15 mg/L",), about="diabetes and a CRP of 15 mg/L")


@chart
def epic_recent_injection_crp() -> Pair:
    """An epidural steroid injection 30 days ago (a spinal procedure within 90 days) and a CRP of
    2.6 mg/dL 3 days ago, radiculopathy 80 days: infection risk with a raised marker → R7, not R3b."""
    ch = history(Chart("wc-epic-esi-crp", "epic", "1973-12-24", "female"))
    ch.visit(80, OFFICE, diagnoses=[RADICULOPATHY], onset={0: 80})
    ch.procedure(30, [c(CPT, "62323", "Injection, interlaminar epidural, lumbar or sacral, with imaging")],
                 body_site=LUMBAR_SITE)
    ch.lab(CRP, 3, 2.6, "mg/dL")
    return ch, expect(["R7"], "appropriate", "critical", "SpineRedFlag", view="critical",
                      view_topic="SpineRedFlag", about="an epidural injection 30 days ago and a raised CRP")


@chart
def epic_fever_flowsheet_fahrenheit() -> Pair:
    """A temperature of 100.8 °F on the Epic flowsheet yesterday (38.2 °C), sciatica 12 days → R7."""
    ch = history(Chart("wc-epic-fever-f", "epic", "1983-04-01", "female"))
    sciatica_episode(ch, 12)
    ch.vitals(1, celsius=38.2)
    return ch, expect(["R7"], "appropriate", "critical", "SpineRedFlag", view="critical",
                      view_topic="SpineRedFlag", facts=("{-1}",), about="a fever in °F on a flowsheet row")


@chart
def epic_back_pain_then_sciatica() -> Pair:
    """Low back pain as a visit's diagnosis 60 days ago, ibuprofen since, sciatica 20 days ago; a lumbar
    MRI 400 days ago (outside 12 months). The episode began with the back pain (§6.1 supporting pain is
    part of it): D = 60 with care → R3b, never R1 on the sciatica's 20 days nor R12."""
    ch = history(Chart("wc-epic-lbp-first", "epic", "1984-01-25", "male"))
    ch.visit(60, OFFICE, diagnoses=[LOW_BACK], onset={0: 60})
    ch.medication(58, [c(RXNORM, "197806", "ibuprofen 600 MG Oral Tablet")], "ibuprofen 600 mg")
    sciatica_episode(ch, 20)
    ch.study(400, "MR", c(CPT, "72148", "MRI lumbar spine without contrast"), LUMBAR_SITE)
    return ch, expect(["R3b"], None, "info", "SpineImagingAppropriate",
                      absent=("SpineDeferImaging", "SpineRepeatImaging"), facts=("60",),
                      about="back pain 60 days before the sciatica; an MRI 400 days ago")


@chart
def epic_hoffmann_neck_pain() -> Pair:
    """A positive Hoffmann sign (R29.2) as a visit's diagnosis beside neck pain and cervical
    radiculopathy 15 days: myelopathy (§3: an abnormal reflex with neck symptoms) on a cervical order
    → R20."""
    ch = history(Chart("wc-epic-hoffmann", "epic", "1966-05-05", "female"))
    ch.visit(15, OFFICE, diagnoses=[CERVICAL_RADICULOPATHY, NECK,
                                    [c(ICD10, "R29.2", "Abnormal reflex")]], onset={0: 15, 1: 15})
    return ch, expect(["R20"], "appropriate", "critical", "SpineRedFlag", order=CERVICAL_MRI, view="critical",
                      view_topic="SpineRedFlag", about="Hoffmann sign with neck pain on a cervical order")


@chart
def oracle_gait_alone_elderly() -> Pair:
    """Gait disturbance R26.89 alone at 79 (falls clinic) and sciatica 14 days, no neck complaint ever:
    gait alone is not myelopathy (§3 v2) → R9 defer. (With a neck-pain visit two years ago it would count:
    docs/pathway-facts.md §7 "Myelopathy", a question left to the clinical owner.)"""
    ch = history(Chart("wc-oracle-gait", "oracle", "1947-08-15", "female"), neck=False)
    ch.problem([c(ICD10, "R26.89", "Other abnormalities of gait and mobility"),
                c(SNOMED, "22325002", "Abnormal gait")], onset=500)
    ch.visit(14, OFFICE, diagnoses=[SCIATICA], onset={0: 14})
    return ch, expect(["R9"], "not-appropriate", "warning", "SpineDeferImaging", absent=("SpineRedFlag",),
                      about="gait disturbance alone")


@chart
def synthea_mri_in_previous_episode() -> Pair:
    """Low back pain 330 days ago, resolved 280 days ago, with a lumbar MRI 300 days ago; new sciatica 60
    days with naproxen: a new episode (gap > 180 days) → not R12; care, no candidacy → R3b."""
    ch = history(Chart("wc-synthea-new-episode", "synthea", "1980-10-30", "female"))
    ch.problem([c(SNOMED, "279039007", "Low back pain")], onset=330, status="resolved", abated=280,
               category="encounter-diagnosis")
    ch.study(300, "MR", c(SNOMED, "394451000119106", "MRI of lumbar spine without contrast"), LUMBAR_SITE)
    ch.visit(60, OFFICE, diagnoses=[[c(SNOMED, "23056005", "Sciatica")]], onset={0: 60},
             reason=c(SNOMED, "23056005", "Sciatica"))
    ch.medication(59, [c(RXNORM, "198013", "naproxen 500 MG Oral Tablet")], "naproxen 500 MG Oral Tablet")
    return ch, expect(["R3b"], None, "info", "SpineImagingAppropriate",
                      absent=("SpineRepeatImaging", "SpineDeferImaging"),
                      about="an MRI in the previous episode, 300 days ago")

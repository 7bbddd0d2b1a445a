"""Whole charts where facts meet, shaped as Epic and Oracle Health (Cerner Millennium) export them: the
charts of tests/integration/test_whole_charts_epic_oracle.py.

Each chart is one patient's story — two or three facts that each decide something alone and must be
weighed together by PATHWAY.md's precedence — on top of the routine record every chart carries
(scripts/whole_charts.py ``history``: chronic problems, yearly check-ups, vitals, labs, vaccinations, old
episodes of back and neck pain). The expected answer of each was decided by hand from docs/spec/PATHWAY.md
before the chart was run. Dates are days before the order, dated 2026-06-01 (``whole_chart_kit``).
"""

from __future__ import annotations

import base64
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _load(name: str) -> Any:
    """A module of scripts/ (not a package) by path; whole_charts imports the kit by name."""
    if str(_SCRIPTS) not in sys.path:
        sys.path.insert(0, str(_SCRIPTS))
    spec = importlib.util.spec_from_file_location(name, _SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


kit = _load("whole_chart_kit")
registry = _load("whole_charts")
Resource = dict[str, Any]
Chart = kit.Chart
c, cc, qty = kit.c, kit.cc, kit.qty
ICD10, SNOMED, LOINC, CPT, RXNORM = kit.ICD10, kit.SNOMED, kit.LOINC, kit.CPT, kit.RXNORM
ORDER_DATE = kit.ORDER_DATE.isoformat()
EPIC_ROOT = kit.EPIC_ROOT
EPIC_PROC = f"{EPIC_ROOT}.2.696580"  # Epic EAP procedure codes (orders, referrals, imaging)
MILLENNIUM = kit.MILLENNIUM
NOMENCLATURE = f"{MILLENNIUM}/400"  # Millennium problem nomenclature, no standard code beside it
EVENT_CODE = f"{MILLENNIUM}/72"  # Millennium clinical-event codes
LUMBAR_MRI, CERVICAL_MRI = registry.LUMBAR_MRI, registry.CERVICAL_MRI
SCIATICA, RADICULOPATHY, LOW_BACK = registry.SCIATICA, registry.RADICULOPATHY, registry.LOW_BACK
OFFICE, PT_VISIT, NAPROXEN, CRP = registry.OFFICE, registry.PT_VISIT, registry.NAPROXEN, registry.CRP
LUMBAR_SPINE = c(SNOMED, "122496007", "Lumbar spine structure")


@dataclass(frozen=True)
class Expected:
    """The hand-decided answer to an order-select of ``order`` on ORDER_DATE."""

    about: str
    rules: tuple[str, ...]
    rating: str | None
    indicator: str | None
    topic: str | None
    absent: tuple[str, ...] = ()
    order: Resource | None = None


CHARTS: dict[str, Callable[[], tuple[list[Resource], Expected]]] = {}


def chart(builder: Callable[[], tuple[list[Resource], Expected]]) -> Callable[[], tuple[list[Resource],
                                                                                          Expected]]:
    CHARTS[builder.__name__] = builder
    return builder


def words_condition(ch: Any, codings: list[Resource], text: str, *, onset: int | None, status: str = "active",
                    category: str = "problem-list-item", note: str | None = None) -> str:
    """A problem typed in words: Millennium's nomenclature code (or none) and the clinician's text."""
    body: Resource = {
        "clinicalStatus": cc(c(kit.CLINICAL, status, status.title())),
        "verificationStatus": cc(c(kit.VERIFICATION, "confirmed", "Confirmed")),
        "category": [cc(c(kit.CATEGORY, category, category.replace("-", " ").title()))],
        "code": {"coding": codings, "text": text} if codings else {"text": text},
        "recordedDate": ch.day(onset or 0, "10:12:00"),
    }
    if onset is not None:
        body["onsetDateTime"] = ch.day(onset)
    if note is not None:
        body["note"] = [{"text": note}]
    return str(ch.add("Condition", body))


def event(ch: Any, category: str, code: Resource, ago: int, text: str) -> str:
    """A Millennium clinical event charted as text (a nursing note, an exam finding)."""
    return str(ch.observation(category, [code], ago, {"valueString": text}))


def attachment(text: str) -> Resource:
    return {"contentType": "text/plain", "data": base64.b64encode(text.encode()).decode()}


def sciatica_now(ch: Any, ago: int, codings: list[Resource] = SCIATICA) -> None:
    """The visit that diagnosed the current episode, and the problem-list entry added that day."""
    ch.visit(ago, OFFICE, diagnoses=[codings], onset={0: ago})
    ch.problem(codings, onset=ago)


@chart
def epic_prostate() -> tuple[list[Resource], Expected]:
    """71, prostate cancer treated by prostatectomy eight years ago (resolved on the problem list, PSA
    undetectable), long-standing retention from BPH, and a three-week sciatica on naproxen. A cancer history
    counts whatever its status (§2) with new pain: R8. Retention begun four years before the episode is not
    new, so not cauda equina (§3)."""
    ch = registry.history(Chart("epic-prostate", "epic", "1955-03-10", "male"), years=2)
    ch.problem([c(ICD10, "C61", "Malignant neoplasm of prostate"), c(SNOMED, "399068003",
                                                                      "Malignant tumor of prostate")],
               onset=2920, status="resolved", abated=2190)
    ch.procedure(2900, [c(CPT, "55866", "Laparoscopic radical prostatectomy"),
                        c(SNOMED, "26294005", "Radical prostatectomy")])
    ch.problem([c(ICD10, "N40.1", "Benign prostatic hyperplasia with lower urinary tract symptoms"),
                c(SNOMED, "266569009", "Benign prostatic hyperplasia")], onset=1460)
    ch.problem([c(ICD10, "R33.9", "Retention of urine, unspecified"), c(SNOMED, "267064002",
                                                                         "Retention of urine")],
               onset=1460)
    ch.medication(1400, [c(RXNORM, "863669", "tamsulosin hydrochloride 0.4 MG Oral Capsule")],
                  "tamsulosin 0.4 mg capsule, 1 capsule nightly")
    ch.lab(c(LOINC, "2857-1", "Prostate specific Ag [Mass/volume] in Serum or Plasma"), 180, 0.02, "ng/mL")
    sciatica_now(ch, 21)
    ch.medication(21, registry.NAPROXEN, "naproxen 500 mg tablet, take 1 tablet twice daily with food")
    return ch.resources, Expected("a treated prostate cancer and a three-week sciatica", ("R8",),
                                  "appropriate", "warning", "SpineRedFlag", ("SpineDeferImaging",))


@chart
def oracle_ivdu_note() -> tuple[list[Resource], Expected]:
    """38, "IVDU" on the problem list in Millennium words only, back pain for nine days, a CRP of 14 mg/L
    (raised, under 50) yesterday and a fever only in last night's nursing note, afebrile at today's visit.
    Injection drug use is an infection flag (§3), and with a CRP above 10 a risk factor: R7."""
    ch = registry.history(Chart("oracle-ivdu-note", "oracle", "1988-07-02", "male"), years=2)
    words_condition(ch, [c(NOMENCLATURE, "3215468", "Intravenous drug user")], "IVDU - heroin", onset=700)
    sciatica_now(ch, 9, LOW_BACK)
    ch.lab(CRP, 1, 14.0, "mg/L")
    event(ch, "exam", c(EVENT_CODE, "4187321", "Nursing Progress Note"), 1,
          "0300: pt febrile, Tmax 38.9 C, diaphoretic, c/o worsening low back pain. MD notified.")
    ch.vitals(0, celsius=37.2)
    return ch.resources, Expected("injection drug use in words, CRP 14, fever in a nursing note", ("R7",),
                                  "appropriate", "critical", "SpineRedFlag", ("SpineDeferImaging",))


@chart
def epic_fusion_saddle() -> tuple[list[Resource], Expected]:
    """58, L4-5 fusion two years ago, a lumbar radiculopathy for 16 days on gabapentin, and yesterday a
    MyChart message encounter: new numbness of the groin and buttocks and a hard time starting to urinate.
    Saddle anaesthesia is cauda equina (§3): R5 before the post-surgical R11/R21."""
    ch = registry.history(Chart("epic-fusion-saddle", "epic", "1968-01-20", "female"), years=2)
    ch.procedure(730, [c(CPT, "22612", "Arthrodesis, posterior technique, single interspace; lumbar")],
                 body_site=LUMBAR_SPINE)
    ch.problem([c(ICD10, "Z98.1", "Arthrodesis status"), c(SNOMED, "443352005", "History of spinal fusion")],
               onset=730)
    sciatica_now(ch, 16, RADICULOPATHY)
    ch.medication(16, [c(RXNORM, "310431", "gabapentin 300 MG Oral Capsule")],
                  "gabapentin 300 mg capsule, 1 capsule three times daily")
    ch.add("Encounter", {
        "status": "finished", "class": c("http://terminology.hl7.org/CodeSystem/v3-ActCode", "VR", "virtual"),
        "type": [cc(c(kit.EPIC_VISIT_TYPE, "2100000017", "MYCHART ENCOUNTER"))],
        "period": {"start": ch.day(1, "19:42:00"), "end": ch.day(1, "19:42:00")},
        "reasonCode": [{"text": "Pt message: since yesterday numbness in groin and buttocks, hard to start "
                                "urine stream. Back and leg pain worse."}],
    })
    return ch.resources, Expected("new saddle numbness in a portal message after a lumbar fusion", ("R5",),
                                  "appropriate", "critical", "SpineRedFlag", ("SpineDeferImaging",))


@chart
def epic_osteo_fall() -> tuple[list[Resource], Expected]:
    """74, osteoporosis on alendronate, a fall from standing 12 days ago (ED visit) with new sciatica, and a
    six-day methylprednisolone pack since: a short steroid course is conservative care, not 90 days of
    steroids (no immunosuppression, §3). Fracture risk: R10 (radiographs first), before the age flag of R9."""
    ch = registry.history(Chart("epic-osteo-fall", "epic", "1952-04-11", "female"), years=2, neck=False)
    ch.problem([c(ICD10, "M81.0", "Age-related osteoporosis without current pathological fracture"),
                c(SNOMED, "102447009", "Osteoporosis due to aging")], onset=1200)
    ch.medication(1100, [c(RXNORM, "904421", "alendronate sodium 70 MG Oral Tablet")],
                  "alendronate 70 mg tablet, 1 tablet weekly before breakfast")
    ch.visit(12, c(kit.EPIC_VISIT_TYPE, "1001", "ED VISIT"),
             diagnoses=[[c(ICD10, "W01.0XXA", "Fall on same level from slipping, tripping and "
                                              "stumbling without subsequent striking against object, "
                                              "initial encounter")], SCIATICA], onset={1: 12})
    ch.problem(SCIATICA, onset=12)
    ch.medication(10, [c(RXNORM, "762675", "methylprednisolone 4 MG Oral Tablet [Medrol] Pack")],
                  "methylPREDNISolone (MEDROL DOSEPACK) 4 mg tablet, take as directed x 6 days",
                  status="completed")
    return ch.resources, Expected("osteoporosis, a fall from standing and a steroid dose pack", ("R10",),
                                  "appropriate", None, None, ("SpineDeferImaging",))


@chart
def oracle_family_cancer() -> tuple[list[Resource], Expected]:
    """44, a sciatica of 18 days on ibuprofen; her mother's breast cancer is on the problem list as a family
    history (Z80.3) and typed "Breast cancer (mother)", in a family-history clinical event, in the intake
    form's rows "Mother's Medical History" and "Relative with cancer", and she carries BRCA1 (a
    susceptibility, not a cancer). Never family history (§3): no red flag, D < 42: R1, defer."""
    ch = registry.history(Chart("oracle-family-cancer", "oracle", "1982-02-14", "female"), years=2,
                          neck=False)
    ch.problem([c(ICD10, "Z80.3", "Family history of malignant neoplasm of breast"),
                c(SNOMED, "429740004", "Family history of malignant neoplasm of breast")], onset=900)
    ch.problem([c(ICD10, "Z15.01", "Genetic susceptibility to malignant neoplasm of breast"),
                c(SNOMED, "412734009", "BRCA1 gene mutation positive")], onset=880)
    event(ch, "social-history", c(EVENT_CODE, "4174592", "Family History"), 400,
          "Mother: breast cancer at 52, s/p mastectomy. Maternal aunt: ovarian cancer. Father: CAD.")
    # The new-patient intake form, charted as clinical events named for the relative (R8 on 52a6125).
    event(ch, "survey", c(EVENT_CODE, "4174601", "Mother's Medical History"), 20, "Breast cancer, HTN")
    event(ch, "survey", c(EVENT_CODE, "4174602", "Relative with cancer"), 20, "Maternal aunt - ovarian")
    words_condition(ch, [], "Breast cancer (mother)", onset=None)
    ch.visit(300, OFFICE, diagnoses=[[c(ICD10, "Z12.31", "Encounter for screening mammogram for malignant "
                                                         "neoplasm of breast"),
                                      c(SNOMED, "268547008", "Screening for malignant neoplasm of breast")]])
    sciatica_now(ch, 18)
    ch.medication(18, [c(RXNORM, "197806", "ibuprofen 600 MG Oral Tablet")], "ibuprofen 600 mg",
                  kind="MedicationStatement")
    return ch.resources, Expected("a family history of breast cancer and BRCA1 with an 18-day sciatica",
                                  ("R1",), "not-appropriate", "warning", "SpineDeferImaging",
                                  ("SpineRedFlag",))


@chart
def epic_outside_mri() -> tuple[list[Resource], Expected]:
    """55, a lumbar radiculopathy for 80 days, PT and gabapentin, a spine-surgery referral, and an outside
    lumbar MRI last month scanned in as a final report (Epic procedure code with its CPT, the text as
    presentedForm) whose impression says "no cauda equina compression". An MRI of the same region within
    12 months, no new episode: R12, before the candidate's R2 — and the negated cauda equina is no flag."""
    ch = registry.history(Chart("epic-outside-mri", "epic", "1971-09-30", "male"), years=2)
    sciatica_now(ch, 80, RADICULOPATHY)
    ch.medication(78, [c(RXNORM, "310431", "gabapentin 300 MG Oral Capsule")], "gabapentin 300 mg TID")
    for ago in (60, 53, 46, 39):
        ch.visit(ago, PT_VISIT, service_type=c(kit.SERVICE_TYPE, "65", "Physiotherapy"))
    ch.add("ServiceRequest", {"status": "active", "intent": "order",
                              "code": cc(c(EPIC_PROC, "REF1042", "AMB REFERRAL TO SPINE SURGERY")),
                              "authoredOn": ch.day(20, "11:00:00")})
    text = ("OUTSIDE MRI LUMBAR SPINE WITHOUT CONTRAST (Valley Imaging). IMPRESSION: Right paracentral disc "
            "extrusion at L5-S1 contacting the traversing right S1 nerve root. No cauda equina compression. "
            "No fracture.")
    ch.add("DiagnosticReport", {
        "status": "final",
        "category": [cc(c(f"{EPIC_ROOT}.2.798268", "OUT", "Outside Records")),
                     cc(c("http://loinc.org", "LP29684-5", "Radiology"))],
        "code": {"coding": [c(EPIC_PROC, "IMG7231", "MRI LUMBAR SPINE WO CONTRAST"),
                            c(CPT, "72148", "MRI lumbar spine without contrast")],
                 "text": "OUTSIDE MRI LUMBAR SPINE WO CONTRAST"},
        "effectiveDateTime": ch.day(31, "14:00:00"), "issued": ch.day(27, "09:00:00"),
        "presentedForm": [attachment(text)],
    })
    return ch.resources, Expected("an outside lumbar MRI last month, candidate for surgery", ("R12",),
                                  "not-appropriate", "warning", "SpineRepeatImaging", ("SpineRedFlag",))


@chart
def oracle_myelopathy_lumbar() -> tuple[list[Resource], Expected]:
    """66, a lumbar radiculopathy of 25 days, and on the problem list a "Cervical spondylotic myelopathy"
    in Millennium words only, with a positive Hoffmann sign in a clinical event: a myelopathy on a lumbar
    order is R20 (critical; image the cord), not the age-over-50 defer of R9."""
    ch = registry.history(Chart("oracle-myelopathy", "oracle", "1960-05-05", "male"), years=2, neck=False)
    words_condition(ch, [c(NOMENCLATURE, "5531902", "Cervical spondylotic myelopathy")],
                    "Cervical spondylotic myelopathy", onset=300,
                    note="Followed by neurosurgery; declined surgery, surveillance.")
    event(ch, "exam", c(EVENT_CODE, "21603312", "Hoffmann's Sign Right"), 200, "Positive")
    sciatica_now(ch, 25, RADICULOPATHY)
    return ch.resources, Expected("cervical myelopathy in words and a Hoffmann sign on a lumbar order",
                                  ("R20",), "appropriate", "critical", "SpineRedFlag", ("SpineDeferImaging",))


LUMBAR_CT = c(CPT, "72131", "CT lumbar spine without contrast")
ESR = registry.ESR
CERVICAL_SPINE = c(SNOMED, "122494005", "Cervical spine structure")
CERVICAL_RADICULOPATHY = [c(ICD10, "M54.12", "Radiculopathy, cervical region"),
                          c(SNOMED, "54404000", "Cervical radiculopathy")]
MRI_REPORT = [c(CPT, "72148", "MRI lumbar spine without contrast"),
              c(LOINC, "30679-5", "MR Lumbar spine WO contrast")]


@chart
def epic_diabetic_esr_age() -> tuple[list[Resource], Expected]:
    """70, a woman with type 2 diabetes (an infection risk factor), an ESR of 35 mm/h three days ago and a
    sciatica of 20 days. Her age-adjusted upper limit is (70 + 10) / 2 = 40 (§3): the ESR is not raised, so
    no R7; under 50, no R7b. Age over 50 alone is a weak flag: R9, MRI deferred."""
    ch = registry.history(Chart("epic-dm-esr", "epic", "1956-03-03", "female"), years=2, diabetes=True)
    sciatica_now(ch, 20)
    ch.lab(ESR, 3, 35, "mm/h")
    ch.medication(20, registry.NAPROXEN, "naproxen 500 mg twice daily")
    return ch.resources, Expected("diabetes with an ESR under her age-adjusted limit, age 70", ("R9",),
                                  "not-appropriate", "warning", "SpineDeferImaging", ("SpineRedFlag",))


@chart
def oracle_decompressed_ces() -> tuple[list[Resource], Expected]:
    """52, cauda equina syndrome 25 days ago, decompressed (L4-5 laminectomy) the next day, resolved 20 days
    ago, and the sciatica that came with it. A CES resolved within 30 days still counts (§2): R5, not the
    post-surgical R11/R21."""
    ch = registry.history(Chart("oracle-ces-decompressed", "oracle", "1974-08-08", "male"), years=2)
    sciatica_now(ch, 25, RADICULOPATHY)
    ch.problem([c(ICD10, "G83.4", "Cauda equina syndrome"), c(SNOMED, "192970008", "Cauda equina syndrome")],
               onset=25, status="resolved", abated=20)
    ch.procedure(24, [c(CPT, "63047", "Laminectomy, facetectomy and foraminotomy; lumbar")],
                 body_site=LUMBAR_SPINE)
    return ch.resources, Expected("cauda equina decompressed and resolved 20 days ago", ("R5",),
                                  "appropriate", "critical", "SpineRedFlag", ("SpineDeferImaging",))


@chart
def epic_cancer_prior_mri() -> tuple[list[Resource], Expected]:
    """63, a history of breast cancer (Z85.3), a lumbar MRI 100 days ago, and new sciatica for 15 days.
    Malignancy (R8) comes before the repeat-imaging rule (R12)."""
    ch = registry.history(Chart("epic-cancer-prior-mri", "epic", "1963-10-10", "female"), years=2)
    ch.problem([c(ICD10, "Z85.3", "Personal history of malignant neoplasm of breast"),
                c(SNOMED, "429087003", "History of malignant neoplasm of breast")], onset=1500)
    ch.study(100, "MR", MRI_REPORT[0], LUMBAR_SPINE)
    ch.report(100, MRI_REPORT, "Mild degenerative disc disease L4-5. No suspicious osseous lesion.")
    sciatica_now(ch, 15)
    return ch.resources, Expected("a breast cancer history and a lumbar MRI 100 days ago", ("R8",),
                                  "appropriate", "warning", "SpineRedFlag", ("SpineRepeatImaging",))


@chart
def epic_fusion_ct() -> tuple[list[Resource], Expected]:
    """60, an L4-S1 fusion three years ago, new sciatica for 20 days, a lumbar CT ordered. A prior operation
    in the region is R11/R21, and a post-surgical indication makes CT acceptable: no R13."""
    ch = registry.history(Chart("epic-fusion-ct", "epic", "1966-02-02", "male"), years=2)
    ch.procedure(1100, [c(CPT, "22630", "Arthrodesis, posterior interbody technique; lumbar")],
                 body_site=LUMBAR_SPINE)
    sciatica_now(ch, 20)
    return ch.resources, Expected("a lumbar fusion and a lumbar CT", ("R11/R21",), "appropriate", None, None,
                                  ("SpineModality", "SpineDeferImaging"), LUMBAR_CT)


@chart
def oracle_myelopathy_resolved() -> tuple[list[Resource], Expected]:
    """68, cervical myelopathy decompressed by ACDF six years ago (resolved five years ago), and a lumbar
    radiculopathy of 20 days. A myelopathy resolved long ago is not a red flag (§2); the cervical operation
    is not in the lumbar region; age over 50 is weak: R9."""
    ch = registry.history(Chart("oracle-myelopathy-resolved", "oracle", "1958-06-06", "male"), years=2)
    ch.problem([c(ICD10, "M47.12", "Other spondylosis with myelopathy, cervical region")], onset=2200,
               status="resolved", abated=1825)
    ch.procedure(2190, [c(CPT, "22551", "Arthrodesis, anterior interbody; cervical below C2")],
                 body_site=CERVICAL_SPINE)
    sciatica_now(ch, 20, RADICULOPATHY)
    return ch.resources, Expected("a myelopathy decompressed and resolved years ago, lumbar order", ("R9",),
                                  "not-appropriate", "warning", "SpineDeferImaging", ("SpineRedFlag",))


@chart
def oracle_dialysis_crp() -> tuple[list[Resource], Expected]:
    """59, end-stage renal disease on haemodialysis, a CRP of 2.1 mg/dL (21 mg/L) three days ago and back
    pain for seven days: a risk factor with a raised marker is infection (§3): R7."""
    ch = registry.history(Chart("oracle-dialysis-crp", "oracle", "1967-01-01", "male"), years=2)
    ch.problem([c(ICD10, "N18.6", "End stage renal disease"),
                c(SNOMED, "46177005", "End-stage renal disease")], onset=1000)
    ch.problem([c(ICD10, "Z99.2", "Dependence on renal dialysis")], onset=990)
    sciatica_now(ch, 7, LOW_BACK)
    ch.lab(CRP, 3, 2.1, "mg/dL")
    return ch.resources, Expected("dialysis and a CRP of 2.1 mg/dL", ("R7",), "appropriate", "critical",
                                  "SpineRedFlag", ("SpineDeferImaging",))


@chart
def epic_cervical_melanoma() -> tuple[list[Resource], Expected]:
    """48, a melanoma excised four years ago (Z85.820) and a cervical radiculopathy of 20 days, cervical MRI:
    a cancer history with new pain is R8 (whole-spine MRI), before R19."""
    ch = registry.history(Chart("epic-cervical-melanoma", "epic", "1978-12-12", "female"), years=2)
    ch.problem([c(ICD10, "Z85.820", "Personal history of malignant melanoma of skin"),
                c(SNOMED, "429114002", "History of malignant melanoma")], onset=1460)
    sciatica_now(ch, 20, CERVICAL_RADICULOPATHY)
    return ch.resources, Expected("melanoma history with cervical radiculopathy", ("R8",), "appropriate",
                                  "warning", "SpineRedFlag", (), CERVICAL_MRI)


@chart
def epic_mri_then_surgery() -> tuple[list[Resource], Expected]:
    """45, a lumbar MRI 150 days ago, a microdiscectomy 100 days ago, and a recurrent sciatica for 20 days.
    An operation since the MRI lifts R12; the operation is in the region: R11/R21."""
    ch = registry.history(Chart("epic-mri-then-surgery", "epic", "1981-04-04", "male"), years=2)
    ch.problem(RADICULOPATHY, onset=170, status="resolved", abated=90)
    ch.study(150, "MR", MRI_REPORT[0], LUMBAR_SPINE)
    ch.report(150, MRI_REPORT, "L5-S1 left disc extrusion compressing the left S1 nerve root.")
    ch.procedure(100, [c(CPT, "63030", "Laminotomy with decompression of nerve root; lumbar")],
                 body_site=LUMBAR_SPINE)
    sciatica_now(ch, 20)
    return ch.resources, Expected("an MRI, then a microdiscectomy, then recurrent sciatica", ("R11/R21",),
                                  "appropriate", None, None, ("SpineRepeatImaging", "SpineDeferImaging"))


@chart
def epic_outside_mri_foot_drop() -> tuple[list[Resource], Expected]:
    """50, an outside lumbar MRI 30 days ago and a new right foot drop 5 days ago: a motor deficit (R6)
    comes before R12."""
    ch = registry.history(Chart("epic-mri-foot-drop", "epic", "1976-05-05", "male"), years=2)
    sciatica_now(ch, 40, RADICULOPATHY)
    ch.report(30, MRI_REPORT, "L4-5 right foraminal disc protrusion.")
    ch.problem([c(ICD10, "M21.371", "Foot drop, right foot"), c(SNOMED, "6077001", "Foot drop")], onset=5)
    return ch.resources, Expected("an MRI last month and a new foot drop", ("R6",), "appropriate", "critical",
                                  "SpineRedFlag", ("SpineRepeatImaging",))


@chart
def epic_whole_spine_cervical() -> tuple[list[Resource], Expected]:
    """59, a cervical radiculopathy for 60 days, PT, and a whole-spine MRI 30 days ago, in this episode (Epic
    procedure code beside LOINC 30854-4) read as a final report. A whole-spine MRI counts for every region
    (§2): the cervical MRI would repeat it, R12 before R19b. (An MRI taken before the symptoms began — 90
    days ago here — is another episode's: R19b; R12 says "no new episode".)"""
    ch = registry.history(Chart("epic-whole-spine", "epic", "1967-07-07", "female"), years=2)
    sciatica_now(ch, 60, CERVICAL_RADICULOPATHY)
    for ago in (50, 43, 36):
        ch.visit(ago, PT_VISIT, service_type=c(kit.SERVICE_TYPE, "65", "Physiotherapy"))
    ch.add("DiagnosticReport", {
        "status": "final", "category": [cc(c("http://loinc.org", "LP29684-5", "Radiology"))],
        "code": {"coding": [c(EPIC_PROC, "IMG7600", "MRI TOTAL SPINE WO CONTRAST"),
                            c(LOINC, "30854-4", "MR Cervical and thoracic and lumbar spine WO contrast")],
                 "text": "MRI TOTAL SPINE WO CONTRAST"},
        "effectiveDateTime": ch.day(30, "07:30:00"), "issued": ch.day(30, "12:00:00"),
        "presentedForm": [attachment("IMPRESSION: C5-6 left foraminal stenosis. No cord signal change.")],
    })
    return ch.resources, Expected("a whole-spine MRI 30 days ago, cervical order", ("R12",),
                                  "not-appropriate", "warning", "SpineRepeatImaging", ("SpineRedFlag",),
                                  CERVICAL_MRI)


@chart
def epic_medication_reference() -> tuple[list[Resource], Expected]:
    """45, a sciatica of 70 days whose only care is meloxicam, ordered as Epic orders it: the
    MedicationRequest names a Medication resource, with no display. The templates fetch no Medication
    (docs/fhir-access.md "A prescription's drug held elsewhere"), so conservative care cannot be checked:
    "could not check" (SpineDataNeeded, unrated) both ways — never R3a's "start conservative care", a defer
    built on missing data (§2 "Missing data is a value")."""
    ch = registry.history(Chart("epic-med-reference", "epic", "1981-11-11", "male"), years=2)
    sciatica_now(ch, 70)
    ch.resources.append({"resourceType": "Medication", "id": "epic-med-reference-meloxicam",
                         "code": {"coding": [c(RXNORM, "311486", "meloxicam 15 MG Oral Tablet")],
                                  "text": "meloxicam 15 mg tablet"}})
    meloxicam = {"reference": "Medication/epic-med-reference-meloxicam"}
    ch.add("MedicationRequest", {"status": "active", "intent": "order", "medicationReference": meloxicam,
                                 "authoredOn": ch.day(65, "10:00:00"),
                                 "dosageInstruction": [{"text": "Take 1 tablet (15 mg) by mouth daily."}]})
    return ch.resources, Expected("meloxicam only by a Medication reference", (), None, "info",
                                  "SpineDataNeeded", ("SpineDeferImaging",))

"""The demo patients: one per pathway branch, with telling names and charts an EHR could hold.

Each patient comes with the order to try in the sandbox's PAMA screen (a CPT code the sandbox offers, and a
SNOMED CT reason) and what the service should answer: every card's topic and indicator, and the PAMA
rating of the order. ``python -m demo.run --check`` and ``tests/demo`` hold the service to that table, and
docs/demo.md and the README describe it; if the service's answer changes, one of them is wrong.

Charts are written for ``today`` (see ``demo.chart``): same date, same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from demo.chart import CPT, ICD10, NUCC, RXNORM, SNOMED, ChartBuilder

Resource = dict[str, Any]
DEFER, RED_FLAG, REPEAT = "SpineDeferImaging", "SpineRedFlag", "SpineRepeatImaging"
MODALITY, CONTRAST, DATA_NEEDED = "SpineModality", "SpineContrast", "SpineDataNeeded"
REFERRAL, SUMMARY = "SpineReferral", "SpinePathwaySummary"
APPROPRIATE = "SpineImagingAppropriate"


@dataclass(frozen=True)
class Order:
    """What to pick in the sandbox's PAMA screen: a study (CPT) and a reason (SNOMED CT)."""

    code: str
    display: str
    reason: str
    reason_display: str


LUMBAR_MRI = Order("72148", "MRI lumbar spine without contrast", "23056005", "Sciatica")
LUMBAR_MRI_WITH_AND_WITHOUT = Order(
    "72158", "MRI lumbar spine without and with contrast", "23056005", "Sciatica"
)
LUMBAR_CT = Order("72131", "CT lumbar spine without contrast", "279039007", "Low back pain")
CERVICAL_MRI = Order("72141", "MRI cervical spine without contrast", "81680005", "Neck pain")


@dataclass(frozen=True)
class Expected:
    """The service's answer: (topic, indicator) of every card in order, and the order's PAMA rating
    (``none`` when it cannot be determined: then no PAMA system action is sent)."""

    cards: tuple[tuple[str, str], ...]
    rating: str
    patient_view: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DemoPatient:
    id: str
    name: str
    rule: str
    story: str
    order: Order
    expected: Expected
    shows: str
    resources: tuple[Resource, ...]


@dataclass(frozen=True)
class _Case:
    id: str
    rule: str
    story: str
    order: Order
    expected: Expected
    shows: str
    chart: Callable[[date], ChartBuilder]


def demo_patients(today: date) -> list[DemoPatient]:
    """Every hand-made demo patient, charted for ``today``."""
    return [_build(case, today) for case in _CASES]


def _build(case: _Case, today: date) -> DemoPatient:
    chart = case.chart(today)
    patient = chart.resources[0]
    return DemoPatient(case.id, patient["name"][0]["text"], case.rule, case.story, case.order,
                       case.expected, case.shows, tuple(chart.resources))


def _person(pid: str, today: date, given: str, family: str, gender: str, age: int) -> ChartBuilder:
    return ChartBuilder(pid, today, given=given, family=family, gender=gender, age=age)


# --- the charts ---------------------------------------------------------------------------------------


def _lumbar_day20(today: date) -> ChartBuilder:
    return (_person("demo-lumbar-day20", today, "Lena", "Day20-NoRedFlags", "female", 44)
            .condition(ICD10, "E78.5", "Hyperlipidemia, unspecified", onset=1500)
            .condition(ICD10, "M54.16", "Radiculopathy, lumbar region", onset=20, recorded=18)
            .encounter("Low back pain radiating to the left leg", ago=18)
            .blood_pressure(128, 82, ago=18).pain(6, ago=18)
            .medication("198013", "naproxen 500 MG Oral Tablet", ago=18, days=14, sig="1 tablet twice daily"))


def _threshold(pid: str, given: str, family: str, gender: str, age: int, onset: int) -> Callable[
        [date], ChartBuilder]:
    """Day 41 and day 42 have the same chart: sciatica with medication, physical therapy and a spine
    surgery referral; only the onset differs by one day (PATHWAY.md §2: six weeks means D ≥ 42)."""

    def chart(today: date) -> ChartBuilder:
        return (_person(pid, today, given, family, gender, age)
                .condition(ICD10, "I10", "Essential (primary) hypertension", onset=2200)
                .condition(ICD10, "M54.41", "Lumbago with sciatica, right side", onset=onset,
                           recorded=onset - 2)
                .encounter("Right-sided sciatica", ago=onset - 2)
                .blood_pressure(138, 88, ago=onset - 2).pain(7, ago=onset - 2)
                .medication("198013", "naproxen 500 MG Oral Tablet", ago=onset - 2, days=30,
                            sig="1 tablet twice daily with food")
                .medication("197554", "cyclobenzaprine hydrochloride 5 MG Oral Tablet", ago=onset - 2,
                            days=10, sig="1 tablet at bedtime")
                .physical_therapy(started=30, sessions=3)
                .referral("308481009", "Referral to orthopedic surgeon", ago=9,
                          taxonomy=("207XS0117X", "Orthopaedic Surgery of the Spine"))
                .pain(6, ago=9))

    return chart


def _cauda_equina(today: date) -> ChartBuilder:
    """Coded in SNOMED CT only, as some problem lists are."""
    return (_person("demo-cauda-equina", today, "Carl", "CaudaEquina", "male", 46)
            .condition(SNOMED, "23056005", "Sciatica", onset=12, recorded=10)
            .condition(SNOMED, "192970008", "Cauda equina syndrome", onset=1)
            .condition(SNOMED, "267064002", "Retention of urine", onset=1)
            .encounter("Sciatica", ago=10)
            .medication("197806", "ibuprofen 600 MG Oral Tablet", ago=10, days=10,
                        sig="1 tablet three times daily")
            .encounter("New urinary retention and bilateral leg numbness", ago=0)
            .pain(8, ago=0))


def _infection(today: date) -> ChartBuilder:
    return (_person("demo-infection", today, "Ines", "SpinalInfection", "female", 38)
            .condition(ICD10, "F11.20", "Opioid dependence, uncomplicated", onset=2000)
            .condition(ICD10, "M54.16", "Radiculopathy, lumbar region", onset=15, recorded=14)
            .encounter("Back pain radiating to the right leg", ago=14)
            .medication("198013", "naproxen 500 MG Oral Tablet", ago=14, days=14)
            .encounter("Back pain worse, fever and night sweats", ago=2)
            .temperature(38.6, ago=2)
            .observation("1988-5", "C reactive protein [Mass/volume] in Serum or Plasma", 48, "mg/L", "mg/L",
                         ago=2, category="laboratory")
            .observation("30341-2", "Erythrocyte sedimentation rate", 62, "mm/h", "mm/h", ago=2,
                         category="laboratory")
            .observation("6690-2", "Leukocytes [#/volume] in Blood by Automated count", 13.2, "10*3/uL",
                         "10*3/uL", ago=2, category="laboratory"))


def _cancer_history(today: date) -> ChartBuilder:
    return (_person("demo-cancer-history", today, "Celia", "CancerHistory", "female", 48)
            .condition(ICD10, "Z85.3", "Personal history of malignant neoplasm of breast", onset=1800)
            .condition(ICD10, "M54.16", "Radiculopathy, lumbar region", onset=14, recorded=12)
            .encounter("New low back pain with left leg pain", ago=12)
            .medication("200064", "letrozole 2.5 MG Oral Tablet", ago=1500, days=90, sig="1 tablet daily")
            .medication("313782", "acetaminophen 325 MG Oral Tablet", ago=12, days=10,
                        sig="2 tablets every 6 hours"))


def _ct_early(today: date) -> ChartBuilder:
    return (_person("demo-ct-early", today, "Theo", "CT-Early", "male", 35)
            .condition(ICD10, "M54.16", "Radiculopathy, lumbar region", onset=18, recorded=16)
            .encounter("Left sciatica after lifting", ago=16)
            .pain(5, ago=16)
            .medication("197806", "ibuprofen 600 MG Oral Tablet", ago=16, days=14))


def _contrast(today: date) -> ChartBuilder:
    return (_person("demo-contrast-no-indication", today, "Nora", "Contrast-NoIndication", "female", 41)
            .condition(ICD10, "J45.909", "Unspecified asthma, uncomplicated", onset=4000)
            .condition(ICD10, "M51.16", "Intervertebral disc disorders with radiculopathy, lumbar region",
                       onset=63, recorded=60)
            .encounter("Left L5 radicular pain", ago=60)
            .medication("198013", "naproxen 500 MG Oral Tablet", ago=60, days=30)
            .physical_therapy(started=55, sessions=5)
            .referral("308482002", "Referral to neurosurgeon", ago=10,
                      taxonomy=("207T00000X", "Neurological Surgery")))


def _repeat_mri(today: date) -> ChartBuilder:
    return (_person("demo-repeat-mri", today, "Rosa", "RepeatMRI", "female", 45)
            .condition(ICD10, "M51.16", "Intervertebral disc disorders with radiculopathy, lumbar region",
                       onset=150, recorded=145)
            .encounter("Right L5 radiculopathy", ago=145)
            .medication("197806", "ibuprofen 600 MG Oral Tablet", ago=145, days=30)
            .physical_therapy(started=130, sessions=6)
            .imaging_study("72148", "MRI lumbar spine without contrast", "MR", ago=90)
            .referral("306265007", "Referral to pain management specialist", ago=60,
                      taxonomy=("208VP0014X", "Interventional Pain Medicine"))
            .planned_procedure("62323",
                               "Interlaminar epidural injection, lumbar or sacral, with imaging guidance",
                               ordered=20, in_days=7))


def _cervical_early(today: date) -> ChartBuilder:
    """Coded in SNOMED CT only."""
    return (_person("demo-cervical-early", today, "Cem", "Cervical-Early", "male", 42)
            .condition(SNOMED, "81680005", "Neck pain", onset=10, recorded=9)
            .condition(SNOMED, "54404000", "Cervical radiculopathy", onset=10, recorded=9)
            .encounter("Neck pain radiating to the right arm", ago=9)
            .medication("197806", "ibuprofen 600 MG Oral Tablet", ago=9, days=10))


def _cervical_persistent(today: date) -> ChartBuilder:
    return (_person("demo-cervical-persistent", today, "Cora", "Cervical-Persistent", "female", 50)
            .condition(ICD10, "E03.9", "Hypothyroidism, unspecified", onset=3000)
            .condition(ICD10, "M50.122", "Cervical disc disorder at C5-C6 level with radiculopathy",
                       onset=90, recorded=85)
            .encounter("Left arm pain and paraesthesia", ago=85)
            .medication("310431", "gabapentin 300 MG Oral Capsule", ago=80, days=60,
                        sig="1 capsule three times daily")
            .physical_therapy(started=75, sessions=6)
            .imaging_study("72050", "Radiologic examination, spine, cervical; 4 or 5 views", "DX", ago=70))


def _myelopathy(today: date) -> ChartBuilder:
    return (_person("demo-myelopathy", today, "Mateo", "Myelopathy", "male", 49)
            .condition(ICD10, "M54.12", "Radiculopathy, cervical region", onset=30, recorded=28)
            .condition(ICD10, "M47.12", "Other spondylosis with myelopathy, cervical region", onset=5)
            .condition(ICD10, "R26.89", "Other abnormalities of gait and mobility", onset=5)
            .encounter("Neck and arm pain", ago=28)
            .medication("310431", "gabapentin 300 MG Oral Capsule", ago=28, days=30)
            .encounter("Clumsy hands, unsteady gait, positive Hoffmann sign", ago=5))


def _onset_unknown(today: date) -> ChartBuilder:
    return (_person("demo-onset-unknown", today, "Uma", "OnsetUnknown", "female", 37)
            .condition(ICD10, "M54.16", "Radiculopathy, lumbar region", onset=None, recorded=30)
            .encounter("Leg pain, duration not recorded", ago=30)
            .medication("198013", "naproxen 500 MG Oral Tablet", ago=28, days=14))


def _cards(*pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return pairs


# patient-view: the pathway summary, and for a serious red flag with no MRI on record a critical card.
_SERIOUS_FLAG_VIEW = _cards((SUMMARY, "info"), (RED_FLAG, "critical"))


_CASES: tuple[_Case, ...] = (
    _Case("demo-lumbar-day20", "R1", "Sciatica for 20 days, no red flags, on naproxen.", LUMBAR_MRI,
          Expected(_cards((DEFER, "warning")), "not-appropriate", _cards((SUMMARY, "info"))),
          "Warning: defer the lumbar MRI (20 days < 6 weeks, no red flags), with the date it becomes "
          "reasonable; suggestions cancel the order and refer to physical therapy.", _lumbar_day20),
    _Case("demo-lumbar-day41", "R1", "Sciatica for 41 days: naproxen, cyclobenzaprine, physical therapy, a "
          "spine surgery referral.", LUMBAR_MRI,
          Expected(_cards((DEFER, "warning")), "not-appropriate", _cards((SUMMARY, "info"))),
          "Warning: defer — 41 days is not six weeks.", _threshold(
              "demo-lumbar-day41", "Omar", "Day41-Sciatica", "male", 47, 41)),
    _Case("demo-lumbar-day42", "R2/R23", "The same chart one day later: 42 days.", LUMBAR_MRI,
          Expected((), "appropriate", _cards((SUMMARY, "info"))),
          "No card (the 'appropriate' card is off by policy); PAMA rating appropriate.", _threshold(
              "demo-lumbar-day42", "Olga", "Day42-Sciatica", "female", 39, 42)),
    _Case("demo-cauda-equina", "R5", "Sciatica for 12 days, then cauda equina syndrome and urinary retention "
          "since yesterday (SNOMED CT codes only).", LUMBAR_MRI,
          Expected(_cards((RED_FLAG, "critical")), "appropriate", _SERIOUS_FLAG_VIEW),
          "Critical: same-day MRI and an emergency spine referral (one-click referral).", _cauda_equina),
    _Case("demo-infection", "R7", "Sciatica for 15 days, opioid dependence, 38.6 °C two days ago, CRP 48, "
          "ESR 62.", LUMBAR_MRI,
          Expected(_cards((RED_FLAG, "critical")), "appropriate", _SERIOUS_FLAG_VIEW),
          "Critical: urgent MRI without and with contrast and ESR/CRP; one click swaps the order.",
          _infection),
    _Case("demo-cancer-history", "R8", "History of breast cancer; new sciatica for 14 days.", LUMBAR_MRI,
          Expected(_cards((RED_FLAG, "warning")), "appropriate", _cards((SUMMARY, "info"))),
          "Warning: imaging indicated now, MRI without and with contrast preferred.", _cancer_history),
    _Case("demo-ct-early", "R1 + R13", "Sciatica for 18 days; a lumbar CT is ordered.", LUMBAR_CT,
          Expected(_cards((DEFER, "warning"), (MODALITY, "warning")), "not-appropriate",
                   _cards((SUMMARY, "info"))),
          "Warning: defer imaging; and warning: CT is not the study for radiculopathy, switch to MRI "
          "without contrast.", _ct_early),
    _Case("demo-contrast-no-indication", "R2/R23 + R17", "Disc herniation with radiculopathy for 63 days: "
          "naproxen, 5 physical therapy sessions, neurosurgery referral; MRI ordered without and with "
          "contrast.", LUMBAR_MRI_WITH_AND_WITHOUT,
          Expected(_cards((CONTRAST, "info")), "appropriate", _cards((SUMMARY, "info"))),
          "Info: contrast is not needed, one click swaps to MRI without contrast; PAMA rating appropriate.",
          _contrast),
    _Case("demo-repeat-mri", "R12", "Radiculopathy for 150 days, lumbar MRI 90 days ago, epidural injection "
          "planned next week.", LUMBAR_MRI,
          Expected(_cards((REPEAT, "warning")), "not-appropriate", _cards((SUMMARY, "info"))),
          "Warning: do not repeat the MRI of 90 days ago (linked); one click cancels the order.",
          _repeat_mri),
    _Case("demo-cervical-early", "R19", "Cervical radiculopathy for 10 days (SNOMED CT codes only).",
          CERVICAL_MRI,
          Expected(_cards((DEFER, "info")), "appropriate", _cards((SUMMARY, "info"))),
          "Info: consider six weeks of conservative care first (policy 'advise'); PAMA rating appropriate.",
          _cervical_early),
    _Case("demo-cervical-persistent", "R19b + R24", "C5-C6 disc disorder with radiculopathy for 90 days: "
          "gabapentin, physical therapy, cervical radiographs 70 days ago.", CERVICAL_MRI,
          Expected(_cards((REFERRAL, "info")), "appropriate", _cards((SUMMARY, "info"))),
          "Info: symptoms for 12 weeks or more, refer to a spine specialist (one click); PAMA rating "
          "appropriate.", _cervical_persistent),
    _Case("demo-myelopathy", "R20", "Cervical radiculopathy for 30 days; spondylotic myelopathy and gait "
          "disturbance since 5 days.", CERVICAL_MRI,
          Expected(_cards((RED_FLAG, "critical")), "appropriate", _SERIOUS_FLAG_VIEW),
          "Critical: urgent MRI without contrast and an urgent spine surgery referral.", _myelopathy),
    _Case("demo-onset-unknown", "R27", "Lumbar radiculopathy recorded 30 days ago, onset never documented.",
          LUMBAR_MRI,
          Expected(_cards((DATA_NEEDED, "info")), "none", _cards((SUMMARY, "info"))),
          "Info: symptom duration not documented, record the onset; no PAMA rating (PAMA Rating: ?).",
          _onset_unknown),
)


def expected_by_id() -> dict[str, Expected]:
    return {case.id: case.expected for case in _CASES}


def iter_cases() -> Iterator[tuple[str, str, Order]]:
    """(id, rule, order) of every hand-made case, without building charts."""
    for case in _CASES:
        yield case.id, case.rule, case.order


__all__ = ["CPT", "NUCC", "RXNORM", "DemoPatient", "Expected", "Order", "demo_patients"]

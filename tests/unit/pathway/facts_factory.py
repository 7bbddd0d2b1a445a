"""Facts and orders for decision tests, built directly (no FHIR): one line per clinical case.

``facts(days=20)`` is a lumbar radiculopathy with a documented onset ``days`` before ``ORDER_DATE``, no red
flags, no conservative care, not a candidate, no prior imaging or surgery, age 45. Keyword arguments
override any field; ``flags=`` takes red-flag classes (each with one dated piece of evidence).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from app.pathway.model import (
    Contrast,
    Evidence,
    Facts,
    Finding,
    Modality,
    OrderFacts,
    RedFlag,
    Region,
    State,
)
from app.terminology.coding import Coding

ORDER_DATE = date(2025, 6, 30)
CPT = "http://www.ama-assn.org/go/cpt"
LUMBAR_DX = Evidence(Finding.RADICULOPATHY_LUMBAR, "Condition/dx-lumbar", date(2025, 5, 1),
                     Coding("http://hl7.org/fhir/sid/icd-10-cm", "M54.16"))
CERVICAL_DX = Evidence(Finding.RADICULOPATHY_CERVICAL, "Condition/dx-cervical", date(2025, 5, 1),
                       Coding("http://hl7.org/fhir/sid/icd-10-cm", "M54.12"))
NSAID = Evidence(Finding.CONSERVATIVE_MEDICATION, "MedicationRequest/nsaid", date(2025, 5, 10),
                 text="naproxen")
PT = Evidence(Finding.PHYSICAL_THERAPY, "Procedure/pt", date(2025, 5, 20))
REFERRAL = Evidence(Finding.SPINE_SPECIALTY, "ServiceRequest/ref", date(2025, 6, 1))
SURGERY = Evidence(Finding.PRIOR_SPINE_SURGERY, "Procedure/laminectomy", date(2019, 3, 4))
PACEMAKER = Evidence(Finding.MRI_CONTRAINDICATION, "Condition/pacemaker", date(2021, 5, 2),
                     Coding("http://hl7.org/fhir/sid/icd-10-cm", "Z95.0", "Presence of cardiac pacemaker"),
                     name="Presence of cardiac pacemaker")

ESR_HIGH = Evidence(Finding.ESR, "Observation/esr", date(2025, 6, 25), value=62)
MILD_WEAKNESS = Evidence(Finding.MUSCLE_STRENGTH, "Observation/mrc", date(2025, 6, 25), state=State.FELL_MILD,
                         value=4, before=5)

FLAG_EVIDENCE = {
    RedFlag.CES: Evidence(Finding.CES, "Condition/ces", date(2025, 6, 28)),
    RedFlag.MOTOR: Evidence(Finding.MOTOR_DEFICIT, "Condition/foot-drop", date(2025, 6, 20)),
    RedFlag.MYELOPATHY: Evidence(Finding.MYELOPATHY, "Condition/myelopathy", date(2025, 6, 10)),
    RedFlag.INFECTION: Evidence(Finding.FEVER, "Observation/temp", date(2025, 6, 27)),
    RedFlag.MALIGNANCY_MAJOR: Evidence(Finding.CANCER_HISTORY, "Condition/ca", date(2020, 1, 1)),
    RedFlag.MALIGNANCY_WEAK: Evidence(Finding.WEIGHT_LOSS, "Condition/wl", date(2025, 6, 1)),
    RedFlag.FRACTURE_RISK: Evidence(Finding.OSTEOPOROSIS, "Condition/op", date(2021, 2, 2)),
}


def facts(
    days: int | None = 20,
    region: Region = Region.LUMBAR,
    flags: Iterable[RedFlag] = (),
    verified: bool = True,
    **overrides: Any,
) -> Facts:
    """A Facts value for ``ORDER_DATE``; ``days`` is D (None: no onset at all)."""
    onset = ORDER_DATE - timedelta(days=days) if days is not None else None
    dx = replace(CERVICAL_DX if region is Region.CERVICAL else LUMBAR_DX, on=onset or LUMBAR_DX.on)
    base = Facts(
        order_date=ORDER_DATE,
        region=region,
        age_years=45,
        qualifying=(dx,),
        onset=onset,
        onset_verified=verified and onset is not None,
        onset_evidence=dx if onset is not None else None,
        duration_days=days,
        conservative_care=(),
        candidate=(),
        red_flags={flag: (FLAG_EVIDENCE[flag],) for flag in flags},
        prior_imaging=(),
        prior_surgery=(),
    )
    return replace(base, **overrides)


def order(
    modality: Modality = Modality.MRI,
    contrast: Contrast | None = Contrast.WITHOUT,
    region: Region | None = Region.LUMBAR,
    reference: str | None = "ServiceRequest/draft-1",
) -> OrderFacts:
    return OrderFacts(
        reference=reference,
        region=region,
        modality=modality,
        contrast=contrast,
        coding=Coding(CPT, "72148"),
        order_date=ORDER_DATE,
        order_date_from_order=True,
    )


def prior_mri(days_before_order: int) -> Evidence:
    return Evidence(Finding.SPINE_IMAGING, "ImagingStudy/prior-mri",
                    ORDER_DATE - timedelta(days=days_before_order))

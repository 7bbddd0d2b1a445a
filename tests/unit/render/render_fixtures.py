"""Render test data: one decision per card content, a draft order as the sandbox sends, id factories.

The decisions come from the real ``decide_order``/``decide_patient`` over Facts built by
``tests/unit/pathway/facts_factory.py`` (put on the path here: the test tree has no packages).
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pathway"))

from facts_factory import (
    CPT,
    ESR_HIGH,
    MILD_WEAKNESS,
    NSAID,
    PACEMAKER,
    REFERRAL,
    SURGERY,
    facts,
    order,
    prior_mri,
)

from app.pathway.decide import decide_order, decide_patient
from app.pathway.model import Contrast, Decision, Modality, RedFlag, Region
from app.pathway.policy import CervicalEarlyMri, Policy
from app.render import RenderContext

CARDS = Path(__file__).resolve().parents[3] / "cards"
SNOMED = "http://snomed.info/sct"
CARE = {"conservative_care": (NSAID,)}
AFTER_CARE = {"conservative_care": (NSAID,), "candidate": (REFERRAL,)}
SHOW = Policy(show_appropriate_card=True)


def edit(path: Path, old: str, new: str) -> None:
    """Replace ``old`` (which must be there) by ``new`` in a copied card file."""
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def draft_order(code: str = "72148", order_id: str | None = "draft-1") -> dict[str, Any]:
    """A draft ServiceRequest as the CDS Hooks sandbox's PAMA screen sends it (intent plan, no authoredOn)."""
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "plan",
        "code": {"coding": [{"system": CPT, "code": code, "display": "MRI lumbar spine"}], "text": "MRI"},
        "subject": {"reference": "Patient/patient-1"},
        "reasonCode": [{"coding": [{"system": SNOMED, "code": "23056005", "display": "Sciatica"}]}],
    }
    if order_id:
        resource["id"] = order_id
    return resource


def _order_scenarios() -> Iterator[tuple[str, Decision]]:
    p = Policy()
    cervical = order(region=Region.CERVICAL)
    yield "R1", decide_order(facts(20), order(), p)
    yield "R1-pain", decide_order(facts(20, pain_score=10.0), order(), Policy(disabling_pain_referral=True))
    yield "R5", decide_order(facts(10, flags=[RedFlag.CES, RedFlag.INFECTION]), order(), p)
    yield "R5-cervical", decide_order(facts(10, Region.CERVICAL, flags=[RedFlag.CES]), cervical, p)
    yield "R6", decide_order(facts(10, flags=[RedFlag.MOTOR]), order(), p)
    yield "R20", decide_order(facts(10, flags=[RedFlag.MYELOPATHY]), cervical, p)
    yield "R20-lumbar", decide_order(facts(10, flags=[RedFlag.MYELOPATHY]), order(), p)
    yield "R7b", decide_order(facts(20, raised_markers=(ESR_HIGH,)), order(), p)
    yield "mild-weakness", decide_order(facts(20, mild_weakness=(MILD_WEAKNESS,)), order(), p)
    yield "R8", decide_order(facts(10, flags=[RedFlag.MALIGNANCY_MAJOR]), order(Modality.CT, None), p)
    yield "R11", decide_order(facts(10, prior_surgery=(SURGERY,)), order(), p)
    yield "R10", decide_order(facts(10, flags=[RedFlag.FRACTURE_RISK]), order(), p)
    yield "R12", decide_order(facts(60, prior_imaging=(prior_mri(30),), **AFTER_CARE), order(), p)
    yield "R9-defer", decide_order(facts(20, flags=[RedFlag.MALIGNANCY_WEAK]), order(), p)
    yield "R9-xr", decide_order(facts(30, flags=[RedFlag.MALIGNANCY_WEAK]), order(Modality.XR, None), p)
    yield "R3a", decide_order(facts(50), order(), p)
    yield "R3b", decide_order(facts(100, **CARE), order(), p)
    yield "R2", decide_order(facts(60, **AFTER_CARE), order(), SHOW)
    yield "R19", decide_order(facts(20, Region.CERVICAL), cervical, p)
    yield "R19-defer", decide_order(facts(20, Region.CERVICAL), cervical,
                                    Policy(cervical_early_mri=CervicalEarlyMri.DEFER))
    yield "R19b", decide_order(facts(60, Region.CERVICAL), cervical, SHOW)
    yield "R27", decide_order(facts(20, verified=False), order(), p)
    yield "R13", decide_order(facts(60, **AFTER_CARE), order(Modality.CT, Contrast.WITHOUT), p)
    yield "R14", decide_order(facts(60, **AFTER_CARE), order(Modality.MYELOGRAPHY, None), p)
    yield "R15", decide_order(facts(60, **AFTER_CARE), order(Modality.NUCLEAR, None), p)
    no_mri = facts(60, mri_contraindications=(PACEMAKER,), **AFTER_CARE)
    yield "R15-no-mri", decide_order(no_mri, order(Modality.NUCLEAR, None), p)
    yield "R16", decide_order(facts(60, **AFTER_CARE), order(contrast=Contrast.WITH), p)
    tumour = facts(60, flags=[RedFlag.MALIGNANCY_MAJOR])
    yield "R16-tumour", decide_order(tumour, order(contrast=Contrast.WITH), p)
    yield "R17", decide_order(facts(60, **AFTER_CARE), order(contrast=Contrast.WITHOUT_AND_WITH), p)
    yield "R7-swap", decide_order(facts(60, flags=[RedFlag.INFECTION]), order(), p)
    yield "missing", decide_order(facts(20, unavailable=frozenset({"medications", "imaging"})), order(), p)
    yield "set-aside", decide_order(facts(20, unavailable=frozenset({"other_patient"})), order(), p)
    yield "no-region", decide_order(replace(facts(20), region=None), order(region=None), p)
    yield "region-disputed", decide_order(facts(20), replace(order(), region_disputed=True), p)


def _patient_scenarios() -> Iterator[tuple[str, Decision]]:
    for name, f in [
        ("patient", facts(20, **CARE)),
        ("patient-flag", facts(20, flags=[RedFlag.CES, RedFlag.MOTOR], unavailable=frozenset({"imaging"}))),
        ("patient-flag-no-mri", facts(20, flags=[RedFlag.CES, RedFlag.MOTOR])),
        ("patient-lower-bound", facts(50, verified=False)),
        ("patient-flag-after-mri", facts(20, flags=[RedFlag.CES], prior_imaging=(prior_mri(30),))),
        ("patient-myelopathy-lumbar", facts(20, flags=[RedFlag.MYELOPATHY])),
        ("patient-ces-cervical",
         facts(20, Region.CERVICAL, flags=[RedFlag.CES], prior_imaging=(prior_mri(30),))),
    ]:
        decision = decide_patient(f, Policy())
        assert decision is not None
        yield name, decision


SCENARIOS: list[tuple[str, Decision]] = [*_order_scenarios(), *_patient_scenarios()]


def counter() -> Callable[[], str]:
    ids = itertools.count(1)
    return lambda: f"00000000-0000-4000-8000-{next(ids):012d}"


def context(order_resource: dict[str, Any] | None = None, patient_id: str = "patient-1") -> RenderContext:
    return RenderContext(patient_id, order_resource, counter(), "11111111-2222-4333-8444-555555555555")

"""Drugs that say a cancer (R8) or immunosuppression (R7) when the chart codes neither, parsed as the hooks
parse them (docs/pathway-facts.md "Eleventh pass: the neurological emergencies and malignancy left").
``raw_decision.decide`` adds a current prescription to a 19-day lumbar radiculopathy and decides a lumbar MRI
ordered on 2026-03-11: R1 (defer) without a flag. PATHWAY.md §3 malignancy (major), infection
(immunosuppression); §2 "wherever the chart holds it".
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import decide

from app.pathway.model import RedFlag

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def prescription(text: str | None = None, code: str | None = None) -> dict[str, Any]:
    """An active prescription begun on 2026-01-05, by ingredient code and/or by its product's text."""
    concept: dict[str, Any] = {}
    if code is not None:
        concept["coding"] = [{"system": RXNORM, "code": code}]
    if text is not None:
        concept["text"] = text
    return {"resourceType": "MedicationRequest", "id": "rx", "status": "active", "intent": "order",
            "authoredOn": "2026-01-05", "medicationCodeableConcept": concept}


@pytest.mark.parametrize("resource", [
    prescription(code="1369713"), prescription("Pomalyst 4 MG Oral Capsule"),    # pomalidomide
    prescription(code="1302966"), prescription("Kyprolis 60 MG injection"),      # carfilzomib
    prescription(code="1721947"), prescription("daratumumab 20 MG/ML"),          # daratumumab
    prescription(code="1723735"), prescription("Ninlaro 4 mg"),                  # ixazomib
    prescription(code="10432"), prescription("thalidomide 50 MG Oral Capsule"),
    prescription(code="1726104"),                                                # elotuzumab
    prescription(code="1442981"), prescription("Imbruvica 420 mg tablet"),       # ibrutinib (CLL)
    prescription(code="974779"),                                                 # obinutuzumab
])
def test_r8_a_myeloma_or_lymphoma_drug_is_a_cancer(resource: dict[str, Any]) -> None:
    """§3 malignancy (major): only a plasma cell or B-cell cancer is treated so; lenalidomide and bortezomib
    already counted (eighth pass), the rest of a myeloma regimen was deferred (R1)."""
    decision = decide(resource)

    assert RedFlag.MALIGNANCY_MAJOR in decision.facts.red_flags
    assert decision.rules[0] == "R8"


@pytest.mark.parametrize("resource", [
    prescription(code="191831"), prescription("Remicade 100 MG Injection"), prescription("Inflectra"),
    prescription(code="214555"), prescription("Enbrel 50 MG/ML Prefilled Syringe"),
    prescription(code="121191"), prescription("rituximab 10 MG/ML"),
    prescription(code="612865"), prescription("Actemra 162 mg/0.9 mL"),
    prescription(code="614391"), prescription("Orencia 125 MG/ML"),
    prescription(code="3002"), prescription("cyclophosphamide 50 MG Oral Tablet"),
])
def test_r7_a_current_biologic_or_cytotoxic_immunosuppressant_is_immunosuppression(resource: dict[str, Any]
                                                                                     ) -> None:
    """§3 infection "immunosuppression": a TNF inhibitor, anti-CD20, IL-6 or co-stimulation blocker, or
    cyclophosphamide, as adalimumab and methotrexate already were (ninth pass). It was R1."""
    decision = decide(resource)

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert decision.rules[0] == "R7"


def test_r1_a_biologic_stopped_long_ago_is_no_immunosuppression() -> None:
    """"Current" as for the other immunosuppressants: a course ended more than 180 days before the order."""
    stopped = {**prescription("Remicade 100 MG Injection"), "status": "completed", "authoredOn": "2024-01-05"}

    assert decide(stopped).rules[0] == "R1"

"""Red flags as real EHR exports record them, parsed from raw FHIR JSON as the hooks parse it (PATHWAY.md §2
"Where a finding is read", §3): each shape below was once read as nothing, and a 19-day lumbar radiculopathy
with it was deferred (R1). ``raw_decision.decide`` adds the resource to that chart and decides a lumbar MRI
ordered on 2026-03-11.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import RedFlag
from app.terminology import ICD10CM

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def resolved_retention(**abatement: Any) -> dict[str, Any]:
    """A urinary retention (R33.9) that began last year and is resolved, with the given abatement."""
    return {"resourceType": "Condition", "id": "retention", "code": coded(ICD10CM, "R33.9"),
            "clinicalStatus": coded(CLINICAL, "resolved"), "onsetDateTime": "2025-01-01", **abatement}


@pytest.mark.parametrize("abatement", [
    {"abatementPeriod": {"start": "2026-03-06"}},  # abated since five days ago, the period left open
    {"abatementPeriod": {"start": "2026-03-01", "end": "2026-03-06"}},
    {"abatementPeriod": {}},  # abated, when not written: "date not recorded"
])
def test_a_retention_abated_within_30_days_by_an_abatement_period_is_a_cauda_equina_sign(
    abatement: dict[str, Any]
) -> None:
    """§2: a resolved CES finding counts when it ended within 30 days, or its end has no date."""
    decision = decide(resolved_retention(**abatement))

    assert RedFlag.CES in decision.facts.red_flags
    assert decision.rules[0] == "R5"


def test_a_retention_abated_long_ago_by_an_abatement_period_is_not() -> None:
    decision = decide(resolved_retention(abatementPeriod={"start": "2025-02-01"}))

    assert RedFlag.CES not in decision.facts.red_flags
    assert decision.rules == ("R1",)

"""Haematological malignancies as problem lists abbreviate them (PATHWAY.md §3 malignancy major, R8; §2
"wherever the chart holds it"; docs/pathway-facts.md "Eleventh pass: the neurological emergencies and
malignancy left"). ``raw_decision.decide`` decides a lumbar MRI ordered on 2026-03-11 for a 40-year-old man
with a 19-day radiculopathy: R1 (defer) when nothing raises a flag."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import decide

from app.pathway.facts_cancer_words import cancer_in_words
from app.pathway.model import RedFlag


def problem(text: str) -> dict[str, Any]:
    """A free-text problem-list entry begun in 2024, as Oracle Health exports one."""
    return {"resourceType": "Condition", "id": "ca", "code": {"text": text}, "onsetDateTime": "2024-05-01"}


@pytest.mark.parametrize("text", [
    "MM on Revlimid", "MM", "Hx of MM, s/p ASCT", "IgG kappa MM",
    "MGUS", "IgA MGUS", "Monoclonal gammopathy of undetermined significance", "Smoldering myeloma", "AML",
])
def test_r8_multiple_myeloma_abbreviated_and_mgus_in_words(text: str) -> None:
    """"MM" in capitals is a problem list's multiple myeloma; MGUS, the myeloma precursor, counts in words as
    its code D47.2 has since the eighth pass. "MM on Revlimid" and "MGUS" were deferred (R1)."""
    decision = decide(problem(text))

    assert RedFlag.MALIGNANCY_MAJOR in decision.facts.red_flags
    assert decision.rules[0] == "R8"


@pytest.mark.parametrize("text", [
    "Disc protrusion 5 MM", "L4-5 HNP 6 mm", "BP 150/90 MM HG", "Onset date: MM/DD/YYYY", "MM: pink, moist",
    "No MGUS", "Family hx MM", "MMR vaccine", "mm",
])
def test_a_measure_a_date_template_or_a_denial_names_no_myeloma(text: str) -> None:
    assert cancer_in_words(text) is None

"""The twelfth pass's infection flags typed in words (docs/pathway-facts.md "Twelfth pass: infection and
malignancy typed in words") through the real app and SEKMET: the same rule by prefetch and by the service's
own FHIR fallback (PATHWAY.md invariant 4) — a visit's typed reason by the encounters search, a problem's
note and a free-text problem by the unfiltered Conditions search, an exam row's prose by the exam-category
findings search, a prescription's note by the medications search. Each chart is a 40-year-old with a 19-day
lumbar radiculopathy and a lumbar MRI order: R1 (defer) without the finding.
"""

from __future__ import annotations

from typing import Any

import pytest
from chart_both_ways import first_rule_beside_sciatica
from typed_places import ON, ONSET, exam_prose, prescription_note, problem, problem_note, visit

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


SHAPES: dict[str, tuple[Any, str, str]] = {
    "visit-fever": (visit, "Back pain, fevers to 39C at home", "R7"),
    "problem-note-tmax": (problem_note, "Febrile overnight, Tmax 39.1.", "R7"),
    "exam-prose-temperature": (exam_prose, "Ill appearing. T 101.4, HR 112.", "R7"),
    "problem-immunosuppressed": (problem, "Immunosuppressed (s/p renal transplant)", "R7"),
    "prescription-note-chemo": (prescription_note, "Pt currently on chemo for lymphoma.", "R7"),
    "visit-fever-denied": (visit, "Back pain. Denies fevers/chills.", "R1"),
    "exam-prose-afebrile": (exam_prose, "Afebrile, T 98.6, well appearing.", "R1"),
}


@pytest.mark.parametrize("shape", list(SHAPES))
async def test_an_infection_flag_typed_in_words_is_read_by_prefetch_and_by_fallback(cds: Any, shape: str
                                                                                    ) -> None:
    pid = f"typed12-{shape}"
    make, words, rule = SHAPES[shape]
    chart = make(pid, words)
    assert await first_rule_beside_sciatica(cds, pid, chart, onset=ONSET, on=ON.isoformat()) == rule

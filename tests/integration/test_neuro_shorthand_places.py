"""The twelfth pass's neurological shorthand (docs/pathway-facts.md "Twelfth pass: the neurological red flags
as clinicians type them") through the real app and SEKMET: the same rule by prefetch and by the service's
own FHIR fallback (PATHWAY.md invariant 4) — a free-text problem and a problem's note by the conditions
search, an exam row's prose by the exam-category findings search, a typed chief complaint by the encounters
search, a referral's note by the service-requests search. Each chart is a 40-year-old with a 19-day lumbar
radiculopathy and a lumbar MRI order: R1 (defer) without the finding.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from chart_both_ways import first_rule_beside_sciatica
from typed_places import ON, ONSET, chief_complaint, problem, problem_note, referral_note
from typed_places import exam_prose as any_exam_prose

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
exam_prose = partial(any_exam_prose, row="Neuro exam")


SHAPES: dict[str, tuple[Any, str, str]] = {
    "problem-b-b-incontinence": (problem, "B/B incontinence", "R5"),
    "note-query-ces": (problem_note, "?CES, sent to ED", "R5"),
    "exam-decreased-rectal-tone": (exam_prose, "↓ rectal tone, saddle paresthesias", "R5"),
    "complaint-bilateral-leg-weakness": (chief_complaint, "bilat LE weakness x2d", "R5"),
    "referral-progressive-weakness": (referral_note, "Progressive LLE weakness, please see this week", "R6"),
    "exam-residual-volume": (exam_prose, "PVR 600 after voiding", "R5"),
    "exam-dorsiflexor-grade": (exam_prose, "Strength: L DF 2/5, EHL 3/5", "R6"),
    "complaint-not-ruled-out": (chief_complaint, "Back pain, cauda equina syndrome not ruled out", "R5"),
    "note-denied": (problem_note, "Denies B/B incontinence. CES precautions reviewed.", "R1"),
}


@pytest.mark.parametrize("shape", list(SHAPES))
async def test_a_neurological_red_flag_in_shorthand_is_read_by_prefetch_and_by_fallback(cds: Any, shape: str
                                                                                        ) -> None:
    pid = f"neuro12-{shape}"
    make, words, rule = SHAPES[shape]
    shape_resources = make(pid, words)
    assert await first_rule_beside_sciatica(cds, pid, shape_resources, onset=ONSET, on=ON.isoformat()) == rule

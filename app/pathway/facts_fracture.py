"""Fracture risk (PATHWAY.md §3) recorded where no diagnosis code says it: a vertebroplasty or kyphoplasty
treats a vertebral fracture, a DXA T-score of -2.5 or lower is osteoporosis (the WHO definition), and a
bisphosphonate or denosumab treats it (or another bone at risk: Paget disease, metastases). The coded
fracture-risk findings (osteoporosis, a vertebral fracture code, a fall) are read with the other red flags
in ``facts_flags``, long-term steroids there too; the same in words, ``facts_fracture_words``. PURE."""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.chart.model import ObservationView
from app.pathway.facts_answers import observation_void
from app.pathway.facts_common import (
    Context,
    coded_observations,
    dated,
    shown_name,
    treating_drugs,
    treating_procedures,
)
from app.pathway.facts_dates import possibly_by
from app.pathway.facts_fracture_rows import named_bone_density
from app.pathway.model import Evidence, Finding, RedFlag, State

__all__ = ["fracture_risks"]

# WHO (Technical Report Series 843, 1994): osteoporosis is a T-score at or below -2.5. A value below -10 is
# no T-score (a "-999" not-measured placeholder), and is not read.
_OSTEOPOROTIC_T_SCORE = -2.5
_LOWEST_T_SCORE = -10.0
# A T-score sent as text: signed (a hyphen, the minus sign or an en dash as reports print it), perhaps a
# bound ("<-3.0"), perhaps with "SD" or "T-score" after it.
_T_SCORE_TEXT = re.compile(
    r"\s*([<>]=?)?\s*([-\u2212\u2013]?\d{1,2}(?:[.,]\d{1,3})?)\s*(?:sd|\{?t-?score\}?)?\s*", re.IGNORECASE)


def fracture_risks(ctx: Context) -> Iterator[tuple[RedFlag, Evidence]]:
    """§3 fracture risk shown by a procedure, a measurement or a drug rather than by a coded finding."""
    augmentations = treating_procedures(ctx, "vertebral_augmentation", Finding.VERTEBRAL_FRACTURE)
    # §3 "osteoporosis" as its treatment, whatever its age or status: a bisphosphonate stopped after five
    # years leaves the bone it treated (docs/pathway-facts.md "Ninth pass: fracture risk and trauma").
    drugs = treating_drugs(ctx, "osteoporosis_drug", Finding.OSTEOPOROSIS_DRUG)
    found = (*augmentations, *_t_scores(ctx), *named_bone_density(ctx), *drugs)
    yield from ((RedFlag.FRACTURE_RISK, evidence) for evidence in found)


def _t_scores(ctx: Context) -> Iterator[Evidence]:
    """§3 "osteoporosis": a DXA T-score (``dxa_t_score``: lumbar spine, hip or femur, forearm) of -2.5 or
    lower, as a number or as text ("-2.7"), or written as a bound below it ("<-3.0"), not void and not
    dated after the order; whatever its age, as an osteoporosis diagnosis counts whatever its status (a
    treated patient's better score later does not remove the fracture risk: docs/pathway-facts.md seventh
    and ninth passes). Undated counts ("date not recorded")."""
    for o, coding in coded_observations(ctx, "dxa_t_score"):
        if observation_void(o) or not possibly_by(o.effective, ctx.order_date):
            continue
        score = _t_score(o)
        if score is not None and _LOWEST_T_SCORE <= score <= _OSTEOPOROTIC_T_SCORE:
            state = State.FOUND if o.effective is not None else State.DATE_NOT_RECORDED
            yield Evidence(Finding.DXA_T_SCORE, o.reference, dated(o.effective), coding, value=score,
                           name=shown_name(o.text or coding.display), state=state)


def _t_score(observation: ObservationView) -> float | None:
    """The T-score as a number (valueQuantity, valueInteger) or as text; a lower bound (">-3.0") may lie
    above the limit and is no score, an upper bound ("<-3.0") is its value."""
    if observation.value is not None:
        return observation.value
    found = _T_SCORE_TEXT.fullmatch(observation.value_string or "")
    if found is None or (found.group(1) or "").startswith(">"):
        return None
    return float(found.group(2).replace(",", ".").replace("\u2212", "-").replace("\u2013", "-"))

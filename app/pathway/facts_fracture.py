"""Fracture risk (PATHWAY.md §3) recorded as a procedure: a vertebroplasty or kyphoplasty treats a vertebral
fracture. The coded fracture-risk findings (osteoporosis, a vertebral fracture code) are read with the other
red flags in ``facts_flags``; long-term steroids there too. PURE."""

from __future__ import annotations

from collections.abc import Iterator

from app.pathway.facts_common import Context, treating_procedures
from app.pathway.model import Evidence, Finding, RedFlag

__all__ = ["augmentations"]


def augmentations(ctx: Context) -> Iterator[tuple[RedFlag, Evidence]]:
    """§3 "a vertebral fracture": a vertebroplasty or kyphoplasty Procedure (``vertebral_augmentation``)
    treats one, so it is read as that fracture whatever its age, as an active fracture code is: done or in
    progress by the order date, or planned (``preparation``) for any day: the fracture it is booked to
    treat is there now, and the card gives no date for it (docs/pathway-facts.md seventh pass)."""
    found = treating_procedures(ctx, "vertebral_augmentation", Finding.VERTEBRAL_FRACTURE)
    yield from ((RedFlag.FRACTURE_RISK, evidence) for evidence in found)

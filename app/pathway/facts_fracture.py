"""Fracture risk (PATHWAY.md §3) recorded as a procedure: a vertebroplasty or kyphoplasty treats a vertebral
fracture. The coded fracture-risk findings (osteoporosis, a vertebral fracture code) are read with the other
red flags in ``facts_flags``; long-term steroids there too. PURE."""

from __future__ import annotations

from collections.abc import Iterator

from app.pathway.facts_common import Context, dated, member, possibly_by, shown_name
from app.pathway.model import Evidence, Finding, RedFlag

__all__ = ["augmentations"]

# A vertebral augmentation not done, or recorded in error, shows no fracture; a planned one does.
_VOID = frozenset({"entered-in-error", "not-done"})


def augmentations(ctx: Context) -> Iterator[tuple[RedFlag, Evidence]]:
    """§3 "a vertebral fracture": a vertebroplasty or kyphoplasty Procedure (``vertebral_augmentation``)
    treats one, so it is read as that fracture whatever its age, as an active fracture code is: done or in
    progress by the order date, or planned (``preparation``) for any day: the fracture it is booked to
    treat is there now, and the card gives no date for it (docs/pathway-facts.md seventh pass)."""
    for p in ctx.chart.procedures:
        coding = member(ctx.vs, "vertebral_augmentation", p.codings)
        by_order = possibly_by(p.performed, ctx.order_date)
        if coding is None or p.status in _VOID or not (by_order or p.status == "preparation"):
            continue
        on = dated(p.performed) if by_order else None
        name = shown_name(coding.display or p.text)
        yield RedFlag.FRACTURE_RISK, Evidence(Finding.VERTEBRAL_FRACTURE, p.reference, on, coding, name=name)

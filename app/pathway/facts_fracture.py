"""Fracture risk (PATHWAY.md §3) recorded as a procedure: a vertebroplasty or kyphoplasty treats a vertebral
fracture. The coded fracture-risk findings (osteoporosis, a vertebral fracture code) are read with the other
red flags in ``facts_flags``; long-term steroids there too. PURE."""

from __future__ import annotations

from collections.abc import Iterator

from app.pathway.facts_common import Context, dated, member, possibly_by
from app.pathway.model import Evidence, Finding, RedFlag

__all__ = ["augmentations"]

# A vertebral augmentation not done, or recorded in error, shows no fracture; a planned one does.
_VOID = frozenset({"entered-in-error", "not-done"})


def augmentations(ctx: Context) -> Iterator[tuple[RedFlag, Evidence]]:
    """§3 "a vertebral fracture": a vertebroplasty or kyphoplasty Procedure (``vertebral_augmentation``)
    treats one, so it is read as that fracture whatever its date, as an active fracture code is; done, in
    progress or planned, by the order date (docs/pathway-facts.md seventh pass: fracture risk)."""
    for p in ctx.chart.procedures:
        coding = member(ctx.vs, "vertebral_augmentation", p.codings)
        if coding is None or p.status in _VOID or not possibly_by(p.performed, ctx.order_date):
            continue
        name = " ".join((coding.display or p.text or "").split()) or None
        yield RedFlag.FRACTURE_RISK, Evidence(Finding.VERTEBRAL_FRACTURE, p.reference, dated(p.performed),
                                              coding, name=name)

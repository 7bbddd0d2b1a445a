"""order-sign with several spine orders (CONTRACT.md order-sign): the decisions of one call, read together.

PURE. Each order is decided alone (``decide_order``); this only looks at what one click would do beside the
call's other drafts. A one-click update turns a draft into an MRI of its region (R13's "replace CT with
MRI", R16/R17's contrast swaps, PATHWAY.md §5); when another draft of the same call already orders that
very study — a lumbar CT signed beside a lumbar MRI without contrast — the click would order it twice.
Removing the draft is then the one click that does the right thing, so the update is offered as a delete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from app.pathway.model import ORDER_UPDATES, Advice, Contrast, Decision, Modality, Region, SuggestionKind

Study = tuple[Region, Modality, Contrast]


def without_duplicate_studies(decisions: Sequence[Decision]) -> list[Decision]:
    """``decisions`` (one per draft order of a call, in order) with every update that would repeat
    another draft's study turned into the removal of its own draft."""
    studies = [_study(decision) for decision in decisions]
    return [
        _removing_repeats(decision, {s for j, s in enumerate(studies) if j != i and s is not None})
        for i, decision in enumerate(decisions)
    ]


def _study(decision: Decision) -> Study | None:
    order = decision.order
    if order is None or order.region is None or order.modality is None or order.contrast is None:
        return None
    return order.region, order.modality, order.contrast


def _removing_repeats(decision: Decision, others: set[Study]) -> Decision:
    region = decision.order.region if decision.order is not None else None
    if region is None or not others:
        return decision
    advices = tuple(_advice(advice, region, others) for advice in decision.advices)
    return decision if advices == decision.advices else replace(decision, advices=advices)


def _advice(advice: Advice, region: Region, others: set[Study]) -> Advice:
    kinds: list[SuggestionKind] = []
    for kind in advice.suggestions:
        target = ORDER_UPDATES.get(kind)
        if target is not None and (region, *target) in others:
            kind = SuggestionKind.DELETE_ORDER
        if kind not in kinds:
            kinds.append(kind)
    return advice if tuple(kinds) == advice.suggestions else replace(advice, suggestions=tuple(kinds))

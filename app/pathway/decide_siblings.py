"""The call's other draft orders, read beside one order's decision (CONTRACT.md order-select, order-sign).

PURE. Each order is decided alone (``decide_order``); this only looks at what one click would do beside the
call's other drafts. A one-click update turns a draft into an MRI of its region (R13's "replace CT with
MRI", R16/R17's contrast swaps, PATHWAY.md §5); when another draft of the same call — signed with it, or
an earlier unsigned one of the session at order-select — already orders that very study (a lumbar CT beside
a lumbar MRI without contrast), the click would order it twice. Removing the draft is then the one click
that does the right thing, so the update is offered as a delete.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from app.pathway.model import (
    ORDER_UPDATES,
    Advice,
    Contrast,
    Decision,
    Modality,
    OrderFacts,
    Region,
    SuggestionKind,
)

Study = tuple[Region, Modality, Contrast]


def studies(orders: Iterable[OrderFacts | None]) -> frozenset[Study]:
    """The studies ``orders`` (the call's other spine drafts, classified) order."""
    found = set()
    for order in orders:
        if order is not None and order.region and order.modality and order.contrast:
            found.add((order.region, order.modality, order.contrast))
    return frozenset(found)


def without_repeated_studies(decision: Decision, others: frozenset[Study]) -> Decision:
    """``decision`` with every update that would repeat one of ``others`` turned into the removal of its
    own draft."""
    region = decision.order.region if decision.order is not None else None
    if region is None or not others:
        return decision
    advices = tuple(_advice(advice, region, others) for advice in decision.advices)
    return decision if advices == decision.advices else replace(decision, advices=advices)


def _advice(advice: Advice, region: Region, others: frozenset[Study]) -> Advice:
    kinds: list[SuggestionKind] = []
    for kind in advice.suggestions:
        target = ORDER_UPDATES.get(kind)
        if target is not None and (region, *target) in others:
            kind = SuggestionKind.DELETE_ORDER
        if kind not in kinds:
            kinds.append(kind)
    return advice if tuple(kinds) == advice.suggestions else replace(advice, suggestions=tuple(kinds))

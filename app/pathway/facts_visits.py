"""Visits that carried a diagnosis (PATHWAY.md §2 onset: "or the first encounter carrying the diagnosis").

An Epic encounter diagnosis often has no onset, and a problem list's recordedDate may be a later
reconciliation: the first visit whose ``diagnosis`` or ``reasonReference`` names a Condition, or that the
Condition names as its ``encounter``, shows the day by which its symptoms had begun. The chart's visits are
indexed once per call, however many diagnoses ask (``facts_episode``). PURE.
"""

from __future__ import annotations

from typing import cast

from app.chart.dates import FhirDate
from app.chart.model import ConditionView
from app.pathway.facts_common import Context

# A visit that did not take place carried no diagnosis.
VOID_VISIT = frozenset({"planned", "cancelled", "entered-in-error"})


def first_visit(ctx: Context, condition: ConditionView) -> FhirDate | None:
    """PATHWAY.md §2 "(or the first encounter carrying the diagnosis)": the start of the earliest visit
    whose ``diagnosis`` or ``reasonReference`` names the Condition, or that the Condition names as its
    ``encounter`` — an Epic encounter diagnosis often has no onset, and its recordedDate may be a later
    reconciliation. The chart's visits are indexed once per call (``_visit_index``)."""
    found = first_visit_record(ctx, condition)
    return found[0] if found is not None else None


def first_visit_record(ctx: Context, condition: ConditionView) -> tuple[FhirDate, str] | None:
    """``first_visit`` with that visit's reference, which a card names when the visit dates the episode
    before the diagnosis's written onset."""
    carried, starts = _visit_index(ctx)
    visits = [carried.get(_plain(condition.reference))]
    if condition.encounter is not None:
        kind, _, visit_id = _plain(condition.encounter).partition("/")
        visits.append(starts.get(visit_id) if kind == "Encounter" else None)
    return min((visit for visit in visits if visit is not None), key=lambda visit: visit[0].value,
               default=None)


_Visit = tuple[FhirDate, str]
_VisitIndex = tuple[dict[str, _Visit], dict[str, _Visit]]


def _visit_index(ctx: Context) -> _VisitIndex:
    """Each Condition a visit carried (its ``diagnosis`` or ``reasonReference``) with the start (and
    reference) of the earliest such visit, and each visit's start by its id; a planned, cancelled or
    entered-in-error visit carried nothing. Kept on the call's ``Context``: one walk of the visits, however
    many diagnoses ask."""
    found = ctx.memo.get(_VISIT_INDEX)
    if found is None:
        carried: dict[str, _Visit] = {}
        starts: dict[str, _Visit] = {}
        for visit in ctx.chart.encounters:
            start = visit.start
            if start is None or visit.status in VOID_VISIT:
                continue
            if visit.id not in starts or start.value < starts[visit.id][0].value:
                starts[visit.id] = (start, visit.reference)
            for reference in (*visit.diagnoses, *visit.reason_references):
                key = _plain(reference)
                if key not in carried or start.value < carried[key][0].value:
                    carried[key] = (start, visit.reference)
        found = ctx.memo[_VISIT_INDEX] = (carried, starts)
    return cast(_VisitIndex, found)


_VISIT_INDEX = ("facts_episode.visit_index",)


def _plain(reference: str) -> str:
    """``Type/id`` of a literal reference, relative, absolute, or with ``/_history/n``."""
    if reference.count("/") == 1:
        return reference
    return "/".join(reference.split("/_history/", 1)[0].rsplit("/", 2)[-2:])

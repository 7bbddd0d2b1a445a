"""Immunosuppression (PATHWAY.md §3 infection) recorded as its drug: a current systemic immunosuppressant —
a transplant recipient's tacrolimus or mycophenolate, a rheumatology patient's methotrexate or adalimumab
— on the medication list is immunosuppression, as its ICD-10-CM code (Z79.6x long-term immunosuppressant
use) already is. PURE.

Data compromises (docs/pathway-facts.md "Ninth pass: infection"): §3 names immunosuppression by its codes
and gives no drug list; reading the drug is reading the same fact where the chart records it (§2), on the
safe side — the flag asks for an urgent MRI, never a defer. "Current": a prescription or statement still
active (or on hold), or one whose course (its end, else its start) reached into the last
``episode_gap_days`` — the immune system takes months to recover from most of these — or an undated one
("date not recorded": removing a date never makes the answer less safe, invariant 6). A drug given locally
(a cyclosporine eye emulsion, a tacrolimus ointment: ``given_locally``) is no immunosuppression."""

from __future__ import annotations

from collections.abc import Iterator

from app.chart.model import MedicationView
from app.pathway.facts_common import (
    Context,
    by_code_or_name,
    dated,
    drug_name,
    given_locally,
    last_day,
    possibly_by,
)
from app.pathway.model import Evidence, Finding, RedFlag, State

__all__ = ["immunosuppressants"]

_CURRENT = frozenset({"active", "on-hold"})


def immunosuppressants(ctx: Context) -> Iterator[tuple[RedFlag, Evidence]]:
    """§3 infection (immunosuppression): a current systemic immunosuppressant, begun by the order date."""
    for m in ctx.chart.medications:
        if not m.taken or not possibly_by(m.start, ctx.order_date) or not _current(ctx, m):
            continue
        coding = by_code_or_name(ctx.vs, "immunosuppressant", m.codings, (m.text,))
        if coding is not None and not given_locally(ctx, m):
            state = State.FOUND if m.start is not None else State.DATE_NOT_RECORDED
            evidence = Evidence(Finding.IMMUNOSUPPRESSION, m.reference, dated(m.start), coding, state=state,
                                name=drug_name(m, coding))
            yield RedFlag.INFECTION, evidence


def _current(ctx: Context, m: MedicationView) -> bool:
    """Still taken at the order date, or taken within ``episode_gap_days`` before it, or undated."""
    last = m.end or m.start
    if m.status in _CURRENT or last is None:
        return True
    return last_day(last) >= ctx.days_before(ctx.policy.episode_gap_days)

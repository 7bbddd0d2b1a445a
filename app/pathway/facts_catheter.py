"""A urinary catheter inserted in the episode with no reason stated: the new urinary retention of
PATHWAY.md §3 cauda equina (R5), as a procedure list records it (eleventh pass). PURE.

A straight catheterisation (CPT 51701, "straight cath"), a Foley (CPT 51702/51703) or a catheterisation of
the bladder (SNOMED CT 410024004), by code or by the procedure's name (``urinary_catheterisation.json``),
done by the order date and on or after the episode's first day (new: §3 "new urinary retention"), or
undated ("date not recorded": removing a date never makes the answer less safe, invariant 6). Not void,
not not-done, not merely planned. A catheterisation whose reason is stated is read by its reason only
(``facts_findings``: "for urinary retention" is R5; for an operation or for monitoring, nothing), and a
removal, a change, a suprapubic or a self-catheterisation (a chronic retention's) is none.

Data compromise (docs/pathway-facts.md "Eleventh pass"): a catheter is placed for many reasons (an
operation, monitoring the urine output); with no reason recorded, in the weeks of a radicular pain, the
safe side is to read it as retention — the price is an emergency card for a Foley of an operation whose
reason the chart left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from app.chart.model import ProcedureView
from app.pathway.facts_common import Context, by_code_or_name, dated, shown_name
from app.pathway.facts_dates import last_day, possibly_by
from app.pathway.model import Evidence, Finding, RedFlag, State
from app.terminology import SNOMED, Coding

__all__ = ["catheterisations"]

_NOT_DONE = frozenset({"entered-in-error", "not-done", "preparation"})
# A catheter taken out, changed or cared for, a chronic one (suprapubic, self-catheterisation), or one
# not placed: none of these is a new retention.
_NOT_AN_INSERTION = re.compile(
    r"\b(?:remov\w*|discontinu\w*|d/?c'?d?|change\w*|exchange\w*|replace\w*|care|teaching|educat\w*|flush\w*"
    r"|irrigat\w*|suprapubic|self|intermittent|chronic|long[- ]?term|check\w*|declined|refused|not\s+done"
    r"|cancel+ed)\b", re.IGNORECASE)
_RETENTION = Coding(SNOMED, "267064002")  # retention (ces.json): shown in the chart's words


def catheterisations(ctx: Context, episode_start: date | None) -> Iterator[tuple[RedFlag, Evidence]]:
    """§3 CES: each urinary catheterisation with no stated reason, new in the episode (from
    ``episode_start``, else ``episode_gap_days`` before the order), by the order date or undated."""
    start = episode_start or ctx.days_before(ctx.policy.episode_gap_days)
    for p in ctx.chart.procedures:
        if p.status in _NOT_DONE or p.reason_codings or p.reason_texts or p.reason_references:
            continue
        if p.performed is not None and (not possibly_by(p.performed, ctx.order_date)
                                        or last_day(p.performed) < start):
            continue
        name = _catheter(ctx, p)
        if name is not None:
            state = State.FOUND if p.performed is not None else State.DATE_NOT_RECORDED
            shown = _RETENTION._replace(display=name)
            yield RedFlag.CES, Evidence(Finding.CES, p.reference, dated(p.performed), shown,
                                        state=state, name=shown_name(name))


def _catheter(ctx: Context, p: ProcedureView) -> str | None:
    """The procedure's name when it is a catheter's insertion (by code or name), else None."""
    found = by_code_or_name(ctx.vs, "urinary_catheterisation", p.codings, (p.text,))
    if found is None:
        return None
    names = [t for t in (p.text, *(c.display for c in p.codings)) if t]
    if any(_NOT_AN_INSERTION.search(t) for t in names):
        return None
    if names:
        return names[0]
    # A code sent without a display is shown by the value set's display for it.
    members = ctx.vs.get("urinary_catheterisation").members
    return next((m.coding.display for m in members if m.coding.code == found.code), found.code)

"""High-energy trauma (PATHWAY.md §1: out of scope, R28 — those patients follow trauma imaging criteria).

Read where a red flag is read (§2 "Where a finding is read": a Condition of any category, an Observation, a
visit's or another order's reason, the order's own reason), by the external-cause code of the mechanism
(``high_energy_trauma.json``); never from words (a crash written "MVC" is fracture risk,
``facts_fracture_words``). PURE.

Scope silences every card, red-flag cards included (§1 v2: only age and high-energy trauma keep an order
out of scope despite a red flag), so the trauma counts only when it is certainly recent — the rule for
evidence that supports a conclusion (docs/pathway-facts.md §1): its whole date within
``conservative_care_days`` (six weeks) before the order, the span in which this pathway could otherwise
defer imaging of pain the trauma caused. An undated or older trauma is not the episode's cause as far as
the chart shows, and must never silence a red flag.
"""

from __future__ import annotations

from app.pathway.facts_common import Context
from app.pathway.facts_dates import certainly_within
from app.pathway.facts_findings import findings

__all__ = ["recent_high_energy_trauma"]

_CONCEPTS = ("high_energy_trauma",)


def recent_high_energy_trauma(ctx: Context) -> bool:
    """True when a high-energy mechanism is recorded, dated wholly within the six weeks before the order
    (the order's own reason is dated the order date). Undated, partial across the limit, or older: False."""
    earliest = ctx.days_before(ctx.policy.conservative_care_days)
    return any(certainly_within(statement.on, earliest, ctx.order_date)
               for statement, _ in findings(ctx, _CONCEPTS))

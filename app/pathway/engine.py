"""The pathway's two entry points: chart (+ draft order) → Decision. PURE: ``today`` is passed in.

Handlers call these and nothing else of ``app.pathway`` (STYLE.md habit 2): classify the order (is it spine
imaging at all?), extract the facts (``facts.py``), decide (``decide.py``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from app.chart.model import Chart, ServiceRequestView
from app.pathway.decide import decide_order, decide_patient
from app.pathway.facts import classify_order, extract_facts, order_imaging
from app.pathway.model import Decision
from app.pathway.policy import Policy
from app.terminology import ValueSets

__all__ = ["evaluate_order", "evaluate_patient", "is_spine_imaging"]


def is_spine_imaging(order_view: ServiceRequestView, vs: ValueSets) -> bool:
    """PATHWAY.md §1: only spine imaging orders are ours — by code, else by name (``order_imaging``); the
    sandbox's first PAMA call carries an empty code: not ours, so nothing need be read."""
    return order_imaging(order_view, vs) is not None


def evaluate_order(
    chart: Chart, order_view: ServiceRequestView, today: date, policy: Policy, vs: ValueSets,
    siblings: tuple[ServiceRequestView, ...] = (),
) -> Decision | None:
    """PATHWAY.md §1 order hooks: None when the draft order is not spine imaging (no card, no rating).
    ``siblings``: the call's other draft orders (order-sign signs them together), read as the chart's
    other ServiceRequests are (§2 v2: a finding stated as the reason for another ServiceRequest) — a
    cauda equina stated on the urology referral or the cervical MRI signed beside a lumbar MRI is a red
    flag for that lumbar MRI too, never a "no red flags" defer beside a critical card."""
    order = classify_order(order_view, today, vs)
    if order is None:
        return None
    chart = with_draft_orders(chart, tuple(s for s in siblings if s is not order_view))
    return decide_order(extract_facts(chart, order, today, policy, vs), order, policy)


def with_draft_orders(chart: Chart, drafts: tuple[ServiceRequestView, ...]) -> Chart:
    """The chart with the call's other draft orders beside its ServiceRequests. A draft is never care
    (care counts active or completed requests) nor a completed procedure: only its reasons are read."""
    if not drafts:
        return chart
    return replace(chart, service_requests=(*chart.service_requests, *drafts))


def evaluate_patient(chart: Chart, today: date, policy: Policy, vs: ValueSets) -> Decision | None:
    """PATHWAY.md §1 patient-view: None unless an active qualifying diagnosis."""
    return decide_patient(extract_facts(chart, None, today, policy, vs), policy)

"""Which draft orders of a call are rated, as EHRs really name them (PATHWAY.md §1, invariant 7).

- order-select rates the ``selections``; order-sign every ServiceRequest of ``draftOrders``.
- A selection is matched as ``ServiceRequest/<id>`` (the hook's form, ``ord-1``), and also as a bare id,
  an absolute or versioned URL of the order, or the entry's ``fullUrl`` (a draft order may have no id
  yet): a form slip must not leave a cauda equina order unrated. Selections none of which names an order
  of ``draftOrders`` are a malformed request (400), not a silent "no card".
- The same order twice in ``draftOrders`` (same type and id) is rated once: two PAMA updates of one
  resource would make the EHR apply two conflicting edits.
- Every draft of the call is read for the reasons it states, selected or not: order-select's
  unselected drafts too (``Drafts`` in handlers.py), and draft MedicationRequests (``draft_prescriptions``).
- A draft order whose ``subject`` names another patient than ``context.patientId`` makes the request
  inconsistent (400): rating it against this patient's chart would advise on the wrong patient. Also when
  it names her as a ``urn:uuid:`` of another patient's Patient entry in ``draftOrders``, or by another
  MRN of a system her prefetched Patient is known under (eleventh pass: before, rated as hers).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from app.chart.references import reference_key
from app.fhir.identity import Aliases, names_another_patient

Resource = Mapping[str, Any]


class InconsistentOrders(ValueError):
    """The draft orders contradict the rest of the context; the message names the field, never an id."""


def orders_to_rate(entries: Sequence[Mapping[str, Any]], patient_id: str,
                   selections: Sequence[str] | None, aliases: Aliases | None = None) -> list[Resource]:
    """The ServiceRequests to rate, in the EHR's order; ``selections`` ``None`` (order-sign): all of them.
    ``aliases``: ``app.fhir.identity.owner_aliases`` of the draft orders and the prefetched Patient."""
    resources = [(e, e["resource"]) for e in entries if isinstance(e.get("resource"), dict)]
    if any(names_another_patient(resource, patient_id, aliases) for _, resource in resources):
        raise InconsistentOrders("context.draftOrders: an order's subject is another patient than "
                                 "context.patientId")
    if selections is not None:
        resources = _selected(resources, selections)
    return _once([r for _, r in resources if r.get("resourceType") == "ServiceRequest"])


def draft_prescriptions(entries: Sequence[Mapping[str, Any]]) -> list[Resource]:
    """The draft MedicationRequests (a tamsulosin for retention states a cauda equina sign); the owner
    check of ``orders_to_rate`` has already run over every entry."""
    resources = (e.get("resource") for e in entries)
    return [r for r in resources if isinstance(r, dict) and r.get("resourceType") == "MedicationRequest"]


def _selected(resources: list[tuple[Mapping[str, Any], Resource]], selections: Sequence[str]
              ) -> list[tuple[Mapping[str, Any], Resource]]:
    wanted = {reference_key(selection) for selection in selections}
    chosen = [(e, r) for e, r in resources if wanted & set(_names(e, r))]
    if selections and not chosen:
        raise InconsistentOrders("context.selections: none names an order of context.draftOrders "
                                 "(expected 'ServiceRequest/<id>' of a draft order)")
    return chosen


def _names(entry: Mapping[str, Any], resource: Resource) -> Iterable[str]:
    """Every way a selection may name this draft order."""
    order_id = resource.get("id")
    if isinstance(order_id, str) and order_id:
        yield f"{resource.get('resourceType')}/{order_id}"
        yield order_id
    full_url = entry.get("fullUrl")
    if isinstance(full_url, str) and full_url:
        yield full_url.strip()
        yield reference_key(full_url)


def _once(orders: list[Resource]) -> list[Resource]:
    """The first of each ``ServiceRequest/<id>``; orders without an id are all kept."""
    seen: set[str] = set()
    kept = []
    for order in orders:
        order_id = order.get("id")
        if isinstance(order_id, str) and order_id:
            if order_id in seen:
                continue
            seen.add(order_id)
        kept.append(order)
    return kept

"""FHIR resources → the chart the pathway reads (``app.chart.model.Chart``): each resource parsed into its
view (``app.fhir.parse``), repeats dropped, a malformed one skipped and counted, never fatal — and said: its
category is "could not check", since what it held is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from app.chart.model import (
    Chart,
    ChartCategory,
    ConditionView,
    EncounterView,
    ImagingView,
    MedicationView,
    ObservationView,
    PatientView,
    ProcedureView,
    ServiceRequestView,
)
from app.fhir.bundles import KeyData, deduplicate
from app.fhir.parse import medication_key, parse_resource
from app.fhir.view_error import ViewError


def build_chart(data: Mapping[str, KeyData], unavailable: Iterable[ChartCategory] = (),
                patient_id: str | None = None) -> Chart:
    """Parse every resource into its view; a malformed one is skipped and counted, never fatal, and its
    category is named unavailable (``_category_of``).

    ``unavailable``: the chart categories that could not be read; with ``patient_id`` only that Patient
    can be the chart's patient (invariant 7)."""
    views: list[object] = []
    unread: set[ChartCategory] = set()
    skipped = 0
    unique = deduplicate(r for kd in data.values() for r in kd.resources)
    resources = unique.resources
    unread.update(_CATEGORIES[kind] for kind in unique.conflicting if kind in _CATEGORIES)
    products = _products(resources)
    for resource in resources:
        try:
            view = parse_resource(resource, products)
        except ViewError:
            skipped += 1
            unread.update(_category_of(resource))
            continue
        if view is not None:
            views.append(view)
    if any(map(_drug_unnamed, views)):
        unread.add(ChartCategory.MEDICATIONS)
    return _assemble(views, skipped, frozenset((*unavailable, *unread)), patient_id)


# What a skipped resource of each type could have held. Not the Patient: without one the chart has no
# patient, which the pathway already says (age unknown), and a stray malformed one is no one's age.
_CATEGORIES = {"Condition": ChartCategory.CONDITIONS, "Observation": ChartCategory.OBSERVATIONS,
               "Procedure": ChartCategory.PROCEDURES, "MedicationRequest": ChartCategory.MEDICATIONS,
               "MedicationStatement": ChartCategory.MEDICATIONS, "Encounter": ChartCategory.VISITS,
               "ImagingStudy": ChartCategory.IMAGING, "DiagnosticReport": ChartCategory.REPORTS,
               "ServiceRequest": ChartCategory.ORDERS}


# A record merged into another (``PatientView.replaced_by``): every search ran for this id, so whatever the
# clinic filed under the survivor since the merge — a cauda equina among it — was not read ("could not
# check", never "no red flag on record"). Records naming the survivor that are here are read as hers
# (``app.fhir.identity``: a linked id is hers), but nothing says they are all.
_MERGED_AWAY = frozenset(_CATEGORIES.values())


def _category_of(resource: object) -> tuple[ChartCategory, ...]:
    """The category a malformed resource leaves unread: skipped and counted, it is also said ("could not
    check"), since a Condition exported without an id may be the cauda equina a defer would stand on."""
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    category = _CATEGORIES.get(kind) if isinstance(kind, str) else None
    return (category,) if category is not None else ()


def _drug_unnamed(view: object) -> bool:
    """A prescription whose drug has neither a code nor a name: an external ``Medication/x`` reference
    without a display whose Medication the chart does not hold. It may be a steroid or an NSAID, so the
    medications were not read ("could not check"), never "none on record"."""
    return isinstance(view, MedicationView) and not view.codings and view.text is None and view.taken


def _products(resources: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The Medication resources of the chart by ``Medication/<id>``: the drug an external
    ``medicationReference`` names (US Core: contained or external; an included search entry)."""
    return {medication_key(f"Medication/{r.get('id')}"): r for r in resources
            if r.get("resourceType") == "Medication" and isinstance(r.get("id"), str)}


def _with_components(observations: list[ObservationView]) -> Iterator[ObservationView]:
    """Each panel followed by its items, so every reader of ``Chart.observations`` sees both."""
    for observation in observations:
        yield observation
        yield from observation.components


_VIEW_KINDS = (PatientView, ConditionView, ObservationView, ProcedureView, MedicationView, ImagingView,
               ServiceRequestView, EncounterView)


def _assemble(
    views: list[object], skipped: int, unavailable: frozenset[ChartCategory], patient_id: str | None
) -> Chart:
    """Sort the views by kind in one pass (``parse_resource`` returns exactly these classes)."""
    by_kind: dict[type, list[Any]] = {kind: [] for kind in _VIEW_KINDS}
    for view in views:
        by_kind[type(view)].append(view)
    patients = [p for p in by_kind[PatientView] if patient_id is None or p.id == patient_id]
    # A report's text that could not be decoded (invalid base64) is skipped and counted, and said as a
    # malformed report is ("could not check"): it may have held the red flag (eleventh pass).
    forms = sum(view.unread_forms for view in by_kind[ImagingView])
    patient = patients[0] if patients else None
    if patient is not None and patient.replaced_by is not None:
        unavailable |= _MERGED_AWAY
    return Chart(
        patient=patient,
        conditions=tuple(by_kind[ConditionView]),
        observations=tuple(_with_components(by_kind[ObservationView])),
        procedures=tuple(by_kind[ProcedureView]),
        medications=tuple(by_kind[MedicationView]),
        imaging=tuple(by_kind[ImagingView]),
        service_requests=tuple(by_kind[ServiceRequestView]),
        encounters=tuple(by_kind[EncounterView]),
        skipped=skipped + forms,
        unavailable=unavailable | {ChartCategory.REPORTS} if forms else unavailable,
    )

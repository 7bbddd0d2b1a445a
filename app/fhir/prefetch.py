"""Resolve the chart for one hook call: prefetch per key, the EHR's FHIR server for what is missing.

CONTRACT.md P4–P8 and §3.2: a key present with a resource or Bundle is used; ``null`` means "no data";
a missing key is fetched (when a ``fetcher`` is available); OperationOutcome entries inside a Bundle
(``search.mode: outcome``, Epic's empty search) are set aside and noted, never parsed as data.
Incomplete Bundles (a ``next`` link, or ``total`` above the entries) are completed by the fetcher.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.fhir.templates import KEY_CATEGORIES, PREFETCH_TEMPLATES
from app.fhir.views import (
    Chart,
    ConditionView,
    ImagingView,
    MedicationView,
    ObservationView,
    PatientView,
    ProcedureView,
    ServiceRequestView,
    ViewError,
    parse_resource,
)


@dataclass(frozen=True, slots=True)
class DataRequest:
    """What the hook call tells us about where the data is. ``access_token`` is transient (R6)."""

    patient_id: str
    fhir_server: str | None = None
    access_token: str | None = field(default=None, repr=False)
    prefetch: Mapping[str, Any] | None = None
    tokens: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class KeyData:
    """The resources found for one prefetch key, or why there are none."""

    resources: tuple[Mapping[str, Any], ...] = ()
    outcomes: int = 0
    failed: str | None = None


class Fetcher(Protocol):
    """The fallback seam (``app.fhir.client``): fetch whole keys, or the rest of a truncated Bundle."""

    async def fetch(self, request: DataRequest, queries: Mapping[str, str]) -> Mapping[str, KeyData]: ...

    async def complete(self, request: DataRequest, bundles: Mapping[str, Mapping[str, Any]]
                       ) -> Mapping[str, KeyData]: ...


@dataclass(frozen=True, slots=True)
class ResolvedChart:
    chart: Chart
    from_prefetch: tuple[str, ...] = ()
    fetched: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def is_outcome_entry(entry: Mapping[str, Any]) -> bool:
    resource = entry.get("resource")
    search = entry.get("search")
    mode = search.get("mode") if isinstance(search, dict) else None
    return mode == "outcome" or (isinstance(resource, dict) and resource.get("resourceType") == "OperationOutcome")


def read_prefetch_value(value: Any) -> KeyData:
    """One prefetch value: ``None`` → no data; a Bundle → its entries; a resource → itself (P4, P5)."""
    if value is None:
        return KeyData()
    if not isinstance(value, dict):
        return KeyData(failed="prefetch value is not a JSON object")
    if value.get("resourceType") == "OperationOutcome":
        return KeyData(outcomes=1)
    if value.get("resourceType") != "Bundle":
        return KeyData(resources=(value,))
    entries = [e for e in value.get("entry") or [] if isinstance(e, dict)]
    outcomes = sum(1 for e in entries if is_outcome_entry(e))
    resources = tuple(e["resource"] for e in entries if not is_outcome_entry(e) and isinstance(e.get("resource"), dict))
    return KeyData(resources=resources, outcomes=outcomes)


def is_truncated(bundle: Mapping[str, Any]) -> bool:
    """P7 and the sandbox's 76-conditions-in-20-entries: a ``next`` link or ``total`` above the entries."""
    links = bundle.get("link") if isinstance(bundle.get("link"), list) else []
    if any(isinstance(link, dict) and link.get("relation") == "next" for link in links):
        return True
    total, entries = bundle.get("total"), bundle.get("entry")
    data_entries = [e for e in entries or [] if isinstance(e, dict) and not is_outcome_entry(e)]
    return isinstance(total, int) and total > len(data_entries)


async def resolve(request: DataRequest, fetcher: Fetcher | None) -> ResolvedChart:
    """Prefetch first, then one concurrent round of fetches for missing keys and truncated Bundles."""
    prefetch = request.prefetch or {}
    present = {key: read_prefetch_value(prefetch[key]) for key in PREFETCH_TEMPLATES if key in prefetch}
    missing = {key: q for key, q in PREFETCH_TEMPLATES.items() if key not in prefetch}
    truncated = {key: prefetch[key] for key in present if _truncated_bundle(prefetch[key])}
    fetched: dict[str, KeyData] = {}
    if fetcher is not None and (missing or truncated):
        fetched = dict(await fetcher.fetch(request, missing)) if missing else {}
        fetched.update(await fetcher.complete(request, truncated) if truncated else {})
    data = {**present, **fetched}
    failed = {key: "no prefetch and no FHIR server to ask" for key in missing if key not in fetched}
    failed.update({key: kd.failed for key, kd in data.items() if kd.failed})
    return ResolvedChart(
        chart=build_chart(data, failed),
        from_prefetch=tuple(sorted(k for k in present if k not in fetched)),
        fetched=tuple(sorted(k for k in fetched if not fetched[k].failed)),
        failed=tuple(sorted(failed)),
        notes=tuple(_notes(data, failed)),
    )


def _truncated_bundle(value: Any) -> bool:
    return isinstance(value, dict) and value.get("resourceType") == "Bundle" and is_truncated(value)


def _notes(data: Mapping[str, KeyData], failed: Mapping[str, str]) -> Iterable[str]:
    for key, kd in sorted(data.items()):
        if kd.outcomes:
            yield f"{key}: {kd.outcomes} OperationOutcome entr{'y' if kd.outcomes == 1 else 'ies'} set aside"
    for key, why in sorted(failed.items()):
        yield f"{key}: {why}"


def build_chart(data: Mapping[str, KeyData], failed: Mapping[str, str]) -> Chart:
    """Parse every resource into its view; a malformed one is skipped and counted, never fatal."""
    views: list[object] = []
    skipped = 0
    for resource in _unique(kd.resources for kd in data.values()):
        try:
            view = parse_resource(resource)
        except ViewError:
            skipped += 1
            continue
        if view is not None:
            views.append(view)
    unavailable = frozenset(KEY_CATEGORIES[key] for key in failed if key in KEY_CATEGORIES)
    return _assemble(views, skipped, unavailable)


def _unique(groups: Iterable[Sequence[Mapping[str, Any]]]) -> list[Mapping[str, Any]]:
    """Drop repeats of the same resource (pages overlap; prefetch and fetch may both hold it)."""
    seen: dict[tuple[object, object], Mapping[str, Any]] = {}
    anonymous: list[Mapping[str, Any]] = []
    for resource in (r for group in groups for r in group):
        key = (resource.get("resourceType"), resource.get("id"))
        if key[1] is None:
            anonymous.append(resource)
        else:
            seen.setdefault(key, resource)
    return [*seen.values(), *anonymous]


def _assemble(views: list[object], skipped: int, unavailable: frozenset[str]) -> Chart:
    def of(kind: type[Any]) -> tuple[Any, ...]:
        return tuple(v for v in views if isinstance(v, kind))

    patients = of(PatientView)
    return Chart(
        patient=patients[0] if patients else None,
        conditions=of(ConditionView),
        observations=of(ObservationView),
        procedures=of(ProcedureView),
        medications=of(MedicationView),
        imaging=of(ImagingView),
        service_requests=of(ServiceRequestView),
        skipped=skipped,
        unavailable=unavailable,
    )

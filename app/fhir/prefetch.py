"""Resolve the chart for one hook call: prefetch per key, the EHR's FHIR server for what is missing.

CONTRACT.md P4-P8 and §3.2, per prefetch key:

- a resource or a complete Bundle is used as is; ``null`` means "no data" (P4);
- OperationOutcome entries inside a Bundle (``search.mode: outcome``, Epic's empty search) are set aside
  and noted, never parsed as data (P5);
- a missing key is fetched; so is a key the client reported as failed (a bare OperationOutcome, or a
  Bundle holding only error outcomes) or sent as something that is not a JSON object — reading an
  error report as "no conditions" would hide red flags;
- a truncated Bundle (a ``next`` link, or ``total`` above its entries: the sandbox's 76 conditions in 20
  entries) is completed by the fetcher; what cannot be completed is used and marked *incomplete*.

Everything here is pure apart from the one ``await`` on the fetcher (``app.fhir.fetcher``), so every rule
is tested without a network. Keys that fail or stay incomplete name their category in
``Chart.unavailable``: the cards say what could not be checked.

Patient identity (PATHWAY.md invariant 7, ``app.fhir.identity``) is checked on the raw resources of every
key, prefetched or fetched: a key holding another patient's resources is not used (fetched again when a
FHIR server is at hand), a stray Patient never becomes the patient, and ``Chart.unavailable`` then names
``OTHER_PATIENT`` so the evaluation says the data was inconsistent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field, replace
from typing import Any, Protocol
from urllib.parse import quote

from prometheus_client import CollectorRegistry

from app.chart.model import Chart
from app.fhir.bundles import FetchJob, KeyData, read_prefetch_value, strays, truncated_bundle
from app.fhir.chart_builder import build_chart
from app.fhir.identity import Aliases, check_key, owner_aliases, search_refusal
from app.fhir.scopes import filtered, uncovered
from app.fhir.templates import KEY_CATEGORIES, OTHER_PATIENT, PREFETCH_TEMPLATES, fill_template
from app.immutable import immutable
from app.metrics import REGISTRY, counter

_NOT_ASKED = ("the access token is another patient's (fhirAuthorization.patient): "
              "the FHIR server was not asked")
_ONLY_OTHER_PATIENT = "holds only another patient's Patient; the key is not this patient's"


@immutable
class DataRequest:
    """What the hook call tells us about where the data is. ``access_token`` is transient (R6).

    ``allowed_servers``: when the caller's trust entry lists FHIR servers, the fetcher calls only servers
    on both that list and ``FHIR_SERVER_ALLOWLIST`` (a client can narrow the allow-list, never widen it).

    ``other_patient_token``: the access token was issued for another patient than ``patient_id``
    (``fhirAuthorization.patient``). The FHIR server is then never asked: a server that scopes searches to
    the token's patient would answer "none on record" for this one, or the other patient's data
    (PATHWAY.md invariant 7). What the prefetch gives is used; the rest is "could not check".
    """

    patient_id: str
    fhir_server: str | None = None
    access_token: str | None = field(default=None, repr=False)
    prefetch: Mapping[str, Any] | None = None
    tokens: Mapping[str, str] = field(default_factory=dict)
    allowed_servers: tuple[str, ...] | None = None
    other_patient_token: bool = False  # fhirAuthorization.patient is another patient: never fetch with it
    scope: str | None = None  # fhirAuthorization.scope: a type it does not cover is not fetched


class Fetcher(Protocol):
    """The fallback seam (``app.fhir.fetcher.FhirFetcher``): all jobs of one hook call at once, in one budget.

    Must return a ``KeyData`` per job key and never raise for a FHIR server's failure.
    """

    async def fetch(self, request: DataRequest, jobs: Sequence[FetchJob]) -> Mapping[str, KeyData]: ...


@immutable
class ResolvedChart:
    chart: Chart
    from_prefetch: tuple[str, ...] = ()
    fetched: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    incomplete: tuple[str, ...] = ()
    foreign: tuple[str, ...] = ()  # keys in which resources of another patient were found
    foreign_resources: int = 0


@immutable
class Plan:
    """What prefetch gave and what is left to fetch; ``refetch_why``: why a present key is asked again;
    ``foreign``: per key, the resources of another patient the prefetch held."""

    present: Mapping[str, KeyData]
    jobs: tuple[FetchJob, ...]
    refetch_why: Mapping[str, str]
    unfillable: Mapping[str, str]
    patient_id: str = ""
    foreign: Mapping[str, int] = field(default_factory=dict)
    aliases: Aliases = field(default_factory=dict)  # urn fullUrls of the prefetch's Patients (identity)
    filtered: Mapping[str, str] = field(default_factory=dict)  # jobs the token's scope may filter: why


# --- planning, merging, summarising (pure) -----------------------------------------------------------


def guard(key: str, data: KeyData, patient_id: str, aliases: Aliases | None = None) -> KeyData:
    """PATHWAY.md invariant 7 on one key's raw resources (``app.fhir.identity.check_key``).

    A key holding nothing but a Patient of another id is unusable too: read as "no conditions" it would
    hide the patient's own red flags (a stray Patient beside this patient's resources is only set aside)."""
    if data.failed is not None or not data.resources:
        return data
    check = check_key(key, data.resources, patient_id, aliases)
    if check.partial is not None:  # hers beside another patient's: hers are read, the key is not whole
        return KeyData(check.kept, data.outcomes, None, _joined(data.incomplete, check.partial),
                       data.foreign + check.foreign)
    if check.refused is not None:
        return KeyData(outcomes=data.outcomes, failed=check.refused, foreign=check.foreign)
    if not check.foreign:
        return data
    if not check.kept:  # only a stray Patient of another id: the search was not this patient's
        return KeyData(outcomes=data.outcomes, failed=_ONLY_OTHER_PATIENT, foreign=check.foreign)
    return KeyData(check.kept, data.outcomes, None, data.incomplete, data.foreign + check.foreign,
                   data.included)


def _joined(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second


def plan(request: DataRequest) -> Plan:
    """Sort every templated key into: usable prefetch, a fetch job, or a template we cannot fill.

    A query is filled only for a key that needs fetching: a complete prefetch (the usual call) fills none.
    Longer than ten lines because each key takes one of five paths, kept side by side.
    """
    prefetch = request.prefetch or {}
    query = _QueryFiller(request.tokens)
    present: dict[str, KeyData] = {}
    jobs: list[FetchJob] = []
    refetch_why: dict[str, str] = {}
    unfillable: dict[str, str] = {}
    foreign: dict[str, int] = {}
    aliases = owner_aliases(prefetch.values(), request.patient_id)
    for key, template in PREFETCH_TEMPLATES.items():
        read = _read(key, prefetch[key], request.patient_id, aliases) if key in prefetch else None
        if read is not None and read.foreign:
            foreign[key] = read.foreign
        if read is not None and read.failed is None:
            present[key] = read
            if read.incomplete is None and not truncated_bundle(prefetch[key], read):
                continue
            filled = query(template)
            if filled is not None:
                jobs.append(FetchJob(key, filled, partial=prefetch[key]))
            else:
                present[key] = _incomplete(read, "truncated prefetch Bundle; its query cannot be filled")
        elif (filled := query(template)) is None:
            unfillable[key] = "no usable prefetch, and the template has no value for one of its tokens"
        else:
            jobs.append(FetchJob(key, filled))
            if read is not None:
                refetch_why[key] = str(read.failed)
    kept = _within_scope(request.scope, jobs, present, unfillable)
    refetch_why = {key: why for key, why in refetch_why.items() if key not in unfillable}
    narrowed = {job.key: why for job in kept if (why := filtered(request.scope, job.query)) is not None}
    return Plan(present, kept, refetch_why, unfillable, request.patient_id, foreign, aliases, narrowed)


def _within_scope(scope: str | None, jobs: list[FetchJob], present: dict[str, KeyData],
                  unfillable: dict[str, str]) -> tuple[FetchJob, ...]:
    """The jobs the token's scope allows (``app.fhir.scopes``); the others say why they were not run."""
    kept = []
    for job in jobs:
        why = uncovered(scope, job.query) if scope else None
        if why is None:
            kept.append(job)
        elif job.partial is not None:
            present[job.key] = _incomplete(present[job.key], f"truncated prefetch Bundle; {why}")
        else:
            unfillable[job.key] = why
    return tuple(kept)


def _read(key: str, value: Any, patient_id: str, aliases: Aliases) -> KeyData:
    """One prefetch value, checked for identity (invariant 7): its search's ``self`` link, then its
    resources. A search for another patient counts as at least one resource of another patient, so the
    evaluation says the data was inconsistent even when the search found nothing."""
    read = read_prefetch_value(value)
    refusal = search_refusal(value, patient_id)
    if refusal is None:
        return _of_its_type(key, value, guard(key, read, patient_id, aliases))
    foreign = max(1, len(read.resources)) if refusal.another_patient else 0
    return KeyData(outcomes=read.outcomes, failed=refusal.why, foreign=foreign)


# The type each key searches (``Patient/{{…}}``, ``Condition?…``), and the types the chart is read from.
_KEY_TYPES = {key: template.split("?")[0].split("/")[0] for key, template in PREFETCH_TEMPLATES.items()}
_CHART_TYPES = frozenset(_KEY_TYPES.values()) - {"Patient"}
_SEARCH_KEYS = frozenset(key for key, template in PREFETCH_TEMPLATES.items() if "?" in template)


def _of_its_type(key: str, value: Any, read: KeyData) -> KeyData:
    """A key whose matches include resources of another chart type did not answer its own search
    (``app.fhir.bundles.strays``): its resources are read, and it is *incomplete* — fetched again, else
    "could not check" (a ``medications`` key filled with MedicationStatements holds no prescriptions)."""
    if read.failed is not None or read.incomplete is not None:
        return read
    found = strays(value, _KEY_TYPES[key], _CHART_TYPES)
    if not found:
        return _one_resource(key, value, _none_of_its_type(key, read))
    why = f"holds {found} resource{'' if found == 1 else 's'} of another type than {_KEY_TYPES[key]}"
    return replace(read, incomplete=why)


def _one_resource(key: str, value: Any, read: KeyData) -> KeyData:
    """A search key (``Condition?patient=…``) holding one bare resource of its type, not the search's
    Bundle: the client ran a read, or sent one record, and the rest of the search is unknown — read as
    the whole problem list, the one radiculopathy let R1 defer. *Incomplete*: fetched again, else
    "could not check" (CONTRACT.md P6: what the client sends is what the template returns)."""
    if key not in _SEARCH_KEYS or read.incomplete is not None or not isinstance(value, dict) \
            or value.get("resourceType") != _KEY_TYPES[key]:
        return read
    return replace(read, incomplete=f"holds one {_KEY_TYPES[key]}, not the search's Bundle")


def _none_of_its_type(key: str, read: KeyData) -> KeyData:
    """A key holding resources yet none of the type it searches — only the patient's own Patient (an
    analyst's ``Patient/{{context.patientId}}`` under ``encounters``), a Practitioner, a Medication — did
    not answer its search: read as "no visits on record" it let a defer stand. *Incomplete*, as a stray
    type is. Costs one look at the first resource in the usual key."""
    expected = _KEY_TYPES[key]
    if not read.resources or any(r.get("resourceType") == expected for r in read.resources):
        return read
    return replace(read, incomplete=f"holds no {expected}, only resources of other types")


class _QueryFiller:
    """A template's query with the call's tokens URL-quoted (once, on first use), or ``None`` when one of
    its tokens has no value."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        self._tokens = tokens
        self._quoted: dict[str, str] | None = None

    def __call__(self, template: str) -> str | None:
        if self._quoted is None:
            self._quoted = {name: quote(value, safe="") for name, value in self._tokens.items()}
        try:
            return fill_template(template, self._quoted)
        except KeyError:
            return None


def _incomplete(data: KeyData, why: str) -> KeyData:
    return KeyData(data.resources, data.outcomes, None, why)


def merge(planned: Plan, fetched: Mapping[str, KeyData], *, fetcher_available: bool,
          not_asked: str | None = None) -> dict[str, KeyData]:
    """Combine prefetch with what was fetched: a partial Bundle keeps its page even if paging failed.
    ``not_asked``: why the FHIR server was not asked at all (``DataRequest.other_patient_token``)."""
    data = dict(planned.present)
    for job in planned.jobs:
        got = fetched.get(job.key)
        if got is None:
            why = not_asked or _not_fetched_reason(job, fetcher_available, planned.refetch_why.get(job.key))
            got = KeyData(failed=why)
        got = guard(job.key, got, planned.patient_id, planned.aliases)
        got = _narrowed(got, planned.filtered.get(job.key))
        data[job.key] = _complete(data[job.key], got) if job.partial is not None else got
    for key, why in planned.unfillable.items():
        data[key] = KeyData(failed=why)
    return data


def _narrowed(data: KeyData, why: str | None) -> KeyData:
    """A fetched key the token's scope may have filtered (``app.fhir.scopes.filtered``) is incomplete:
    an empty answer is not "none on record" (PATHWAY.md invariant 6)."""
    if why is None or data.failed is not None or data.incomplete is not None:
        return data
    return replace(data, incomplete=why)


def _not_fetched_reason(job: FetchJob, fetcher_available: bool, refused: str | None = None) -> str:
    if fetcher_available:
        return "the fetcher returned nothing for this key"
    if job.partial is not None:
        return "prefetch Bundle is incomplete and there is no FHIR server to fetch the rest from"
    if refused is not None:
        return f"prefetch {refused}, and there is no FHIR server to ask"
    return "not in prefetch and no FHIR server to ask"


def _complete(page: KeyData, rest: KeyData) -> KeyData:
    resources = (*page.resources, *rest.resources)
    outcomes = page.outcomes + rest.outcomes
    why = rest.failed or rest.incomplete
    page_why = page.incomplete or "truncated prefetch Bundle"  # what made the page short, said as it was
    incomplete = f"{page_why}; not completed: {why}" if why else None
    return KeyData(resources, outcomes, None, incomplete, page.foreign + rest.foreign)


async def resolve(request: DataRequest, fetcher: Fetcher | None,
                  registry: CollectorRegistry = REGISTRY) -> ResolvedChart:
    """Prefetch first, then one concurrent round (one time budget) for every missing or truncated key."""
    planned = plan(request)
    fetched: Mapping[str, KeyData] = {}
    refused = request.other_patient_token and bool(planned.jobs)
    if fetcher is not None and planned.jobs and not refused:
        fetched = await fetcher.fetch(request, planned.jobs)
    data = merge(planned, fetched, fetcher_available=fetcher is not None and not refused,
                 not_asked=_NOT_ASKED if refused else None)
    resolved = summarize(planned, data, fetched, inconsistent=refused)
    if resolved.foreign:
        _count_foreign(registry, _foreign_counts(planned, data))
    return resolved


def _count_foreign(registry: CollectorRegistry, counts: Mapping[str, int]) -> None:
    """Prometheus: resources of another patient set aside, by key (no ids: invariant 7)."""
    foreign = counter("spine_cds_other_patient_resources",
                      "Resources naming another patient than context.patientId, set aside", ["key"], registry)
    for key, count in counts.items():
        foreign.labels(key=key).inc(count)


def summarize(planned: Plan, data: Mapping[str, KeyData], fetched: Mapping[str, KeyData], *,
              inconsistent: bool = False) -> ResolvedChart:
    """``inconsistent``: the call itself named another patient (its token), whatever the data held."""
    failed = {key: str(kd.failed) for key, kd in data.items() if kd.failed}
    incomplete = {key: str(kd.incomplete) for key, kd in data.items() if kd.incomplete}
    got = {key for key, kd in fetched.items() if key in data and not kd.failed and not data[key].failed}
    foreign = _foreign_counts(planned, data)
    unread = (KEY_CATEGORIES[key] for key in (*failed, *incomplete) if key in KEY_CATEGORIES)
    unavailable = {*unread, *([OTHER_PATIENT] if foreign or inconsistent else [])}
    return ResolvedChart(
        chart=build_chart(data, unavailable, planned.patient_id or None),
        from_prefetch=tuple(sorted(k for k in planned.present if k not in got)),
        fetched=tuple(sorted(got)),
        failed=tuple(sorted(failed)),
        notes=tuple(_notes(data, planned.refetch_why, foreign)),
        incomplete=tuple(sorted(incomplete)),
        foreign=tuple(sorted(foreign)),
        foreign_resources=sum(foreign.values()),
    )


def _foreign_counts(planned: Plan, data: Mapping[str, KeyData]) -> dict[str, int]:
    """Per key, the resources of another patient seen in prefetch or in the fetched answer."""
    counts = dict(planned.foreign)
    for key, kd in data.items():
        seen_in_prefetch = planned.foreign.get(key, 0) if key in planned.present else 0
        if kd.foreign > seen_in_prefetch:
            counts[key] = counts.get(key, 0) + kd.foreign - seen_in_prefetch
    return {key: count for key, count in counts.items() if count}


def _notes(data: Mapping[str, KeyData], refetch_why: Mapping[str, str],
           foreign: Mapping[str, int]) -> Iterable[str]:
    for key, count in sorted(foreign.items()):
        yield f"{key}: {count} resource{'' if count == 1 else 's'} of another patient set aside"
    for key, kd in sorted(data.items()):
        if kd.outcomes:
            yield f"{key}: {kd.outcomes} OperationOutcome entr{'y' if kd.outcomes == 1 else 'ies'} set aside"
        if key in refetch_why:
            yield f"{key}: prefetch not used ({refetch_why[key]}), fetched instead"
        if kd.failed:
            yield f"{key}: {kd.failed}"
        if kd.incomplete:
            yield f"{key}: incomplete ({kd.incomplete})"



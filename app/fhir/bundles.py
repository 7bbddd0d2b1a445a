"""One prefetch key's data as read from the FHIR JSON a hook call or a FHIR server sends: a Bundle's
resources and OperationOutcome entries (CONTRACT.md P4, P5), whether the Bundle is truncated (P7), and the
shapes the fallback fetch shares with prefetch resolution (``KeyData``, ``FetchJob``).

The bottom of the data-access room: ``app.fhir.prefetch`` (resolution), ``app.fhir.chart_builder`` and the
fetcher's modules stand on it, and it imports none of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import orjson

from app.fhir.statuses import is_subsetted
from app.immutable import immutable

Resource = Mapping[str, Any]
_ERROR_SEVERITIES = frozenset({"error", "fatal"})


@immutable
class KeyData:
    """The resources found for one key; ``failed`` (nothing usable) or ``incomplete`` say why not all."""

    resources: tuple[Resource, ...] = ()
    outcomes: int = 0
    failed: str | None = None
    incomplete: str | None = None
    foreign: int = 0  # resources of another patient set aside (PATHWAY.md invariant 7)
    included: int = 0  # of ``resources``, entries a search added (``search.mode`` include), not matches


@immutable
class FetchJob:
    """One key for the fetcher: run ``query`` (relative, tokens filled), or finish the ``partial`` Bundle.

    For a partial Bundle the fetcher follows its ``next`` link, or runs ``query`` again when there is no
    usable link; it returns only what it fetched, and ``resolve`` merges it with the prefetched page.
    """

    key: str
    query: str
    partial: Resource | None = None


# --- reading one prefetch value ----------------------------------------------------------------------


def _mode(entry: Mapping[str, Any]) -> object:
    search = entry.get("search")
    return search.get("mode") if isinstance(search, dict) else None


def is_outcome_entry(entry: Mapping[str, Any]) -> bool:
    """An OperationOutcome entry, or one marked ``search.mode`` outcome with no other resource: a Condition
    marked outcome is still a Condition (it was set aside unread, and counted as an outcome)."""
    resource = entry.get("resource")
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    return kind == "OperationOutcome" or (_mode(entry) == "outcome" and not isinstance(kind, str))


def _is_match(entry: Mapping[str, Any]) -> bool:
    """An entry ``total`` counts: not an outcome, and not a resource the search only added
    (``search.mode`` include: a Medication beside its MedicationRequests, FHIR R4 §3.1.1.5.4)."""
    return not is_outcome_entry(entry) and _mode(entry) != "include"


def _entries(bundle: Resource) -> list[Mapping[str, Any]]:
    entries = bundle.get("entry")
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def read_prefetch_value(value: Any) -> KeyData:
    """One prefetch value: ``None`` → no data; a Bundle → its entries; a resource → itself (P4, P5).

    ``{}`` or any object without a ``resourceType`` is not a resource: read as data it would say "no
    conditions", so the key is unusable (fetched again) like a value that is not an object."""
    if value is None:
        return KeyData()
    if not isinstance(value, dict):
        return KeyData(failed="prefetch value is not a JSON object")
    kind = value.get("resourceType")
    if kind == "OperationOutcome":
        return KeyData(outcomes=1, failed=_CLIENT_ERROR)
    if kind == "Bundle":
        return _read_bundle(value, nested=True)
    if not isinstance(kind, str) or not kind:
        return KeyData(failed="not a FHIR resource (no resourceType)")
    return KeyData(resources=(value,), incomplete=_lacking(0, 0, subsetted=is_subsetted(value)))


_CLIENT_ERROR = "the CDS client reported an error for this key"


def _read_bundle(bundle: Resource, *, nested: bool) -> KeyData:
    """A Bundle's resources and outcomes in one pass (a Synthea-sized chart has a thousand entries).

    Besides a searchset, a client may pass on the batch-response of its own prefetch searches: an entry
    whose resource is a searchset Bundle is read as part of this key (one level deep: ``nested``), and
    an entry with no resource — ``fullUrl`` or ``response`` only, an error status, a ``resource`` that is
    null, ``{}`` or no object — is data this key lacks. With nothing else the key is unusable; beside
    resources it makes the key *incomplete* (and fetched again), never a silent "none on record". So does
    an error OperationOutcome beside results (the search failed in part)."""
    if bundle.get("entry") is not None and not isinstance(bundle.get("entry"), list):
        return KeyData(failed="Bundle.entry is not an array")  # unreadable, not an empty search
    outcomes: list[Mapping[str, Any]] = []
    found: list[Resource] = []
    included = errors = missing = inner_outcomes = 0
    subsetted = int(is_subsetted(bundle))
    for entry in _entries(bundle):  # longer than ten lines: one pass, each entry shape side by side
        resource = entry.get("resource")
        if is_outcome_entry(entry):
            outcomes.append(entry)
        elif isinstance(resource, dict) and resource.get("resourceType") == "Bundle":
            inner = _read_bundle(resource, nested=False) if nested else KeyData(failed="nested too deep")
            found.extend(inner.resources)
            included += inner.included
            inner_outcomes += inner.outcomes
            errors += inner.failed is not None
            missing += inner.incomplete is not None or is_truncated(resource)
        elif isinstance(resource, dict) and _is_resource(resource):
            found.append(resource)
            included += _mode(entry) == "include"
            subsetted += "meta" in resource and is_subsetted(resource)
        elif "resource" in entry:  # null, a string, {}: an entry whose resource cannot be read
            missing += 1
        elif "request" not in entry:  # a transaction's DELETE is no data
            errors += _error_status(entry)
            missing += not _error_status(entry)
    count = len(outcomes) + inner_outcomes
    reported = sum(1 for e in outcomes if _is_error(e.get("resource")))
    withheld = sum(1 for e in outcomes if _says_withheld(e.get("resource")))
    if not found and (errors or reported):
        return KeyData(outcomes=count, failed=_CLIENT_ERROR)
    if not found and missing:
        return KeyData(outcomes=count, failed="the Bundle's entries carry no resources")
    return KeyData(resources=tuple(found), outcomes=count,
                   incomplete=_lacking(errors + missing, reported, withheld, subsetted), included=included)


def _is_resource(value: Mapping[str, Any]) -> bool:
    """A JSON object naming its type: ``{}`` or ``{"id": …}`` alone is no resource anyone can read."""
    kind = value.get("resourceType")
    return isinstance(kind, str) and bool(kind)


def _lacking(entries: int, reported: int, withheld: int = 0, subsetted: int = 0) -> str | None:
    """Why a Bundle is not the whole answer: entries without a readable resource, an error
    OperationOutcome beside the results (a search that failed in part, P5), an outcome saying data was
    withheld (``_says_withheld``), or the Bundle or its records labelled SUBSETTED or REDACTED
    (``is_subsetted``): "none found" in what it did return is not "none on record"."""
    why = [f"{entries} Bundle entries without their resource"] if entries else []
    if reported:
        why.append(f"{reported} error OperationOutcome{'' if reported == 1 else 's'} beside the results")
    if withheld:
        why.append("the FHIR server says more data may exist (OperationOutcome)")
    if subsetted:
        why.append("the FHIR server marked the results SUBSETTED or REDACTED (parts of the records left out)")
    return "; ".join(why) or None


def strays(value: Any, expected: str, chart_types: frozenset[str]) -> int:
    """How many of a prefetch value's matches are of a chart type (``chart_types``) other than the
    ``expected`` type its key searches: a key an analyst typed by hand with another search (Epic reads no
    discovery), or two keys swapped. They are this patient's data and are read; but the key's own search
    was not answered, so "none found" in it is not "none on record". Included entries (``search.mode``
    include) are what a search may add; a Patient is the identity guard's. Inner searchsets of a
    batch-response are looked into, as ``_read_bundle`` reads them."""
    if not isinstance(value, dict) or value.get("resourceType") != "Bundle":
        return int(_stray(value, expected, chart_types))
    found = 0
    for entry in _entries(value):
        resource = entry.get("resource")
        if isinstance(resource, dict) and resource.get("resourceType") == "Bundle":
            found += sum(_stray(e.get("resource"), expected, chart_types) for e in _entries(resource)
                         if _mode(e) != "include")
        elif _mode(entry) != "include":
            found += _stray(resource, expected, chart_types)
    return found


def _stray(resource: object, expected: str, chart_types: frozenset[str]) -> bool:
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    return isinstance(kind, str) and kind != expected and kind in chart_types


def _error_status(entry: Mapping[str, Any]) -> bool:
    """A batch-response entry whose ``response.status`` is an HTTP error (``"403 Forbidden"``)."""
    response = entry.get("response")
    status = response.get("status") if isinstance(response, dict) else None
    return isinstance(status, str) and status.strip()[:1] in ("4", "5")


# FHIR IssueType codes that say data sought was left out (R4 valueset-issue-type): not all was available,
# some was suppressed by business rules, consent or access, or the search was too costly to finish.
_WITHHELD_ISSUES = frozenset({"incomplete", "suppressed", "too-costly"})
_EPIC_ROOT, _EPIC_MORE_DATA = "1.2.840.114350", "4119"  # Epic's "Additional data may be present for patient."


def _says_withheld(outcome: object) -> bool:
    """A warning or information outcome saying the results leave data out; an error is ``_is_error``'s."""
    if _is_error(outcome):
        return False
    issues = outcome.get("issue") if isinstance(outcome, dict) else None
    return any(_withheld_issue(issue) for issue in issues if isinstance(issue, dict)) \
        if isinstance(issues, list) else False


def _withheld_issue(issue: Mapping[str, Any]) -> bool:
    code, details = issue.get("code"), issue.get("details")
    codings = details.get("coding") if isinstance(details, dict) else None
    epic = any(isinstance(c, dict) and c.get("code") == _EPIC_MORE_DATA and _EPIC_ROOT in str(c.get("system"))
               for c in (codings if isinstance(codings, list) else ()))
    return epic or (isinstance(code, str) and code in _WITHHELD_ISSUES)


def _is_error(outcome: object) -> bool:
    issues = outcome.get("issue") if isinstance(outcome, dict) else None
    return isinstance(issues, list) and any(
        isinstance(issue, dict) and str(issue.get("severity")) in _ERROR_SEVERITIES for issue in issues
    )


def next_link(bundle: Resource) -> str | None:
    """The ``next`` link, also written ``Next`` or as a single link object instead of a list: a page
    that says more follows is never read as the whole answer (P7)."""
    links = bundle.get("link")
    for link in links if isinstance(links, list) else [links]:
        if not isinstance(link, dict):
            continue
        relation, url = link.get("relation"), link.get("url")
        if isinstance(relation, str) and relation.strip().lower() == "next" and isinstance(url, str):
            return url
    return None


def _total(bundle: Resource) -> int | None:
    """``Bundle.total``, also written as a float (``76.0``) or a string (``"76"``) by a sloppy serialiser:
    read, it can show a short page; ignored, the page was read as the whole answer."""
    total = bundle.get("total")
    if isinstance(total, str) and total.strip().isascii() and total.strip().isdigit() and len(total) < 19:
        return int(total)
    if isinstance(total, float) and total.is_integer():
        return int(total)
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def is_truncated(bundle: Resource) -> bool:
    """P7 and the sandbox's 76-conditions-in-20-entries: a ``next`` link or ``total`` above the matches
    (``total`` counts matches only: included resources and outcomes are not among them)."""
    if next_link(bundle) is not None:
        return True
    total = _total(bundle)
    return total is not None and total > sum(1 for e in _entries(bundle) if _is_match(e))


def truncated_bundle(value: Any, read: KeyData) -> bool:
    """``is_truncated`` for a prefetch value already read: a ``total`` no greater than the matches found
    cannot exceed the matching entries (which include them), so the common complete Bundle is not
    counted a second time."""
    if not isinstance(value, dict) or value.get("resourceType") != "Bundle":
        return False
    total = _total(value)
    matches = len(read.resources) - read.included
    if read.incomplete is not None:  # entries without their resource: the query is run again
        return True
    if total is not None and total <= matches and next_link(value) is None:
        return False
    return is_truncated(value)


def unique_resources(resources: Iterable[Resource]) -> list[Resource]:
    """``deduplicate``'s resources."""
    return list(deduplicate(resources).resources)


@immutable
class Deduplicated:
    """One copy of each resource; ``conflicting``: the types of which two different copies had no version
    to tell which is current."""

    resources: tuple[Resource, ...]
    conflicting: frozenset[str] = frozenset()


def deduplicate(resources: Iterable[Resource]) -> Deduplicated:
    """Drop repeats of the same resource (pages overlap; prefetch and fetch may both hold it).

    Of two versions (two keys, or a page and its refetch, read at different moments), the newer is kept
    (``_newer``), whichever came first. Two copies that differ with no version to order them (no
    ``meta``, an equal ``lastUpdated``) are a conflict: the same one is kept whichever came first
    (``_canonical``), and its type is named ``conflicting`` so the chart says it could not check it — the
    first copy used to win, so an entry-in-error copy listed before the live one hid a cauda equina, and
    the other order raised it. Sorted by type and id, so the chart is the same whichever way (and in
    whichever order) the data came (PATHWAY.md safety invariant 4). Resources without an id follow, in
    arrival order.
    """
    seen: dict[tuple[str, str], Resource] = {}
    anonymous: list[Resource] = []
    conflicting: set[str] = set()
    for resource in resources:
        resource_id = resource.get("id")
        if not isinstance(resource_id, str) or not resource_id:
            anonymous.append(resource)
            continue
        key = (str(resource.get("resourceType")), resource_id)
        kept = seen.setdefault(key, resource)
        if kept is resource or _same(kept, resource) or _newer(kept, resource):
            continue
        if not _newer(resource, kept):
            conflicting.add(key[0])
            if _canonical(resource) <= _canonical(kept):
                continue
        seen[key] = resource
    return Deduplicated((*(seen[key] for key in sorted(seen)), *anonymous), frozenset(conflicting))


# What two copies of one version may differ in: its metadata (a client may strip ``meta`` from what it
# prefetches) and its narrative. Neither is read.
_NOT_READ = frozenset({"meta", "text"})


def _same(one: Resource, other: Resource) -> bool:
    return one == other or _content(one) == _content(other)


def _content(resource: Resource) -> dict[str, Any]:
    return {name: value for name, value in resource.items() if name not in _NOT_READ}


def _canonical(resource: Resource) -> bytes:
    """A resource's JSON with sorted keys: an order of two copies that does not depend on their arrival."""
    try:
        return orjson.dumps(_content(resource), option=orjson.OPT_SORT_KEYS)
    except (TypeError, ValueError, RecursionError):  # a lone surrogate, too deep: any fixed answer will do
        return b""


def _newer(resource: Resource, kept: Resource) -> bool:
    """Whether ``resource`` is a later version than ``kept``: a later ``meta.lastUpdated`` when both have
    one, else a higher numeric ``meta.versionId`` when both have one (also written as an ETag, ``W/"3"``).
    Without a measure both share, the first stays (nothing says which is newer). A client that strips
    ``lastUpdated`` from one copy no longer makes the other newer whatever their versions say: version 2,
    entered in error and stamped, beat version 3, the live cauda equina (eleventh pass)."""
    new, old = _version(resource), _version(kept)
    if new is None or old is None:
        return False
    if new[0] is not None and old[0] is not None and new[0] != old[0]:
        return new[0] > old[0]
    return new[1] is not None and old[1] is not None and new[1] > old[1]


def _version(resource: Resource) -> tuple[float | None, int | None] | None:
    meta = resource.get("meta")
    if not isinstance(meta, dict):
        return None
    updated, version = meta.get("lastUpdated"), meta.get("versionId")
    stamp = _instant(updated) if isinstance(updated, str) else None
    number = _version_number(version) if isinstance(version, str) else None
    return None if stamp is None and number is None else (stamp, number)


def _version_number(text: str) -> int | None:
    """``"3"``, and the ETag forms ``W/"3"`` and ``"3"`` some servers copy into ``meta.versionId``."""
    digits = text.strip().removeprefix("W/").strip('"')
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 19 else None


def _instant(text: str) -> float | None:
    """An R4 instant as seconds since the epoch; an instant without a zone is not one (``None``)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo is not None else None

"""A hook call's searches in one FHIR ``batch`` Bundle: one round trip instead of one per key.

FHIR R4 http.html#transaction: ``POST [base]`` with a Bundle of ``type: batch`` whose entries are
``GET`` requests; the server answers a ``batch-response`` with one entry per request, in order, each
with its own ``response.status`` and, when it succeeded, the search's Bundle (or the read resource) as
``resource``. Each entry stands alone: a failed entry fails its key only; the searches' ``next`` links
are followed one GET at a time as before (``app.fhir.session``).

Sent only when the server's CapabilityStatement lists the ``batch`` system interaction (looked up once
per server and kept ``CAPABILITY_SECONDS``), and ``SPINE_CDS_FHIR_BATCH`` is on. Data compromise: a
server that lists batch but does not do this one (an HTTP error, invalid JSON, an answer that is not a
batch-response of the same length) gets the searches one by one, in the same call, and is not sent a
batch again until its capability is looked up anew; a batch that times out, cannot reach the server or
is throttled (429) fails every key in it, as the searches one by one would have.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from app.fhir.progress import FetchFailure, describe_status
from app.jsontext import dumps

CAPABILITY_SECONDS = 600.0
_MAX_SERVERS = 256  # capability answers kept: a few EHRs per deployment; bounded all the same

# One key's share of a batch: the search's first page, or why there is none.
EntryAnswer = dict[str, Any] | FetchFailure


def batch_request(queries: Sequence[str]) -> bytes:
    """The batch Bundle: one ``GET`` entry per relative query, in the order given."""
    entries = [{"request": {"method": "GET", "url": query}} for query in queries]
    return dumps({"resourceType": "Bundle", "type": "batch", "entry": entries}).encode()


def lists_batch(capability: Mapping[str, Any]) -> bool:
    """A CapabilityStatement whose server ``rest`` lists the ``batch`` interaction."""
    if capability.get("resourceType") != "CapabilityStatement":
        return False
    rests = capability.get("rest")
    for rest in rests if isinstance(rests, list) else []:
        if not isinstance(rest, dict) or rest.get("mode") != "server":
            continue
        interactions = rest.get("interaction")
        if any(isinstance(i, dict) and i.get("code") == "batch"
               for i in (interactions if isinstance(interactions, list) else [])):
            return True
    return False


def read_batch_response(body: Mapping[str, Any], count: int) -> list[EntryAnswer] | None:
    """Each entry's answer, in request order; ``None`` when ``body`` is not a batch-response with one
    entry per request (the server did not do the batch, so its entries cannot be matched to keys)."""
    entries = body.get("entry")
    if body.get("resourceType") != "Bundle" or body.get("type") != "batch-response":
        return None
    if not isinstance(entries, list) or len(entries) != count:
        return None
    return [entry_answer(entry) for entry in entries]


def entry_answer(entry: object) -> EntryAnswer:
    """One entry as a GET of its own would have been read: 200 with a resource, else a failure."""
    response = entry.get("response") if isinstance(entry, dict) else None
    status = _status(response.get("status") if isinstance(response, dict) else None)
    if status is None:
        return FetchFailure("the FHIR server's batch answer has no HTTP status for this search", "http_error")
    if status != 200:
        return describe_status(status)
    resource = entry.get("resource") if isinstance(entry, dict) else None
    if not isinstance(resource, dict):
        return FetchFailure("the FHIR server sent JSON that is not a resource", "invalid_json")
    return resource


def _status(text: object) -> int | None:
    """``response.status`` is the status code, optionally followed by its phrase ("200 OK")."""
    first = text.split(" ", 1)[0] if isinstance(text, str) else ""
    return int(first) if first.isdigit() and len(first) == 3 else None


class BatchSupport:
    """Whether each FHIR server takes a batch, as its CapabilityStatement said, for a while."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._known: dict[str, tuple[bool, float]] = {}
        self._clock = clock

    def known(self, server: str) -> bool | None:
        found = self._known.get(server)
        if found is None or self._clock() >= found[1]:
            return None
        return found[0]

    def remember(self, server: str, takes_batch: bool) -> None:
        if len(self._known) >= _MAX_SERVERS and server not in self._known:
            self._known.pop(next(iter(self._known)))  # the oldest entry
        self._known[server] = (takes_batch, self._clock() + CAPABILITY_SECONDS)

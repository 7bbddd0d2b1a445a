"""The bench's hook bodies, built deterministically from the committed test patients (no network, no clock).

- ``chart-50``: the hand-made ``spine-lumbar-day20`` patient (lumbar radiculopathy for 20 days: the
  pathway defers the MRI, so a card with suggestions and a PAMA rating are rendered) plus 47 resources of
  the seeded Synthea patient ``2b1149df…`` moved onto that patient — 50 resources across every key.
- ``chart-synthea``: the same patient plus every resource of the three seeded Synthea patients, twice over
  (second copy with new ids) — about 1,100 resources. The committed Synthea files are slimmed to what the
  templates read (``scripts/make_test_data.py``); the copy stands in for an older, longer chart.

Every prefetch key is a ``searchset`` Bundle as a FHIR server returns it (``total``, ``fullUrl``,
``search.mode``), except ``patient``, a read. ``SEKMET_BUNDLE`` loads ``chart-50`` into SEKMET for the
fallback run, so the prefetch and fallback scenarios rate the same data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PATIENTS = ROOT / "tests" / "fixtures" / "patients"
SPINE_PATIENT = "spine-lumbar-day20"
SYNTHEA = ("2b1149df-e8d7-437a-b676-011dc0551dde", "cdb486b4-716b-4e83-9e27-8a68620dd1fe",
           "85c63cf3-278e-454c-b5ba-df5889815eb7")
EVALUATION_DATE = "2025-06-02"
LUMBAR_MRI = {"system": "http://www.ama-assn.org/go/cpt", "code": "72148",
              "display": "MRI lumbar spine without contrast"}
ORDER_ID = "draft-imaging-1"
# prefetch key → the resource types its template searches for (app/fhir/templates.py)
KEY_TYPES = {
    "conditions": ("Condition",),
    "observations": ("Observation",),
    "findings": ("Observation",),
    "procedures": ("Procedure",),
    "medications": ("MedicationRequest",),
    "medicationstatements": ("MedicationStatement",),
    "encounters": ("Encounter",),
    "imaging": ("ImagingStudy",),
    "diagnosticreports": ("DiagnosticReport",),
    "servicerequests": ("ServiceRequest",),
}
Resource = dict[str, Any]


def _resources(path: Path) -> list[Resource]:
    bundle = json.loads(path.read_text())
    return [entry["resource"] for entry in bundle["entry"]]


def _moved(resource: Resource, suffix: str = "") -> Resource:
    """A copy of a Synthea resource that belongs to the spine patient (ids made unique by ``suffix``)."""
    moved: Resource = json.loads(json.dumps(resource))
    moved["id"] = f"{moved['id']}{suffix}"
    moved["subject"] = {"reference": f"Patient/{SPINE_PATIENT}"}
    return moved


def _round_robin(resources: list[Resource], count: int) -> list[Resource]:
    """``count`` resources taking each type in turn, so a small chart still touches every parser."""
    by_type: dict[str, list[Resource]] = {}
    for resource in resources:
        by_type.setdefault(resource["resourceType"], []).append(resource)
    picked: list[Resource] = []
    while len(picked) < count and any(by_type.values()):
        for queue in by_type.values():
            if queue and len(picked) < count:
                picked.append(queue.pop(0))
    return picked


@cache
def spine_resources() -> tuple[Resource, ...]:
    return tuple(_resources(PATIENTS / "spine" / f"{SPINE_PATIENT}.json"))


def synthea_resources() -> list[Resource]:
    found = (r for pid in SYNTHEA for r in _resources(PATIENTS / "synthea" / f"{pid}.json"))
    return [r for r in found if r["resourceType"] != "Patient"]


@cache
def chart(name: str) -> tuple[Resource, ...]:
    """Every resource of one bench chart (the Patient first)."""
    spine = list(spine_resources())
    if name == "chart-50":
        first = [r for r in synthea_resources() if SYNTHEA[0] in r["subject"]["reference"]]
        return tuple(spine + [_moved(r) for r in _round_robin(first, 50 - len(spine))])
    if name == "chart-synthea":
        padding = [_moved(r, suffix) for suffix in ("", "-b") for r in synthea_resources()]
        return tuple(spine + padding)
    raise KeyError(name)


def searchset(resources: Iterable[Resource]) -> Resource:
    entries = [
        {"fullUrl": f"http://127.0.0.1/fhir/{r['resourceType']}/{r['id']}", "resource": r,
         "search": {"mode": "match"}}
        for r in resources
    ]
    return {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}


def prefetch(resources: Iterable[Resource]) -> dict[str, Any]:
    """The complete prefetch a conforming EHR sends for these resources (P4, P6)."""
    listed = list(resources)
    data: dict[str, Any] = {"patient": next(r for r in listed if r["resourceType"] == "Patient")}
    for key, types in KEY_TYPES.items():
        data[key] = searchset(r for r in listed if r["resourceType"] in types and _answers(key, r))
    return data


def _answers(key: str, resource: Resource) -> bool:
    """Whether the key's search returns this resource: each template's own code and category filters, as
    the replay reads them (``app.replay.asof.TEMPLATE_KEYS``), so the bench asks what the service asks."""
    from app.replay.asof import TEMPLATE_KEYS

    return TEMPLATE_KEYS[key].accepts(resource)


def draft_order() -> Resource:
    return {
        "resourceType": "ServiceRequest", "id": ORDER_ID, "status": "draft", "intent": "order",
        "code": {"coding": [LUMBAR_MRI], "text": LUMBAR_MRI["display"]},
        "subject": {"reference": f"Patient/{SPINE_PATIENT}"}, "authoredOn": EVALUATION_DATE,
        "reasonCode": [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.16",
                                    "display": "Radiculopathy, lumbar region"}]}],
    }


def _context(hook: str) -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/bench", "patientId": SPINE_PATIENT}
    if hook != "patient-view":
        context["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                  "entry": [{"resource": draft_order()}]}
    if hook == "order-select":
        context["selections"] = [f"ServiceRequest/{ORDER_ID}"]
    return context


def hook_body(hook: str, chart_name: str | None, fhir_server: str | None = None) -> dict[str, Any]:
    """A CDS Hooks 2.0 call; without ``chart_name`` no prefetch is sent: it all comes from ``fhir_server``."""
    body: dict[str, Any] = {"hook": hook, "hookInstance": "7d3b4c4e-0d6a-4d1e-9d0e-bench0000001",
                            "context": _context(hook)}
    if fhir_server is not None:
        body["fhirServer"] = fhir_server
    if chart_name is not None:
        body["prefetch"] = prefetch(chart(chart_name))
    return body


def encode(body: dict[str, Any]) -> bytes:
    """Compact JSON, as EHRs send it."""
    return json.dumps(body, separators=(",", ":")).encode()


def sekmet_bundle(chart_name: str = "chart-50") -> bytes:
    """A transaction of ``PUT Type/id`` entries (idempotent) loading one chart into SEKMET."""
    entries = [{"fullUrl": f"urn:bench:{r['resourceType']}/{r['id']}", "resource": r,
                "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
               for r in chart(chart_name)]
    return encode({"resourceType": "Bundle", "type": "transaction", "entry": entries})


def fallback_queries(patient_id: str = SPINE_PATIENT) -> Iterator[tuple[str, str]]:
    """(key, relative query) for every template, as the fallback fetcher runs them."""
    from app.fhir.templates import PREFETCH_TEMPLATES, fill_template

    for key, template in PREFETCH_TEMPLATES.items():
        yield key, fill_template(template, {"patientId": patient_id})

"""Evaluate one chart by prefetch AND by fallback against SEKMET (PATHWAY.md invariant 4, CONTRACT.md P10).

The reusable seam for chart-shaped tests (a red flag recorded in one place or another, an EHR export …):

    answers = await evaluate_both_ways(cds, resources, order=LUMBAR_MRI, on="2025-06-02")
    assert answers.same, answers.difference()
    assert answers.prefetch_rating == "appropriate"

``resources`` is a list of R4 resources, the Patient among them; each must name that patient (``subject``
or ``patient``). They are loaded into the session's SEKMET (``PUT Type/id``: idempotent, so a chart can be
loaded twice), then the service is called twice with the same draft order: once with a complete prefetch
as a conforming EHR builds it (each template run against SEKMET, every page followed: P4, P6), once with
no prefetch and ``fhirServer`` only, so the service reads SEKMET itself. ``BothWays`` holds both answers.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from hook_answers import rating, topics

Resource = dict[str, Any]
LUMBAR_MRI = {
    "system": "http://www.ama-assn.org/go/cpt",
    "code": "72148",
    "display": "MRI lumbar spine without contrast",
}
CERVICAL_MRI = {
    "system": "http://www.ama-assn.org/go/cpt",
    "code": "72141",
    "display": "MRI cervical spine without contrast",
}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_RULES = re.compile(r"PATHWAY ([A-Za-z0-9/ ,]+)")


def normalized(body: dict[str, Any]) -> Any:
    """Card and suggestion uuids and PAMA consult ids are fresh per call: compare everything else."""
    return json.loads(_UUID.sub("<uuid>", json.dumps(body, sort_keys=True)))


def rules(answer: dict[str, Any]) -> list[str]:
    """The PATHWAY rules named in the rating's criteria text ("…; PATHWAY R1, R13")."""
    for action in answer.get("systemActions", []):
        for extension in action["resource"].get("extension", []):
            text = extension.get("valueCodeableConcept", {}).get("text", "")
            found = _RULES.search(text)
            if extension["url"].endswith("/pama-rating") and found:
                return [rule.strip() for rule in found.group(1).split(",")]
    return []


@dataclass(frozen=True)
class BothWays:
    """The service's answer for one chart and order, by prefetch and by fallback."""

    prefetch: dict[str, Any]
    fallback: dict[str, Any]

    @property
    def same(self) -> bool:
        return normalized(self.prefetch) == normalized(self.fallback)

    def difference(self) -> str:
        """A short account for an assertion message."""
        return (
            f"prefetch: {topics(self.prefetch)} {rating(self.prefetch)}; "
            f"fallback: {topics(self.fallback)} {rating(self.fallback)}"
        )

    @property
    def prefetch_rating(self) -> str | None:
        return rating(self.prefetch)


def patient_of(resources: Sequence[Resource]) -> str:
    patients = [r["id"] for r in resources if r["resourceType"] == "Patient"]
    assert len(patients) == 1, "a chart holds exactly one Patient"
    return str(patients[0])


def load_chart(base: str, resources: Sequence[Resource]) -> str:
    """PUT every resource into SEKMET in one transaction; returns the patient's id."""
    entries = [
        {
            "fullUrl": f"urn:chart:{r['resourceType']}/{r['id']}",
            "resource": r,
            "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
        }
        for r in resources
    ]
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    response = httpx.post(base, json=bundle, headers={"Content-Type": "application/fhir+json"}, timeout=60)
    assert response.status_code == 200, response.text[:500]
    return patient_of(resources)


def order_sign_body(
    patient_id: str, order: Resource, on: str | None, reason: Resource | None = None,
    reason_reference: str | None = None,
) -> dict[str, Any]:
    draft: Resource = {
        "resourceType": "ServiceRequest",
        "id": "draft-imaging-1",
        "status": "draft",
        "intent": "order",
        "code": {"coding": [order]},
        "subject": {"reference": f"Patient/{patient_id}"},
    }
    if on is not None:
        draft["authoredOn"] = on
    if reason is not None:
        draft["reasonCode"] = [{"coding": [reason]}]
    if reason_reference is not None:
        draft["reasonReference"] = [{"reference": reason_reference}]
    return {
        "hook": "order-sign",
        "hookInstance": str(uuid.uuid4()),
        "context": {
            "userId": "Practitioner/integration",
            "patientId": patient_id,
            "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": draft}]},
        },
    }


# The service each order hook calls (discovery's ids).
_SERVICES = {"order-sign": "/cds-services/spine-imaging-order-sign",
             "order-select": "/cds-services/spine-imaging-order-select"}


async def answer(cds: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = await cds.http.post(_SERVICES[body["hook"]], json=body)
    assert response.status_code == 200, response.text[:1000]
    result: dict[str, Any] = response.json()
    return result


async def evaluate_both_ways(
    cds: Any, resources: Sequence[Resource], *, order: Resource = LUMBAR_MRI, on: str | None = None,
    reason: Resource | None = None, reason_reference: str | None = None, hook: str = "order-sign",
) -> BothWays:
    """Load ``resources`` into the session's SEKMET and rate ``order`` (authored ``on``, with ``reason`` as
    its reasonCode and ``reason_reference`` as its reasonReference) both ways, at order-sign or, with
    ``hook="order-select"``, with the draft selected.

    ``cds`` is the integration ``cds`` fixture (the app in-process and the SEKMET it reads)."""
    patient_id = load_chart(cds.server.base, resources)
    body = order_sign_body(patient_id, order, on, reason, reason_reference)
    if hook == "order-select":
        selected = {**body["context"], "selections": ["ServiceRequest/draft-imaging-1"]}
        body = {**body, "hook": hook, "context": selected}
    by_prefetch = {**body, "prefetch": cds.server.prefetch(patient_id)}
    by_fallback = {**body, "hookInstance": str(uuid.uuid4()), "fhirServer": cds.server.base}
    return BothWays(await answer(cds, by_prefetch), await answer(cds, by_fallback))


def woman_with_sciatica(pid: str, onset: str) -> list[Resource]:
    """A woman born in 1985 with an active lumbar radiculopathy (M54.16) begun ``onset``: the chart the
    "places" tests add one shape to (R1, defer, without it)."""
    patient = {"resourceType": "Patient", "id": pid, "birthDate": "1985-05-05", "gender": "female"}
    active = {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}
    sciatica = {"resourceType": "Condition", "id": f"{pid}-dx", "subject": {"reference": f"Patient/{pid}"},
                "clinicalStatus": {"coding": [active]},
                "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.16"}]},
                "onsetDateTime": onset}
    return [patient, sciatica]


async def first_rule_both_ways(cds: Any, resources: Sequence[Resource], *, on: str) -> str:
    """The first rule of the answer for ``resources`` rated ``on``, once prefetch and fallback are shown to
    answer the same (PATHWAY.md invariant 4)."""
    answers = await evaluate_both_ways(cds, resources, on=on)
    assert answers.same, answers.difference()
    return rules(answers.prefetch)[0]


async def first_rule_beside_sciatica(cds: Any, pid: str, shape: Sequence[Resource], *, onset: str, on: str
                                     ) -> str:
    """``first_rule_both_ways`` for ``woman_with_sciatica`` with ``shape`` added."""
    return await first_rule_both_ways(cds, [*woman_with_sciatica(pid, onset), *shape], on=on)

"""What the CDS Hooks sandbox sends and where it opens (CONTRACT.md §2 "The CDS Hooks sandbox").

The requests are shaped like the sandbox's PAMA screen: a draft ServiceRequest ``example-request-id`` with
``intent: plan``, a CPT code and a SNOMED CT reason, no ``authoredOn``, in a ``draftOrders`` Bundle with no
``type``; ``fhirServer`` but no ``fhirAuthorization``; and here no ``prefetch`` at all, so the service reads
everything from the FHIR server (what it must do when the sandbox drops keys).
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote, urlencode

from demo.patients import Order

SANDBOX = "https://sandbox.cds-hooks.org/"
ORDER_SELECT = "spine-imaging-order-select"
PATIENT_VIEW = "spine-pathway-patient-view"
DRAFT_ID = "example-request-id"
USER = "Practitioner/demo-clinician"
CPT = "http://www.ama-assn.org/go/cpt"
SNOMED = "http://snomed.info/sct"
_INSTANCES = uuid.UUID("5f0c2f0e-2b7a-4d6e-9a55-6b1d0c9e7a31")


SCREENS = {"order-select": "pama", "patient-view": "patient-view"}


def sandbox_url(fhir_base: str, patient_id: str, discovery_url: str, hook: str,
                sandbox: str = SANDBOX) -> str:
    """The sandbox's pre-configuration parameters, URL-encoded as its README requires. ``screen`` always:
    the sandbox remembers the last screen, so a patient-view link opened after an order-select one would
    stay on the PAMA screen and call the order-select service with hook patient-view (400, nothing shown)."""
    params = {"fhirServiceUrl": fhir_base, "patientId": patient_id, "serviceDiscoveryURL": discovery_url,
              "hook": hook, "screen": SCREENS[hook]}
    return sandbox.rstrip("/") + "/?" + urlencode(params, quote_via=quote, safe="")


def hook_instance(patient_id: str, hook: str) -> str:
    """Stable for a saved request (the files do not change from run to run); random for live calls."""
    return str(uuid.uuid5(_INSTANCES, f"{hook}/{patient_id}"))


def draft_order(patient_id: str, order: Order | None, *, with_reason: bool = True) -> dict[str, Any]:
    """The PAMA screen's draft; ``order=None`` is its first call, before a study is picked;
    ``with_reason=False`` the call after the study is picked and before a reason is."""
    coding: dict[str, str] = {"system": CPT, "code": order.code} if order else {}
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest", "id": DRAFT_ID, "status": "draft", "intent": "plan",
        "code": {"coding": [coding]}, "subject": {"reference": f"Patient/{patient_id}"},
    }
    if order and with_reason:
        resource["reasonCode"] = [{"coding": [{"system": SNOMED, "code": order.reason}]}]
    return resource


def order_select(patient_id: str, order: Order | None, fhir_server: str, *,
                 instance: str | None = None, with_reason: bool = True) -> dict[str, Any]:
    return {
        "hookInstance": instance or str(uuid.uuid4()),
        "hook": "order-select",
        "fhirServer": fhir_server,
        "context": {
            "patientId": patient_id,
            "userId": USER,
            "selections": [f"ServiceRequest/{DRAFT_ID}"],
            "draftOrders": {"resourceType": "Bundle",
                            "entry": [{"resource": draft_order(patient_id, order, with_reason=with_reason)}]},
        },
    }


def patient_view(patient_id: str, fhir_server: str) -> dict[str, Any]:
    return {"hookInstance": str(uuid.uuid4()), "hook": "patient-view", "fhirServer": fhir_server,
            "context": {"patientId": patient_id, "userId": USER}}


def dismiss_feedback(card_uuid: str, reason: dict[str, str], at: str) -> dict[str, Any]:
    """The sandbox's Dismiss: override feedback carrying only ``reason.code`` and ``reason.system``."""
    coding = {"code": reason["code"], "system": reason["system"]}
    return {"feedback": [{"card": card_uuid, "outcome": "overridden", "outcomeTimestamp": at,
                          "overrideReason": {"reason": coding}}]}


def accept_feedback(card_uuid: str, suggestion_uuid: str, at: str) -> dict[str, Any]:
    """A suggestion button: accepted, naming the suggestion taken."""
    return {"feedback": [{"card": card_uuid, "outcome": "accepted", "outcomeTimestamp": at,
                          "acceptedSuggestions": [{"id": suggestion_uuid}]}]}


def pama_rating(response: dict[str, Any]) -> str:
    """The rating as the sandbox reads it: the first ``update`` in ``extension.systemActions`` with an
    ``http://fhir.org/argonaut/Extension/pama-rating`` extension; ``none`` when there is none."""
    actions = response.get("extension", {}).get("systemActions", [])
    for action in actions:
        if action.get("type") != "update":
            continue
        for extension in action.get("resource", {}).get("extension", []):
            if extension.get("url") == "http://fhir.org/argonaut/Extension/pama-rating":
                return str(extension["valueCodeableConcept"]["coding"][0]["code"])
    return "none"


def card_kinds(response: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((card["source"]["topic"]["code"], card["indicator"]) for card in response.get("cards", []))

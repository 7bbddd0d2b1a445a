"""The services this endpoint offers (CONTRACT.md D1–D6): three ids, each with one hook."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from app.fhir.templates import PREFETCH_TEMPLATES


@dataclass(frozen=True, slots=True)
class ServiceDefinition:
    id: str
    hook: str
    title: str
    description: str

    def describe(self) -> dict[str, object]:
        return {
            "hook": self.hook,
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "prefetch": dict(PREFETCH_TEMPLATES),
        }


SERVICES = MappingProxyType({
    service.id: service
    for service in (
        ServiceDefinition(
            id="spine-imaging-order-select",
            hook="order-select",
            title="Spine imaging appropriateness (order-select)",
            description="Rates selected spine imaging orders against the radiculopathy pathway: defers early "
            "imaging without red flags, escalates red flags, and suggests the right modality and contrast.",
        ),
        ServiceDefinition(
            id="spine-imaging-order-sign",
            hook="order-sign",
            title="Spine imaging appropriateness (order-sign)",
            description="Rates every spine imaging order about to be signed and attaches the Argonaut PAMA "
            "rating to each ServiceRequest.",
        ),
        ServiceDefinition(
            id="spine-pathway-patient-view",
            hook="patient-view",
            title="Radiculopathy pathway summary",
            description="When a chart with an active radiculopathy or back/neck pain diagnosis opens: where "
            "the patient is on the pathway, red flags found, and when MRI becomes reasonable.",
        ),
    )
})

"""Prefetch templates (CONTRACT.md P1-P3): relative FHIR R4 searches in the spec's query subset.

Only ``{{context.patientId}}`` is used as a token (P2). No date tokens (P11 is not 2.0.1): date windows
are computed in the service. ``_count`` is sized for a real chart; larger results are completed by
following ``next`` links. Observations are narrowed to the LOINC codes the pathway reads (§6.3) because
an unfiltered Synthea-sized chart holds thousands of vitals we would only discard.
"""

from __future__ import annotations

from types import MappingProxyType

_PATIENT = "{{context.patientId}}"
_LOINC = "http://loinc.org"
_OBSERVATION_CODES = ",".join(
    f"{_LOINC}|{code}" for code in ("8310-5", "72514-3", "30341-2", "4537-7", "1988-5", "6690-2")
)

PREFETCH_TEMPLATES = MappingProxyType({
    "patient": f"Patient/{_PATIENT}",
    "conditions": f"Condition?patient={_PATIENT}&_count=250",
    "observations": f"Observation?patient={_PATIENT}&code={_OBSERVATION_CODES}&_count=250",
    "procedures": f"Procedure?patient={_PATIENT}&_count=250",
    "medications": f"MedicationRequest?patient={_PATIENT}&_count=250",
    "imaging": f"ImagingStudy?patient={_PATIENT}&_count=100",
    "servicerequests": f"ServiceRequest?patient={_PATIENT}&_count=100",
})

# Keys without which no decision is possible: their absence (no prefetch, no FHIR access) is a 412 (P9).
REQUIRED_KEYS = frozenset({"patient", "conditions"})

# The chart category each key fills, as named in Chart.unavailable and on "could not check" cards.
KEY_CATEGORIES = MappingProxyType({
    "patient": "patient",
    "conditions": "conditions",
    "observations": "observations",
    "procedures": "procedures",
    "medications": "medications",
    "imaging": "imaging",
    "servicerequests": "orders and referrals",
})


def fill_template(template: str, context: dict[str, str]) -> str:
    """Replace ``{{context.X}}`` tokens; a template whose token has no value raises KeyError."""
    result = template
    for name, value in context.items():
        result = result.replace("{{context." + name + "}}", value)
    if "{{" in result:
        raise KeyError(f"unfilled prefetch token in {template!r}")
    return result

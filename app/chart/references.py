"""Literal FHIR references, read one way everywhere. PURE.

The identity guard (whose record a resource is), the pathway's links between resources (a report to its
study and order, a visit to the referral it carried out) and the replay all name a resource by
``Type/id``: relative or absolute, with or without ``/_history/<version>`` (servers write basedOn and
subject versioned), it is the same resource.
"""

from __future__ import annotations


def reference_target(reference: str) -> tuple[str, str] | None:
    """``(type, id)`` of a relative or absolute literal reference (``Patient/1``,
    ``https://ehr/fhir/Patient/1/_history/2``); ``None`` when it names none (``urn:``, ``#``)."""
    text = reference.strip()
    if not text or text.startswith(("#", "urn:")):
        return None
    parts = [part for part in text.split("?")[0].split("/") if part]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) < 2:
        return None
    if parts[-2].lower() == "patient":  # ``patient/123``: a client's slip, still a patient's record
        return "Patient", parts[-1]
    return (parts[-2], parts[-1]) if parts[-2][:1].isupper() else None



def reference_key(reference: str) -> str:
    """``Type/id`` of a relative, absolute or versioned reference; the text itself when it names none."""
    target = reference_target(reference)
    return f"{target[0]}/{target[1]}" if target else reference.strip()

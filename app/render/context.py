"""What rendering needs besides the decision and the card library."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from app.immutable import immutable


def new_uuid() -> str:
    """The usual ``RenderContext.new_id``: a random UUID (CONTRACT.md C3)."""
    return str(uuid.uuid4())


@immutable
class RenderContext:
    """The patient, the raw draft order (``None`` for patient-view), an id factory and the consult id.

    ``explain_url``: where the "How this was decided" page of this consult is served (app/hooks/explain.py),
    linked once from every card; ``None`` renders no such link (the CLI, tests of the words alone)."""

    patient_id: str
    order_resource: Mapping[str, Any] | None
    new_id: Callable[[], str]
    consult_id: str
    explain_url: str | None = None
    pama_legacy_urls: bool = False  # also the older StructureDefinition/ PAMA URLs (PATHWAY.md §5)

"""What every resource parser shares: the error that skips one malformed resource, and its id.

A resource without a usable id cannot be referenced, deduplicated or audited: it is skipped on its own
(``ViewError``), never the chart (CONTRACT.md §3.3)."""

from __future__ import annotations

from app.fhir.datatypes import Json, string


class ViewError(ValueError):
    """A resource too malformed to read (not an object, no usable id/code where one is required)."""


def required_id(raw: Json) -> str:
    resource_id = string(raw.get("id"))
    if resource_id is None:
        raise ViewError(f"{raw.get('resourceType')} without id")
    return resource_id

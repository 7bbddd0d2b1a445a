"""CDS Hooks 2.0.1 request, response and feedback shapes.

Requests are parsed leniently (CONTRACT.md §2–3): unknown fields and extensions are ignored, a
``draftOrders`` Bundle without ``type`` is fine, ``prefetch`` may be missing or hold ``null`` keys. What
the spec REQUIRES is required, so a malformed call gets a 400 that names the field. Response models
exist for the OpenAPI document and the contract tests; handlers emit pruned dicts (G2/G3).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app import jsontext


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


# Length bounds (docs/security.md, "Bounded input"): far above what CDS Hooks or FHIR need (a hookInstance
# is a UUID, a FHIR id at most 64 characters), far below what would bloat a response, a log line or the
# audit trail. A longer value is a 400 naming the field.
MAX_ID_CHARS = 200
MAX_URL_CHARS = 2_048
MAX_TEXT_CHARS = 4_000
MAX_FEEDBACK_ITEMS = 200
MAX_ORDER_CHARS = 64_000
Id = Annotated[str, Field(max_length=MAX_ID_CHARS)]


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    _storable(value)
    return value.strip()


def _storable(value: str | None) -> str | None:
    """No NUL nor other C0 control character except tab and line breaks: PostgreSQL cannot store NUL,
    and a control character in an id only serves to forge log lines."""
    if value is not None and _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FhirAuthorization(_Lenient):
    """CONTRACT.md R4. Transient: never logged, never stored (R6)."""

    access_token: str = Field(min_length=1)
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int | None = None
    scope: str | None = None
    subject: str | None = None
    patient: str | None = None

    def __repr__(self) -> str:  # keep the token out of tracebacks and debug output
        return "FhirAuthorization(access_token=<redacted>)"

    __str__ = __repr__


class HookRequest(_Lenient):
    """CONTRACT.md R2–R5: the envelope common to every hook."""

    hook: str = Field(max_length=64)
    hookInstance: Id
    fhirServer: str | None = Field(default=None, max_length=MAX_URL_CHARS)
    fhirAuthorization: FhirAuthorization | None = None
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None
    extension: dict[str, Any] | None = None

    _blank_hook = field_validator("hook", "hookInstance")(_non_blank)

    @field_validator("fhirServer")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _server_with_authorization(self) -> HookRequest:
        if self.fhirAuthorization is not None and self.fhirServer is None:
            raise ValueError("fhirServer is required when fhirAuthorization is present (CDS Hooks cds-r-1)")
        return self


# A FHIR R4 id (letters, digits, '-' and '.'), '_' tolerated: no server needs it, none is harmed by it.
_PATIENT_ID = re.compile(r"[A-Za-z0-9._-]+")


def _patient_id(value: str) -> str:
    """``context.patientId`` is ``Patient.id``, not a reference: ``Patient/123`` or a URL matched no
    resource's subject, so every key was refused and the call answered a misleading 412."""
    value = _non_blank(value)
    if not _PATIENT_ID.fullmatch(value):
        raise ValueError("must be the Patient's id (letters, digits, '-', '.'), not a reference or URL "
                         "such as 'Patient/123'")
    return value


class _ContextBase(_Lenient):
    userId: Id
    patientId: Id
    encounterId: Id | None = None

    _blank = field_validator("userId")(_non_blank)
    _id = field_validator("patientId")(_patient_id)
    _clean = field_validator("encounterId")(_storable)


class PatientViewContext(_ContextBase):
    pass


class DraftOrders(_Lenient):
    """A Bundle of draft orders; Epic sends ``type: collection``, the sandbox sends no ``type``."""

    resourceType: Literal["Bundle"] = "Bundle"
    entry: list[dict[str, Any]] = Field(default_factory=list)

    @field_validator("entry", mode="before")
    @classmethod
    def _entries_are_objects(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in value if isinstance(item, dict)]
        return value

    @field_validator("entry")
    @classmethod
    def _orders_are_bounded(cls, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A draft order is echoed twice in its PAMA update (systemActions and the sandbox's mirror): a 2 MB
        id made an 8 MB response. A real ServiceRequest is a few kB."""
        for entry in entries:
            resource = entry.get("resource")
            if not isinstance(resource, dict):
                continue
            found = resource.get("id")
            if isinstance(found, str) and len(found) > MAX_ID_CHARS:
                raise ValueError(f"a resource id is longer than {MAX_ID_CHARS} characters")
            if len(jsontext.dumps(resource)) > MAX_ORDER_CHARS:
                raise ValueError(f"a draft order is larger than {MAX_ORDER_CHARS} characters of JSON")
        return entries

    def resources(self) -> list[dict[str, Any]]:
        found = (entry.get("resource") for entry in self.entry)
        return [resource for resource in found if isinstance(resource, dict)]


class OrderSignContext(_ContextBase):
    draftOrders: DraftOrders


class OrderSelectContext(OrderSignContext):
    selections: list[Id]


HOOK_CONTEXTS: dict[str, type[_ContextBase]] = {
    "patient-view": PatientViewContext,
    "order-select": OrderSelectContext,
    "order-sign": OrderSignContext,
}


# --- feedback (CONTRACT.md F1–F6) ------------------------------------------------------------------


class CodingModel(_Lenient):
    system: str | None = Field(default=None, max_length=MAX_URL_CHARS)
    code: Id
    display: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)

    _clean = field_validator("system", "code", "display")(_storable)


class AcceptedSuggestion(_Lenient):
    id: Id

    _clean = field_validator("id")(_storable)


class OverrideReason(_Lenient):
    reason: CodingModel | None = None
    userComment: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)

    _clean = field_validator("userComment")(_storable)


class FeedbackEntry(_Lenient):
    card: Id = Field(min_length=1)
    outcome: Literal["accepted", "overridden"]
    outcomeTimestamp: datetime
    acceptedSuggestions: list[AcceptedSuggestion] = Field(default_factory=list)
    overrideReason: OverrideReason | None = None
    overrideReasons: OverrideReason | list[OverrideReason] | None = Field(
        default=None, description="Epic's non-spec plural key; accepted as an alias of overrideReason."
    )

    _clean = field_validator("card")(_storable)

    def override(self) -> OverrideReason | None:
        if self.overrideReason is not None:
            return self.overrideReason
        if isinstance(self.overrideReasons, list):
            return self.overrideReasons[0] if self.overrideReasons else None
        return self.overrideReasons


class FeedbackRequest(_Lenient):
    feedback: list[FeedbackEntry] = Field(min_length=1, max_length=MAX_FEEDBACK_ITEMS)


class FeedbackResponse(BaseModel):
    received: int
    stored: int


# --- response documentation models (C1–C15) --------------------------------------------------------


class Coding(BaseModel):
    system: str
    code: str
    display: str | None = None


class Source(BaseModel):
    label: str
    url: str | None = None
    icon: str | None = None
    topic: Coding | None = None


class Action(BaseModel):
    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resourceId: str | None = None


class Suggestion(BaseModel):
    label: str
    uuid: str | None = None
    isRecommended: bool | None = None
    actions: list[Action] | None = None


class Link(BaseModel):
    label: str
    url: str
    type: Literal["absolute", "smart"]
    appContext: str | None = None
    autolaunchable: bool | None = None


class Card(BaseModel):
    uuid: str | None = None
    summary: str = Field(max_length=139)
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: Source
    suggestions: list[Suggestion] | None = None
    selectionBehavior: Literal["at-most-one", "any"] | None = None
    overrideReasons: list[Coding] | None = None
    links: list[Link] | None = None


class CdsServiceResponse(BaseModel):
    cards: list[Card]
    systemActions: list[Action] | None = None
    extension: dict[str, Any] | None = None


class ServiceDescription(BaseModel):
    hook: str
    id: str
    title: str
    description: str
    prefetch: dict[str, str] | None = None
    usageRequirements: str | None = None


class DiscoveryResponse(BaseModel):
    services: list[ServiceDescription]

"""The trust registry (CONTRACT.md S6): which CDS clients we believe, with which keys and algorithms.

One file (``SPINE_CDS_TRUST_FILE``, JSON or YAML) lists the clients. Each names its ``iss``, the key-set
URLs (``jku``) we may fetch for it, or its key set exchanged out of band (``jwks`` inline or
``jwks_file``), the algorithms it signs with, an optional ``tenant`` and the ``fhirServer`` prefixes it may
send. The file is checked whole at start-up: a typo must stop the service, not open it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.security.identity import ClientIdentity
from app.security.jwks import usable_keys
from app.urls import url_problem

log = logging.getLogger(__name__)

# S5: asymmetric only; ES384 and RS384 are the ones the spec recommends. EdDSA is left out on purpose:
# no CDS client we know signs with it, and every algorithm admitted is one more to get wrong.
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
# The sandbox's signing key is published with its private half (CONTRACT.md §2): anyone can mint its tokens.
SANDBOX_ISSUER = "https://sandbox.cds-hooks.org"


class TrustRegistryError(ValueError):
    """The trust file is missing, unreadable or unsafe; the service refuses to start."""


class ClientEntry(BaseModel):
    """One client as written in the trust file; unknown keys are refused so a typo cannot weaken a check."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    iss: str = Field(min_length=1, max_length=255)
    jku: list[str] = Field(default_factory=list)
    jwks: dict[str, Any] | None = None
    jwks_file: Path | None = None
    algorithms: list[str] = Field(min_length=1)
    tenant: str | None = Field(default=None, min_length=1)
    fhir_servers: list[str] = Field(default_factory=list)
    development_only: bool = False

    @field_validator("algorithms")
    @classmethod
    def _asymmetric_only(cls, algorithms: list[str]) -> list[str]:
        for name in algorithms:
            if name.lower() == "none" or name.upper().startswith("HS"):
                raise ValueError(f"{name!r} is forbidden: CDS Hooks forbids 'none' and HMAC (S5)")
            if name not in ASYMMETRIC_ALGORITHMS:
                raise ValueError(f"{name!r} is not one of {sorted(ASYMMETRIC_ALGORITHMS)}")
        return algorithms

    @model_validator(mode="after")
    def _one_source_of_keys(self) -> ClientEntry:
        if self.jwks is not None and self.jwks_file is not None:
            raise ValueError("give either jwks or jwks_file, not both")
        if not self.jku and self.jwks is None and self.jwks_file is None:
            raise ValueError("no keys: give jku (key-set URLs), or jwks / jwks_file (exchanged out of band)")
        return self


@dataclass(frozen=True, slots=True)
class TrustedClient:
    """A client ready for the verifier: keys parsed, public members only, indexed by ``kid``."""

    iss: str
    algorithms: frozenset[str]
    jku: tuple[str, ...] = ()
    keys: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    tenant: str | None = None
    fhir_servers: tuple[str, ...] = ()
    development_only: bool = False

    def identity(self) -> ClientIdentity:
        return ClientIdentity(iss=self.iss, fhir_servers=self.fhir_servers, tenant=self.tenant)


@dataclass(frozen=True, slots=True)
class TrustRegistry:
    clients: Mapping[str, TrustedClient]

    def client(self, iss: str) -> TrustedClient | None:
        return self.clients.get(iss)

    def development_only(self) -> list[str]:
        return sorted(c.iss for c in self.clients.values() if c.development_only or c.iss == SANDBOX_ISSUER)


def load_trust_registry(path: Path, *, production: bool) -> TrustRegistry:
    """Read and check the trust file; ``jwks_file`` paths are relative to the trust file's directory."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise TrustRegistryError(f"cannot read trust file {path}: {exc}") from exc
    return parse_trust_registry(data, base_dir=path.parent, production=production, source=str(path))


def parse_trust_registry(
    data: Any, *, base_dir: Path, production: bool, source: str = "trust file"
) -> TrustRegistry:
    """``data`` is a list of clients, or a mapping whose ``clients`` is that list."""
    entries = data.get("clients") if isinstance(data, dict) and set(data) == {"clients"} else data
    if not isinstance(entries, list) or not entries:
        raise TrustRegistryError(f"{source}: expected a non-empty list of clients (or {{clients: [...]}})")
    clients: dict[str, TrustedClient] = {}
    for index, raw in enumerate(entries):
        client = _client(raw, base_dir=base_dir, production=production, where=f"{source}: clients[{index}]")
        if client.iss in clients:
            raise TrustRegistryError(f"{source}: iss {client.iss!r} is listed twice")
        clients[client.iss] = client
    return TrustRegistry(clients)


def _client(raw: Any, *, base_dir: Path, production: bool, where: str) -> TrustedClient:
    try:
        entry = ClientEntry.model_validate(raw)
    except ValidationError as exc:
        errors = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors())
        raise TrustRegistryError(f"{where}: {errors}") from None
    problems = _unsafe(entry, production)
    if problems:
        raise TrustRegistryError(f"{where} ({entry.iss}): " + "; ".join(problems))
    return TrustedClient(
        iss=entry.iss,
        algorithms=frozenset(entry.algorithms),
        jku=tuple(entry.jku),
        keys=_static_keys(entry, base_dir, where),
        tenant=entry.tenant,
        fhir_servers=tuple(entry.fhir_servers),
        development_only=entry.development_only,
    )


def _unsafe(entry: ClientEntry, production: bool) -> list[str]:
    named = [("jku", url) for url in entry.jku] + [("fhir_servers", url) for url in entry.fhir_servers]
    problems = [f"{field} {url!r}: {why}" for field, url in named if (why := url_problem(url, production))]
    if production and (entry.development_only or entry.iss == SANDBOX_ISSUER):
        problems.append("a development-only client (its signing key is public) is refused in production")
    return problems


def _static_keys(entry: ClientEntry, base_dir: Path, where: str) -> dict[str, Mapping[str, Any]]:
    """Keys exchanged out of band (S6): every one must parse (in fetched sets bad keys are skipped)."""
    document: Any = entry.jwks
    if entry.jwks_file is not None:
        path = entry.jwks_file if entry.jwks_file.is_absolute() else base_dir / entry.jwks_file
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TrustRegistryError(f"{where}: cannot read jwks_file {path}: {exc}") from exc
    if document is None:
        return {}
    keys, problems = usable_keys(document)
    if problems or not keys:
        raise TrustRegistryError(f"{where}: unusable key set: " + ("; ".join(problems) or "no keys"))
    return keys

"""The one validated settings object (STYLE.md habit 4): env prefix ``SPINE_CDS_``, refuses unsafe values.

Two profiles. ``production`` (the default) insists on https, authentication and https FHIR allow-list
entries. ``development`` (what ``make run`` uses) fills in loopback-friendly defaults: a local SQLite
file, the CDS Hooks sandbox as a CORS origin, plain-http FHIR servers on loopback.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.pathway.policy import Policy
from app.policyfile import read_policy_file
from app.urls import url_problem

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SANDBOX_ORIGIN = "https://sandbox.cds-hooks.org"
# Trusts the public CDS Hooks sandbox, whose signing key anyone can use: development only (docs/security.md).
DEVELOPMENT_TRUST_FILE = PROJECT_ROOT / "deploy" / "trust" / "sandbox-development.yaml"
CommaList = Annotated[list[str], NoDecode]


class Profile(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    """``json``: one JSON object a line, for a log pipeline; ``text``: key=value lines for a terminal."""

    JSON = "json"
    TEXT = "text"


class FhirPool(StrEnum):
    """``own``: the FHIR client's keep-alive pool (``app/fhir/transport.py``); ``httpx``: httpx's own
    transport, a fallback should ours misbehave (slower: httpcore issue 1035, docs/performance.md)."""

    OWN = "own"
    HTTPX = "httpx"


class Mode(StrEnum):
    """``silent`` evaluates and audits but returns no cards (run new CDS silently first)."""

    ACTIVE = "active"
    SILENT = "silent"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SPINE_CDS_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    profile: Profile = Profile.PRODUCTION
    public_base_url: str = "http://127.0.0.1:8080"
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'spine-cds.db'}"
    auth_required: bool = True
    trust_file: Path | None = None
    fhir_server_allowlist: CommaList = Field(default_factory=list)
    cors_origins: CommaList = Field(default_factory=list)
    mode: Mode = Mode.ACTIVE
    fhir_request_timeout_seconds: float = Field(1.5, gt=0, le=30)
    hook_budget_seconds: float = Field(2.0, gt=0, le=30)
    fhir_page_cap: int = Field(10, ge=1, le=100)
    fhir_pool: FhirPool = FhirPool.OWN
    fhir_batch: bool = True
    fhir_max_response_bytes: int = Field(20_000_000, ge=100_000, le=1_000_000_000)
    fhir_max_query_chars: int = Field(2_000, ge=256, le=65_536)  # IIS refuses over 2,048 by default
    max_body_bytes: int = Field(5_000_000, ge=1_000)
    body_read_timeout_seconds: float = Field(10.0, gt=0, le=120)
    per_client_concurrency: int = Field(16, ge=1, le=1_000)
    jwks_cache_seconds: float = Field(3600.0, ge=60, le=86_400)
    jwks_refetch_cooldown_seconds: float = Field(30.0, ge=1, le=3600)
    jwks_fetch_timeout_seconds: float = Field(2.0, gt=0, le=10)
    cards_dir: Path = PROJECT_ROOT / "cards"
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.JSON
    metrics_enabled: bool = True
    otel_enabled: bool = False
    otel_endpoint: str | None = None
    site_timezone: str = "UTC"
    policy: Policy = Field(default_factory=Policy)  # SPINE_CDS_POLICY__<NAME>; bounds on Policy itself
    policy_file: Path | None = None  # the site Policy as YAML (docs/informatics.md); excludes POLICY__*
    silent_services: CommaList = Field(default_factory=list)  # service ids silent even when mode=active
    admin_username: str = "admin"
    admin_password: SecretStr | None = None  # unset or empty: no /admin dashboard (404)
    # PATHWAY.md §5: also write the older http://fhir.org/argonaut/StructureDefinition/ PAMA extension URLs
    pama_legacy_extension_urls: bool = False
    admin_replay_file: Path | None = None  # a replay's decisions.parquet shown on /admin (docs/replay.md)
    audit_hash_references: bool = False
    audit_hash_salt: SecretStr = SecretStr("")
    # --- hardening limits (docs/security.md, "Limits") ----------------------------------------------
    per_client_inflight_bytes: int = Field(16_000_000, ge=100_000)  # request bytes in flight per client
    max_orders_per_call: int = Field(50, ge=1, le=1_000)  # order-sign: draft orders rated per call
    header_read_timeout_seconds: float = Field(5.0, gt=0, le=60)  # `spine-cds serve`: headers must arrive
    admin_login_max_failures: int = Field(10, ge=1, le=1_000)  # wrong /admin logins per address per window
    admin_login_window_seconds: float = Field(300.0, ge=1, le=86_400)
    # jti records committed without waiting for the disk (docs/security.md, "Replay"): visible to every
    # replica at once; only an OS or database-server crash can forget the last moment's records
    replay_durable_commit: bool = False

    @field_validator("fhir_server_allowlist", "cors_origins", "silent_services", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("site_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:  # refuse to start rather than misdate orders
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("public_base_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _policy_from_file(self) -> Self:
        """The site policy file replaces the built-in defaults, validated before start-up."""
        if self.policy_file is None:
            return self
        if "policy" in self.model_fields_set:
            raise ValueError("set SPINE_CDS_POLICY_FILE or SPINE_CDS_POLICY__* values, not both")
        object.__setattr__(self, "policy", read_policy_file(self.policy_file))
        return self

    @model_validator(mode="after")
    def _profile_defaults_then_safety(self) -> Self:
        if self.profile is Profile.DEVELOPMENT:
            self._fill_development_defaults()
        problems = _unsafe_values(self)
        if problems:
            raise ValueError("unsafe settings, refusing to start: " + "; ".join(problems))
        return self

    def _fill_development_defaults(self) -> None:
        """Loopback FHIR servers, the sandbox origin and trust file, unless the operator set them."""
        if "fhir_server_allowlist" not in self.model_fields_set:
            loopback = ["http://127.0.0.1", "http://localhost", "https://launch.smarthealthit.org"]
            object.__setattr__(self, "fhir_server_allowlist", loopback)
        if "cors_origins" not in self.model_fields_set:
            object.__setattr__(self, "cors_origins", [SANDBOX_ORIGIN])
        if "trust_file" not in self.model_fields_set:
            object.__setattr__(self, "trust_file", DEVELOPMENT_TRUST_FILE)

    @property
    def pathway_policy(self) -> Policy:
        return self.policy


def _unsafe_values(settings: Settings) -> list[str]:
    """Every reason the settings are unsafe (CONTRACT.md G1/S1, STYLE.md habit 4)."""
    problems = [f"FHIR_SERVER_ALLOWLIST entry {url!r}: {why}"
                for url in settings.fhir_server_allowlist if (why := _allowlist_problem(url, settings))]
    problems += _audit_and_admin_problems(settings)
    if settings.per_client_inflight_bytes < settings.max_body_bytes:
        problems.append("PER_CLIENT_INFLIGHT_BYTES must be at least MAX_BODY_BYTES (one whole request)")
    if settings.profile is Profile.PRODUCTION:
        problems += _production_problems(settings)
    return problems


MIN_SECRET_LENGTH = 16


def _audit_and_admin_problems(settings: Settings) -> list[str]:
    """A short salt makes hashed references guessable; a weak admin password guards clinical statistics."""
    problems = []
    if settings.audit_hash_references and len(settings.audit_hash_salt) < MIN_SECRET_LENGTH:
        problems.append(f"AUDIT_HASH_REFERENCES needs an AUDIT_HASH_SALT of {MIN_SECRET_LENGTH}+ characters")
    password = settings.admin_password.get_secret_value() if settings.admin_password else ""
    if password and not settings.admin_username.strip():
        problems.append("ADMIN_USERNAME cannot be empty when ADMIN_PASSWORD is set")
    if password and len(password) < MIN_SECRET_LENGTH and settings.profile is Profile.PRODUCTION:
        problems.append(f"ADMIN_PASSWORD must be at least {MIN_SECRET_LENGTH} characters in production")
    return problems


def _allowlist_problem(url: str, settings: Settings) -> str | None:
    return url_problem(url, production=settings.profile is Profile.PRODUCTION)


def _production_problems(settings: Settings) -> list[str]:
    problems = []
    if not settings.public_base_url.startswith("https://"):
        problems.append("PUBLIC_BASE_URL must be https in production")
    if not settings.auth_required:
        problems.append("AUTH_REQUIRED cannot be false in production")
    if settings.auth_required and settings.trust_file is None:
        problems.append("production needs TRUST_FILE (the trust registry of CDS clients)")
    if "*" in settings.cors_origins:
        problems.append("CORS_ORIGINS '*' is not allowed in production; list the EHR origins")
    return problems


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()

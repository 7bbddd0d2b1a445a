"""Prometheus metrics for operators: hook latency, cards, ratings, data access, auth failures.

One process-wide ``CollectorRegistry`` (one uvicorn process per container, STYLE.md layout), exported at
``/metrics``. The registry itself lives in the leaf module ``app.metrics``, where the FHIR fallback
counts into it too (fetched, failed and incomplete keys, the round's wall time, other-patient resources).

Every label value comes from a small fixed set — service ids, card topics, indicators, ratings, rule
codes, prefetch key names, refusal kinds — never a patient id, a URL, a ``hookInstance`` or a token:
labels are kept forever by Prometheus and a free-text one would both leak and explode cardinality.
"""

from __future__ import annotations

import re

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    Counter,
    GCCollector,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

from app import __version__
from app.metrics import REGISTRY

__all__ = [
    "ADMIN_LOGIN_FAILURES", "AUDIT_SET_ASIDE", "AUTH_FAILURES", "CARDS", "CONTENT_TYPE", "DATA_KEYS",
    "HOOK_SECONDS", "RATINGS", "REGISTRY", "RULES", "SKIPPED_RESOURCES",
    "auth_failure_kind", "count_admin_login_failure", "count_audit_set_aside", "count_auth_failure", "render",
]

CONTENT_TYPE = CONTENT_TYPE_LATEST
# A hook call must answer within the EHR's budget (HOOK_BUDGET_SECONDS, 2 s by default): finer below it.
HOOK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)

for _collector in (ProcessCollector, PlatformCollector, GCCollector):
    _collector(registry=REGISTRY)

Info("spine_cds_build", "The running release", registry=REGISTRY).info({"version": __version__})
HOOK_SECONDS = Histogram(
    "spine_cds_hook_duration_seconds", "Hook call time, from parsed request to response built",
    ["service"], buckets=HOOK_BUCKETS, registry=REGISTRY,
)
CARDS = Counter(
    "spine_cds_cards", "Cards rendered per rated order (mode=silent: rendered but not shown)",
    ["service", "topic", "indicator", "mode"], registry=REGISTRY,
)
RATINGS = Counter(
    "spine_cds_ratings", "Appropriateness ratings given (unrated: patient-view or no rating)",
    ["service", "rating"], registry=REGISTRY,
)
RULES = Counter("spine_cds_rules_fired", "Pathway rules that fired (decision codes)", ["service", "rule"],
                registry=REGISTRY)
SKIPPED_RESOURCES = Counter(
    "spine_cds_skipped_resources", "Malformed FHIR resources skipped while reading the chart", ["service"],
    registry=REGISTRY,
)
DATA_KEYS = Counter(
    "spine_cds_data_keys", "Prefetch keys by where their data came from (prefetch, fetched, failed, "
    "incomplete)", ["service", "key", "source"], registry=REGISTRY,
)
AUTH_FAILURES = Counter("spine_cds_auth_failures", "Refused CDS client tokens, by kind of refusal",
                        ["reason"], registry=REGISTRY)

# The refusal messages of app.security.verifier and app.hooks.auth, mapped to a fixed set of kinds; the
# messages themselves may quote attacker-chosen text (an ``alg``), so they never become a label.
_AUTH_REASONS: tuple[tuple[str, str], ...] = (
    (r"^no bearer token", "no_token"),
    (r"^no trust registry configured", "no_trust_registry"),
    (r"^not a well-formed JWS|^claims are not a JSON object", "malformed"),
    (r"^alg .* is forbidden", "alg_forbidden"),
    (r"^alg .* is not on this client's list", "alg_not_allowed"),
    (r"^no kid", "no_kid"),
    (r"^typ is not JWT", "bad_typ"),
    (r"^jku is not a string", "bad_jku"),
    (r"^jku is not on this client's list", "jku_not_allowed"),
    (r"^no iss claim", "no_iss"),
    (r"^issuer is not in the trust registry", "unknown_issuer"),
    (r"^kid does not resolve", "unknown_kid"),
    (r"^key is for ", "key_alg_mismatch"),
    (r"^missing claim ", "missing_claim"),
    (r"^expired", "expired"),
    (r"^not yet valid", "not_yet_valid"),
    (r"^aud is not this endpoint", "wrong_audience"),
    (r"^iss does not match", "wrong_issuer"),
    (r"^bad signature", "bad_signature"),
    (r"^key does not fit the algorithm|^algorithm does not fit the key", "bad_key"),
    (r"^invalid token", "invalid_token"),
    (r"^\w+ is not a number", "bad_time_claim"),
    (r"^lives longer than", "lifetime_too_long"),
    (r"^crit or b64 header", "jws_extension"),
    (r"^sub is not a string", "bad_sub"),
    (r"^jti must be", "bad_jti"),
    (r"^jti replayed", "replayed"),
    (r"^tenant is not", "wrong_tenant"),
)
AUTH_FAILURE_KINDS = frozenset(kind for _, kind in _AUTH_REASONS) | {"other"}


def auth_failure_kind(reason: str) -> str:
    """The fixed label for a refusal message; ``other`` for a message this table does not know yet."""
    return next((kind for pattern, kind in _AUTH_REASONS if re.match(pattern, reason)), "other")


def count_auth_failure(reason: str) -> None:
    AUTH_FAILURES.labels(reason=auth_failure_kind(reason)).inc()


def render() -> bytes:
    """The text exposition format of everything above, as ``/metrics`` serves it."""
    return generate_latest(REGISTRY)


# --- refused work (docs/security.md, "Limits"): an operator sees an attack or a poisoned row here ---------

AUDIT_SET_ASIDE = Counter(
    "spine_cds_audit_set_aside", "Audit records the database refused, set aside so the rest are written",
    registry=REGISTRY,
)
ADMIN_LOGIN_FAILURES = Counter(
    "spine_cds_admin_login_failures", "Refused /admin credentials (refused) and attempts turned away while "
    "an address is locked out (throttled)", ["reason"], registry=REGISTRY,
)


def count_audit_set_aside() -> None:
    AUDIT_SET_ASIDE.inc()


def count_admin_login_failure(reason: str) -> None:
    """``reason``: ``refused`` or ``throttled`` (a fixed set, never the user name tried)."""
    ADMIN_LOGIN_FAILURES.labels(reason=reason).inc()

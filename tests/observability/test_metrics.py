"""/metrics: hook latency, cards, ratings, rules, data keys, fallback fetches, auth failures —
with label values from fixed sets only, never a patient id, hookInstance or token."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from observability.canary import HOOK_INSTANCE, SERVICE, SERVICE_PATH
from prometheus_client.parser import text_string_to_metric_families

from app.main import create_app
from app.observability import MetricsObserver
from app.observability.metrics import AUTH_FAILURE_KINDS, REGISTRY, auth_failure_kind
from app.observability.outcome import HookOutcome, RatedOrder
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
# Every label name our metrics may carry; each one's values come from a fixed set (module docstring).
ALLOWED_LABELS = {"service", "topic", "indicator", "mode", "rating", "rule", "key", "source", "reason",
                  "method", "le", "version", "generation", "implementation", "major", "minor", "patchlevel"}


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def scrape(client: httpx.AsyncClient) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_a_hook_call_is_counted_by_service(client: httpx.AsyncClient, call_hook: Any) -> None:
    before = value("spine_cds_hook_duration_seconds_count", service=SERVICE)
    ratings_before = sum(s.value for s in _samples("spine_cds_ratings_total", service=SERVICE))
    await call_hook()
    assert value("spine_cds_hook_duration_seconds_count", service=SERVICE) == before + 1
    assert sum(s.value for s in _samples("spine_cds_ratings_total", service=SERVICE)) == ratings_before + 1
    assert _samples("spine_cds_rules_fired_total", service=SERVICE)
    assert value("spine_cds_data_keys_total", service=SERVICE, key="procedures", source="fetched") >= 1
    assert value("spine_cds_data_keys_total", service=SERVICE, key="patient", source="prefetch") >= 1
    text = await scrape(client)
    assert 'spine_cds_hook_duration_seconds_bucket{le="0.5",service="spine-imaging-order-select"}' in text


async def test_cards_are_counted_by_topic_and_indicator(call_hook: Any) -> None:
    call = await call_hook()
    cards = call.response.json()["cards"]
    assert cards, "the example must show a card, or this test proves nothing"
    topic, indicator = cards[0]["source"]["topic"]["code"], cards[0]["indicator"]
    shown = value("spine_cds_cards_total", service=SERVICE, topic=topic, indicator=indicator, mode="active")
    assert shown >= 1


async def test_fallback_fetches_are_exported(client: httpx.AsyncClient, call_hook: Any) -> None:
    await call_hook()
    text = await scrape(client)
    assert 'spine_cds_fhir_keys_fetched_total{key="procedures"}' in text
    assert "spine_cds_fhir_fallback_seconds_count" in text


async def test_auth_failures_are_counted_by_kind(client: httpx.AsyncClient) -> None:
    before = value("spine_cds_auth_failures_total", reason="no_token")
    refused = await client.post(SERVICE_PATH, json={})
    assert refused.status_code == 401
    assert value("spine_cds_auth_failures_total", reason="no_token") == before + 1


async def test_no_patient_id_name_token_or_hook_instance_in_metrics(
    client: httpx.AsyncClient, call_hook: Any
) -> None:
    call = await call_hook()
    await client.post(SERVICE_PATH, json={}, headers={"Authorization": f"Bearer {call.jwt}"})  # a replay
    text = await scrape(client)
    for what, secret in {**call.secrets(), "hookInstance": HOOK_INSTANCE}.items():
        assert secret not in text, f"the {what} is in /metrics"


async def test_every_label_name_is_one_with_fixed_values(client: httpx.AsyncClient, call_hook: Any) -> None:
    await call_hook()
    names = {label for family in text_string_to_metric_families(await scrape(client))
             for sample in family.samples for label in sample.labels}
    assert names <= ALLOWED_LABELS, names - ALLOWED_LABELS


async def test_metrics_can_be_switched_off(settings_factory: Callable[..., Settings]) -> None:
    app = create_app(settings_factory(metrics_enabled=False))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            assert (await http.get("/metrics")).status_code == 404


def test_metrics_stay_out_of_the_openapi_document(settings: Settings) -> None:
    assert "/metrics" not in create_app(settings).openapi()["paths"]


def test_a_client_chosen_prefetch_key_never_becomes_a_label() -> None:
    outcome = _outcome(keys_from_prefetch=("patient", "Patient/123-not-a-key"))
    MetricsObserver().observe(outcome)
    keys = {s.labels["key"] for s in _samples("spine_cds_data_keys_total", service="unit-test-service")}
    assert keys == {"patient"}


def test_silent_cards_are_counted_apart() -> None:
    MetricsObserver().observe(_outcome(silent=True))
    assert value("spine_cds_cards_total", service="unit-test-service", topic="t", indicator="info",
                 mode="silent") >= 1


# --- refusal messages to fixed kinds ------------------------------------------------------------------------


@pytest.mark.parametrize(("message", "kind"), [
    ("no bearer token", "no_token"),
    ("alg 'none' is forbidden (S5: asymmetric algorithms only)", "alg_forbidden"),
    ("alg ES256 is not on this client's list", "alg_not_allowed"),
    ("expired (exp)", "expired"),
    ("not yet valid (The token is not yet valid (nbf))", "not_yet_valid"),
    ("aud is not this endpoint", "wrong_audience"),
    ("missing claim jti", "missing_claim"),
    ("invalid token (DecodeError)", "invalid_token"),
    ("algorithm does not fit the key", "bad_key"),
    ("iat is not a number (RFC 7519 NumericDate)", "bad_time_claim"),
    ("jti replayed", "replayed"),
    ("something new", "other"),
    ("alg 'eyJhbGciOi.secret' is forbidden", "alg_forbidden"),
])
def test_refusal_messages_map_to_fixed_kinds(message: str, kind: str) -> None:
    assert auth_failure_kind(message) == kind


def test_every_refusal_the_verifier_can_give_has_a_kind() -> None:
    """Guards the table against a new or reworded message in app.security or app.hooks.auth."""
    messages = list(_refusal_messages())
    assert len(messages) > 15
    unknown = [m for m in messages if auth_failure_kind(m) == "other"]
    assert not unknown, f"add these to app/observability/metrics.py _AUTH_REASONS: {unknown}"
    assert {auth_failure_kind(m) for m in messages} <= AUTH_FAILURE_KINDS


def _refusal_messages() -> Any:
    """First arguments of TokenRejected(...) and _refuse(...), and the reasons table in ``_why``."""
    for path in [*(ROOT / "app" / "security").glob("*.py"), ROOT / "app" / "hooks" / "auth.py"]:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) in {"TokenRejected", "_refuse"} and node.args:
                arg = node.args[1] if _called(node) == "_refuse" else node.args[0]
                yield from _texts(arg)
            if isinstance(node, ast.FunctionDef) and node.name == "_why":
                for tup in (n for n in ast.walk(node) if isinstance(n, ast.Tuple) and len(n.elts) == 2):
                    yield from _texts(tup.elts[1])


def _called(node: ast.Call) -> str:
    return node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")


def _texts(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        yield "".join(v.value if isinstance(v, ast.Constant) else "X" for v in node.values)
    elif isinstance(node, ast.IfExp):
        yield from _texts(node.body)
        yield from _texts(node.orelse)


def _samples(name: str, **labels: str) -> list[Any]:
    return [sample for metric in REGISTRY.collect() for sample in metric.samples
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())]


def _outcome(**overrides: Any) -> HookOutcome:
    from datetime import UTC, datetime

    evaluation = RatedOrder("consult", None, ("R1",), None, ("uuid",), ("t",), ("info",))
    values: dict[str, Any] = {
        "service_id": "unit-test-service", "hook": "patient-view", "hook_instance": "h",
        "client_iss": None, "patient_reference": "Patient/123", "at": datetime.now(UTC),
        "latency_ms": 12.0, "silent": False, "evaluations": (evaluation,),
    }
    return HookOutcome(**{**values, **overrides})

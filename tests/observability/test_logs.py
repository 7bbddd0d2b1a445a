"""Structured logs: JSON lines carrying hook_instance, service, client, rules and timings, with
no token, JWT, patient name or patient id in any line — read from the handler the process would use."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from observability.canary import HOOK_INSTANCE, SERVICE

from app.observability import configure_logging
from app.observability.logs import REDACTED, redact, scrub
from app.settings import LogFormat, Settings


@pytest.fixture
def log_stream(settings: Settings) -> Iterator[io.StringIO]:
    """The process's logging set up as ``app.main`` does, into a buffer; undone afterwards."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging(settings.model_copy(update={"log_level": "DEBUG"}), stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        structlog.reset_defaults()
        structlog.contextvars.clear_contextvars()


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_a_hook_call_logs_json_with_its_ids_and_no_secret(
    log_stream: io.StringIO, call_hook: Any
) -> None:
    call = await call_hook()
    records = lines(log_stream)  # every line is JSON, or this raises
    evaluated = next(r for r in records if r["message"] == "hook evaluated")
    assert evaluated["hook_instance"] == HOOK_INSTANCE
    assert evaluated["service"] == SERVICE
    assert evaluated["client"] == "https://ehr.example.org"
    assert evaluated["rules"] and evaluated["ratings"]
    assert isinstance(evaluated["ms"], float)
    assert {"timestamp", "level", "logger"} <= evaluated.keys()
    fallback = next(r for r in records if r["message"] == "fhir fallback")
    assert fallback["hook_instance"] == HOOK_INSTANCE, "lines logged during the call carry its ids"
    text = log_stream.getvalue()
    for what, secret in call.secrets().items():
        assert secret not in text, f"the {what} is in the logs"


async def test_an_auth_failure_logs_its_reason_and_not_the_token(
    log_stream: io.StringIO, call_hook: Any, client: Any
) -> None:
    call = await call_hook()
    replayed = await client.post("/cds-services/spine-imaging-order-select", json={},
                                 headers={"Authorization": f"Bearer {call.jwt}"})
    assert replayed.status_code == 401
    refusal = next(r for r in lines(log_stream) if r["message"].startswith("auth failed"))
    assert refusal["reason"] == "jti replayed"
    assert refusal["level"] == "warning"
    assert call.jwt.rsplit(".", 1)[-1] not in log_stream.getvalue()


def test_text_format_is_key_value(settings: Settings) -> None:
    stream = io.StringIO()
    handler = configure_logging(settings.model_copy(update={"log_format": LogFormat.TEXT}), stream)
    try:
        logging.getLogger("app.test").info("hello", extra={"service": "s"})
    finally:
        logging.getLogger().removeHandler(handler)
        structlog.reset_defaults()
    assert "event='hello'" in stream.getvalue() and "service='s'" in stream.getvalue()


def test_unknown_log_level_refuses_to_start(settings: Settings) -> None:
    with pytest.raises(ValueError, match="LOG_LEVEL"):
        configure_logging(settings.model_copy(update={"log_level": "LOUD"}), io.StringIO())


def test_httpx_info_lines_with_fhir_urls_are_held_back(log_stream: io.StringIO) -> None:
    logging.getLogger("httpx").info("HTTP Request: GET https://ehr/fhir/Condition?patient=123")
    assert "patient=123" not in log_stream.getvalue()


def test_bearer_tokens_and_jws_are_scrubbed_from_messages() -> None:
    jws = "eyJhbGciOiJFUzM4NCJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"
    assert scrub(f"header Authorization: Bearer abc.def, then {jws}") == (
        f"header Authorization: Bearer {REDACTED}, then {REDACTED}")


def test_fields_named_like_credentials_are_replaced() -> None:
    event = redact(None, "info", {"event": "x", "access_token": "t", "nested": {"Authorization": "a"},
                                  "keys": ["ok"]})
    assert event == {"event": "x", "access_token": REDACTED, "nested": {"Authorization": REDACTED},
                     "keys": ["ok"]}

"""Structured logs: every ``logging`` record, ours and the libraries', as one JSON line.

The code logs through the standard library with ``extra=`` fields and needs no structlog import;
structlog's ``ProcessorFormatter`` renders each record with its extras, the level, the logger and a UTC
timestamp. ``bind_hook`` adds ``service``, ``hook_instance`` and ``client`` to every line logged while a
hook call runs (the FHIR fallback's, an observer's), through context variables.

Kept out of every line: bearer tokens and JWTs (scrubbed from messages and values by pattern; a field
named like a credential is replaced) and patient data. Nothing of ours logs patient data; httpx and
httpcore, whose INFO lines print whole FHIR URLs (``Condition?patient=<id>``), are held at WARNING. A
scrubber cannot recognise a name or a birth date, so the real guard is what the code chooses to log
(tests/observability/test_logs.py calls a hook with a known name and token and reads every line).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

from app.settings import LogFormat, Settings

HANDLER_NAME = "spine-cds"
QUIET_LOGGERS = ("httpx", "httpcore")
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
REDACTED = "[redacted]"
_CREDENTIAL_FIELD = re.compile(r"token|authorization|password|secret|jwt|cookie|salt", re.IGNORECASE)
_BEARER = re.compile(r"(?i)\bbearer\s+[^\s\"',;]+")
_JWS = re.compile(r"\beyJ[\w-]*\.[\w-]+\.[\w-]*")  # compact JWS: base64url header starting '{"'


def configure_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Route every record to one handler on the root logger; returns it so a test can remove it.

    Other handlers on the root (pytest's) are left alone; a previous handler of ours is replaced.
    uvicorn's own handlers are dropped so its access and error lines come out in the same format.
    """
    level = _level(settings.log_level)
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(_formatter(settings.log_format))
    root = logging.getLogger()
    for previous in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    for name in SERVER_LOGGERS:
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    structlog.configure(
        processors=[*_shared_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    return handler


def bind_hook(service_id: str, hook_instance: str, client: str | None) -> None:
    """Fields for every line logged during this hook call (the context is per request task)."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service_id, hook_instance=hook_instance, client=client)


def _level(name: str) -> int:
    level = logging.getLevelNamesMapping().get(name.upper())
    if level is None:
        raise ValueError(f"LOG_LEVEL {name!r} is not a logging level (DEBUG, INFO, WARNING, ERROR)")
    return level


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        _drop_color_message,
        redact,
    ]


def _formatter(log_format: LogFormat) -> logging.Formatter:
    renderer: list[Any] = (
        [structlog.processors.EventRenamer("message"), structlog.processors.JSONRenderer()]
        if log_format is LogFormat.JSON
        else [structlog.processors.KeyValueRenderer(key_order=["timestamp", "level", "logger", "event"])]
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
    )


EventDict = MutableMapping[str, Any]


def _drop_color_message(_logger: Any, _method: str, event: EventDict) -> EventDict:
    """uvicorn passes its message again with terminal colour codes as an extra."""
    event.pop("color_message", None)
    return event


def redact(_logger: Any, _method: str, event: EventDict) -> EventDict:
    """A structlog processor: credentials out of field names, messages and nested values."""
    for key in [k for k in event if not k.startswith("_")]:
        event[key] = REDACTED if _CREDENTIAL_FIELD.search(key) else scrub(event[key])
    return event


def scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _JWS.sub(REDACTED, _BEARER.sub(f"Bearer {REDACTED}", value))
    if isinstance(value, dict):
        return {k: REDACTED if _CREDENTIAL_FIELD.search(str(k)) else scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(item) for item in value]
    return value

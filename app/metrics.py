"""The one metrics system: ``prometheus_client``, one process-wide registry exported at ``/metrics``.

A leaf module (nothing of the app below it), so the FHIR fallback can count into the registry without
importing ``app.observability``. ``counter`` and ``histogram`` get or create by name: the FHIR fetcher is
built once per app, and tests build the app many times, where ``prometheus_client`` itself would refuse
a second registration of the same name. Label values must come from small fixed sets (key names, failure
kinds): never ids, URLs or tokens (``app.observability.metrics``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar
from weakref import WeakKeyDictionary

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry()
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)

_M = TypeVar("_M", Counter, Histogram)
_made: WeakKeyDictionary[CollectorRegistry, dict[str, Counter | Histogram]] = WeakKeyDictionary()
_lock = threading.Lock()


def counter(name: str, help_text: str, labelnames: Sequence[str] = (),
            registry: CollectorRegistry = REGISTRY) -> Counter:
    """The counter ``name`` (exported as ``<name>_total``), created on first use."""
    return _get_or_create(registry, name, Counter,
                          lambda: Counter(name, help_text, labelnames, registry=registry))


def histogram(name: str, help_text: str, labelnames: Sequence[str] = (),
              buckets: Sequence[float] = DEFAULT_BUCKETS,
              registry: CollectorRegistry = REGISTRY) -> Histogram:
    """The histogram ``name``, created on first use."""
    return _get_or_create(registry, name, Histogram,
                          lambda: Histogram(name, help_text, labelnames, registry=registry, buckets=buckets))


def _get_or_create(registry: CollectorRegistry, name: str, kind: type[_M], make: Callable[[], _M]) -> _M:
    with _lock:
        known = _made.setdefault(registry, {})
        if name not in known:
            known[name] = make()
        found = known[name]
    if not isinstance(found, kind):
        raise ValueError(f"metric {name} already registered as another type")
    return found

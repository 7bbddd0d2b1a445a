"""What a fallback round reports: Prometheus counters per key and outcome, and one log line.

Labels and log fields are key names, outcome kinds, counts and milliseconds only: URLs hold patient ids
and the bearer token is a credential, so neither is ever recorded (CONTRACT.md R6).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram

from app.fhir.bundles import KeyData
from app.fhir.progress import KeyProgress
from app.metrics import counter, histogram

# The fallback's logger kept its name from before the client module was split: log queries select on it.
log = logging.getLogger("app.fhir.client")
# httpx logs every request line, URL included, at INFO: URLs carry patient ids, so keep it to warnings.
# ``configure_logging`` does the same for the served process; this covers an app built without it
# (``create_app`` in tests and embedders), as soon as the fetcher is imported.
logging.getLogger("httpx").setLevel(logging.WARNING)


@dataclass(frozen=True, slots=True)
class FetchMetrics:
    """Counters per key and outcome, and the fallback round's wall time (labels: key names, kinds only)."""

    fetched: Counter
    failed: Counter
    incomplete: Counter
    seconds: Histogram
    requests: Counter
    children: dict[tuple[object, ...], Counter] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def on(cls, registry: CollectorRegistry) -> FetchMetrics:
        return cls(
            counter("spine_cds_fhir_keys_fetched", "Keys fetched from fhirServer", ["key"], registry),
            counter("spine_cds_fhir_keys_failed", "Keys not fetched", ["key", "reason"], registry),
            counter("spine_cds_fhir_keys_incomplete", "Keys fetched in part", ["key", "reason"], registry),
            histogram("spine_cds_fhir_fallback_seconds", "Wall time of one fallback round",
                      registry=registry),
            counter("spine_cds_fhir_requests", "Requests sent to fhirServer (the batch POST, GETs)",
                    ["method"], registry),
        )

    def record(self, progress: Mapping[str, KeyProgress], results: Mapping[str, KeyData], seconds: float,
               requests: Mapping[str, int] | None = None) -> None:
        """``results``: each key's ``KeyProgress.result()``, read once by the caller (it dedupes pages)."""
        for method, count in (requests or {}).items():
            self._child(self.requests, method).inc(count)
        for key, p in progress.items():
            result = results[key]
            if p.no_data or not result.failed:
                self._child(self.fetched, key).inc()
            if result.failed:
                self._child(self.failed, key, p.kind or "unknown").inc()
            elif result.incomplete:
                self._child(self.incomplete, key, p.kind or "unknown").inc()
        self.seconds.observe(seconds)

    def _child(self, metric: Counter, *labels: str) -> Counter:
        """``metric.labels(*labels)``, looked up once: a fallback call counts a dozen, and each lookup
        validates and locks (~4 µs). The label values are key names, kinds and methods: a few dozen."""
        found = self.children.get((id(metric), *labels))
        if found is None:
            found = self.children[(id(metric), *labels)] = metric.labels(*labels)
        return found


def log_round(progress: Mapping[str, KeyProgress], seconds: float,
              requests: Mapping[str, int] | None = None) -> None:
    keys = {
        key: {"pages": p.pages, "resources": len(p.resources), "outcome": p.kind or "ok"}
        for key, p in sorted(progress.items())
    }
    log.info("fhir fallback", extra={"keys": keys, "ms": round(seconds * 1000, 1),
                                     "requests": dict(requests or {})})


def log_crash(key: str, error: BaseException) -> None:
    """A key's task raised: a bug, not the server's doing; the error's type only (its text may hold a URL)."""
    log.error("fhir fetch crashed", extra={"key": key, "error_type": type(error).__name__})

"""A tiny in-process metrics registry: counters and histograms with labels, no dependency.

Why not ``prometheus_client`` here: the FHIR fallback only needs a few numbers, and this package stays
free of the exporter. The shapes follow Prometheus (name, help, label names, cumulative ``le`` buckets);
``/metrics`` exports ``REGISTRY`` by walking ``Registry.collect()`` (``app.observability.metrics``
``InProcessBridge``), and ``Registry.render_text()`` speaks the text exposition format 0.0.4 on its own.
Label values must come from small fixed sets (key names, failure kinds): never ids, URLs or tokens.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

LabelValues = tuple[str, ...]
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)


@dataclass(frozen=True, slots=True)
class Sample:
    """One exported number: ``name`` may carry a suffix (``_bucket``, ``_sum``, ``_count``)."""

    name: str
    labels: tuple[tuple[str, str], ...]
    value: float


class _Metric:
    kind = "untyped"

    def __init__(self, name: str, help_text: str, labelnames: Sequence[str]) -> None:
        self.name = name
        self.help = help_text
        self.labelnames = tuple(labelnames)
        self._lock = threading.Lock()

    def _key(self, labels: dict[str, str]) -> LabelValues:
        if set(labels) != set(self.labelnames):
            raise ValueError(f"{self.name} takes labels {self.labelnames}, got {tuple(labels)}")
        return tuple(str(labels[name]) for name in self.labelnames)

    def _pairs(self, values: LabelValues, *extra: tuple[str, str]) -> tuple[tuple[str, str], ...]:
        return (*zip(self.labelnames, values, strict=True), *extra)

    def samples(self) -> list[Sample]:
        raise NotImplementedError


class Counter(_Metric):
    kind = "counter"

    def __init__(self, name: str, help_text: str, labelnames: Sequence[str] = ()) -> None:
        super().__init__(name, help_text, labelnames)
        self._values: dict[LabelValues, float] = {}

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        if amount < 0:
            raise ValueError("a counter only goes up")
        key = self._key(labels)
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        with self._lock:
            return self._values.get(self._key(labels), 0.0)

    def samples(self) -> list[Sample]:
        with self._lock:
            items = sorted(self._values.items())
        return [Sample(f"{self.name}_total", self._pairs(key), value) for key, value in items]


@dataclass(frozen=True, slots=True)
class HistogramSnapshot:
    count: int
    sum: float
    buckets: tuple[tuple[float, int], ...]  # (upper bound, cumulative count), +Inf last


class Histogram(_Metric):
    kind = "histogram"

    def __init__(self, name: str, help_text: str, labelnames: Sequence[str] = (),
                 buckets: Sequence[float] = DEFAULT_BUCKETS) -> None:
        super().__init__(name, help_text, labelnames)
        self.bounds = (*sorted(buckets), math.inf)
        self._counts: dict[LabelValues, list[int]] = {}
        self._sums: dict[LabelValues, float] = {}

    def observe(self, value: float, **labels: str) -> None:
        key = self._key(labels)
        with self._lock:
            counts = self._counts.setdefault(key, [0] * len(self.bounds))
            counts[next(i for i, bound in enumerate(self.bounds) if value <= bound)] += 1
            self._sums[key] = self._sums.get(key, 0.0) + value

    def snapshot(self, **labels: str) -> HistogramSnapshot:
        key = self._key(labels)
        with self._lock:
            counts = list(self._counts.get(key, [0] * len(self.bounds)))
            total = self._sums.get(key, 0.0)
        cumulative = [sum(counts[: i + 1]) for i in range(len(counts))]
        return HistogramSnapshot(cumulative[-1], total, tuple(zip(self.bounds, cumulative, strict=True)))

    def samples(self) -> list[Sample]:
        with self._lock:
            keys = sorted(self._counts)
        return [sample for key in keys for sample in self._samples_for(key)]

    def _samples_for(self, key: LabelValues) -> Iterator[Sample]:
        snap = self.snapshot(**dict(zip(self.labelnames, key, strict=True)))
        for bound, count in snap.buckets:
            yield Sample(f"{self.name}_bucket", self._pairs(key, ("le", _format(bound))), count)
        yield Sample(f"{self.name}_sum", self._pairs(key), snap.sum)
        yield Sample(f"{self.name}_count", self._pairs(key), snap.count)


M = TypeVar("M", bound=_Metric)


class Registry:
    """Get-or-create by name, so building the app twice (tests) reuses the same metric."""

    def __init__(self) -> None:
        self._metrics: dict[str, _Metric] = {}
        self._lock = threading.Lock()

    def counter(self, name: str, help_text: str, labelnames: Sequence[str] = ()) -> Counter:
        return self._get_or_create(Counter, lambda: Counter(name, help_text, labelnames), name, labelnames)

    def histogram(self, name: str, help_text: str, labelnames: Sequence[str] = (),
                  buckets: Sequence[float] = DEFAULT_BUCKETS) -> Histogram:
        return self._get_or_create(
            Histogram, lambda: Histogram(name, help_text, labelnames, buckets), name, labelnames
        )

    def _get_or_create(self, kind: type[M], make: Callable[[], M], name: str, labelnames: Sequence[str]) -> M:
        with self._lock:
            if name not in self._metrics:
                self._metrics[name] = make()
            found = self._metrics[name]
        if not isinstance(found, kind) or found.labelnames != tuple(labelnames):
            raise ValueError(f"metric {name} already registered with another type or labels")
        return found

    def collect(self) -> list[_Metric]:
        with self._lock:
            return [self._metrics[name] for name in sorted(self._metrics)]

    def render_text(self) -> str:
        """Prometheus text exposition format 0.0.4."""
        lines: list[str] = []
        for metric in self.collect():
            lines += [f"# HELP {metric.name} {metric.help}", f"# TYPE {metric.name} {metric.kind}"]
            lines += [_line(sample) for sample in metric.samples()]
        return "\n".join(lines) + "\n"


def _format(value: float) -> str:
    if math.isinf(value):
        return "+Inf"
    return repr(float(value))


def _line(sample: Sample) -> str:
    labels = ",".join(f'{name}="{_escape(value)}"' for name, value in sample.labels)
    name = f"{sample.name}{{{labels}}}" if labels else sample.name
    return f"{name} {_format(sample.value)}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


REGISTRY = Registry()

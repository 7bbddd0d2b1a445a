"""The in-process metrics registry: counters, histograms, and the Prometheus text it exports."""

from __future__ import annotations

import math

import pytest

from app.fhir.metrics import Registry


def test_counter_counts_per_label_set() -> None:
    counter = Registry().counter("keys", "Keys", ["key"])
    counter.inc(key="patient")
    counter.inc(2, key="patient")
    counter.inc(key="conditions")
    assert counter.value(key="patient") == 3
    assert counter.value(key="conditions") == 1
    assert counter.value(key="imaging") == 0


def test_counter_refuses_wrong_labels_and_negative_steps() -> None:
    counter = Registry().counter("keys", "Keys", ["key"])
    with pytest.raises(ValueError, match="labels"):
        counter.inc(reason="x")
    with pytest.raises(ValueError, match="only goes up"):
        counter.inc(-1, key="patient")


def test_histogram_buckets_are_cumulative_with_an_infinite_last_bucket() -> None:
    histogram = Registry().histogram("seconds", "Seconds", buckets=(0.1, 1.0))
    for value in (0.05, 0.5, 0.7, 3.0):
        histogram.observe(value)
    snap = histogram.snapshot()
    assert snap.count == 4
    assert snap.sum == pytest.approx(4.25)
    assert snap.buckets == ((0.1, 1), (1.0, 3), (math.inf, 4))


def test_registry_returns_the_same_metric_for_the_same_name() -> None:
    registry = Registry()
    assert registry.counter("a", "A", ["key"]) is registry.counter("a", "A", ["key"])
    with pytest.raises(ValueError, match="already registered"):
        registry.histogram("a", "A", ["key"])
    with pytest.raises(ValueError, match="already registered"):
        registry.counter("a", "A", ["other"])


def test_render_text_speaks_prometheus_exposition_format() -> None:
    registry = Registry()
    registry.counter("spine_keys", "Keys fetched", ["key"]).inc(key='we"ird')
    registry.histogram("spine_seconds", "Time", buckets=(1.0,)).observe(0.5)
    assert registry.render_text() == "\n".join([
        "# HELP spine_keys Keys fetched",
        "# TYPE spine_keys counter",
        'spine_keys_total{key="we\\"ird"} 1.0',
        "# HELP spine_seconds Time",
        "# TYPE spine_seconds histogram",
        'spine_seconds_bucket{le="1.0"} 1.0',
        'spine_seconds_bucket{le="+Inf"} 1.0',
        "spine_seconds_sum 0.5",
        "spine_seconds_count 1.0",
    ]) + "\n"

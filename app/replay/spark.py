"""The cluster engine: the same routing and the same pure replay, in Spark's Python workers.

Lines are routed (``route``) where they are read, grouped by patient with ``groupByKey``, replayed per
patient by ``evaluate.replay_patient`` (content loaded once per worker from the same settings), and
sorted by (order, patient) across the cluster. The driver then streams the sorted rows, a partition at
a time (``toLocalIterator``), through the writer the local engine uses, so ``decisions.csv`` is
byte-identical. Counters are Spark accumulators, read after the rows are materialised once (persisted, so
a second read does not count twice; the replayed rows are persisted before the
sort samples them for the same reason).
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

from pyspark import StorageLevel
from pyspark.sql import SparkSession

from app.hooks.runtime import Content, load_content
from app.replay.asof import EXPORT_TYPES
from app.replay.evaluate import replay_patient
from app.replay.local import Progress
from app.replay.route import (
    INCLUDED_LINE,
    KEPT,
    MALFORMED,
    NO_PATIENT,
    NOT_READ,
    included_keys,
    parse_lines,
    route,
)
from app.replay.rows import Row
from app.replay.source import resource_type_of
from app.settings import Settings

_OUTCOMES = (KEPT, INCLUDED_LINE, MALFORMED, NOT_READ, NO_PATIENT, "lines", "patients", "orders")
_worker_content: dict[str, Content] = {}


def _content(settings: Settings) -> Content:
    key = settings.model_dump_json()
    if key not in _worker_content:
        _worker_content[key] = load_content(settings)
    return _worker_content[key]


def export_paths(spark: SparkSession, source: str) -> list[tuple[str, str]]:
    """(path, resource type) of the export's NDJSON files the hooks read: a folder or any URL Hadoop
    lists (``s3a://``, ``gs://``, ``abfss://``, ``hdfs://``; the connector must be on the classpath)."""
    jvm: Any = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    folder = jvm.org.apache.hadoop.fs.Path(source)
    statuses = folder.getFileSystem(conf).listStatus(folder)
    found = []
    for status in statuses:
        name = status.getPath().getName()
        kind = resource_type_of(name)
        if status.isFile() and kind in EXPORT_TYPES:
            found.append((status.getPath().toString(), kind))
    return sorted(found)


def _route_partition(
    kind: str, counters: dict[str, Any], lines: Iterable[str]
) -> Iterator[tuple[str, str, bytes]]:
    """(KEPT, patient id, line) or (INCLUDED_LINE, ``Medication/<id>``, line) for each line read."""
    counts: Counter[str] = Counter()
    for text in lines:
        line = text.strip().encode()
        if not line:
            continue
        counts["lines"] += 1
        outcome, key = route(line, kind)
        counts[outcome] += 1
        if outcome in (KEPT, INCLUDED_LINE) and key is not None:
            yield outcome, key, line
    for name, value in counts.items():
        counters[name].add(value)


def _included(routed: Any) -> Any:
    """(patient id, line) of every Medication a patient's prescriptions name: the named keys joined with
    the included lines (every version), as the local engine adds them."""
    lines = routed.filter(lambda found: found[0] == INCLUDED_LINE).map(lambda found: (found[1], found[2]))
    named = routed.filter(lambda found: found[0] == KEPT).flatMap(
        lambda found: [(key, found[1]) for key in included_keys(found[2])]).distinct()
    return named.join(lines).map(lambda joined: joined[1])


def _replay_group(
    settings: Settings, counters: dict[str, Any], group: tuple[str, Iterable[bytes]]
) -> list[tuple[str, ...]]:
    patient, lines = group
    counts: Counter[str] = Counter()
    resources = parse_lines(list(lines), counts)
    rows = [row.cells for row in replay_patient(patient, resources, _content(settings))]
    counters["patients"].add(1)
    counters["orders"].add(len(rows))
    counters[MALFORMED].add(counts[MALFORMED])
    return rows


def run_spark(
    source: str, settings: Settings, master: str | None, progress: Progress
) -> tuple[Iterator[Row], Counter[str]]:
    """``master`` None: the one ``spark-submit`` configured."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers run this interpreter: same code
    created = SparkSession.getActiveSession() is None
    builder = SparkSession.builder if master is None else SparkSession.builder.master(master)
    spark = (builder.appName("spine-cds-replay")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    context = spark.sparkContext
    counters = {name: context.accumulator(0) for name in _OUTCOMES}
    paths = export_paths(spark, source)
    progress("spark", 0, 3)
    reads = [context.textFile(path).mapPartitions(partial(_route_partition, kind, counters))
             for path, kind in paths]
    routed = context.union(reads) if reads else context.emptyRDD()
    routed.persist(StorageLevel.MEMORY_AND_DISK)  # read twice (charts, included lines): count lines once
    kept = routed.filter(lambda found: found[0] == KEPT).map(lambda found: (found[1], found[2]))
    charts = kept.union(_included(routed))
    replayed = charts.groupByKey().flatMap(partial(_replay_group, settings, counters))
    replayed.persist(StorageLevel.MEMORY_AND_DISK)  # sortBy samples it first: replay each patient once
    rows = replayed.sortBy(lambda cells: (cells[0], cells[1]))
    rows.persist(StorageLevel.MEMORY_AND_DISK)
    rows.count()  # materialise once: the accumulators are complete now
    replayed.unpersist()
    routed.unpersist()
    progress("spark", 2, 3)
    counts = Counter({name: counter.value for name, counter in counters.items()})
    counts["files"] = len(paths)
    return _stream(rows, spark if created else None, progress), counts


def _stream(rows: Any, owned: SparkSession | None, progress: Progress) -> Iterator[Row]:
    try:
        for cells in rows.toLocalIterator():
            yield Row(tuple(cells))
        progress("spark", 3, 3)
    finally:
        rows.unpersist()
        if owned is not None:
            owned.stop()

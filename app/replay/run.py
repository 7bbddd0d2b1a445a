"""``spine-cds replay``: choose the engine, stream its sorted rows into the outputs, write the report."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.hooks.runtime import Content, load_content
from app.replay.local import Progress, run_local
from app.replay.outputs import write_decisions, write_summary
from app.replay.report import write_report
from app.replay.rows import Row
from app.settings import Settings

ENGINES = ("local", "spark")


def replay(
    source: str, out: Path, settings: Settings, *, engine: str = "local", workers: int | None = None,
    progress: Progress, spark_master: str | None = None,
) -> dict[str, Any]:
    content = load_content(settings)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rows, counts = _run(source, settings, engine, workers or os.cpu_count() or 1, progress, spark_master)
    tally = write_decisions(rows, out)
    seconds = round(time.perf_counter() - started, 2)
    summary = write_summary(out, tally, _run_facts(source, engine, content, counts, seconds))
    write_report(out / "report.html", summary)
    return summary


def _run(
    source: str, settings: Settings, engine: str, workers: int, progress: Progress, master: str | None
) -> tuple[Iterator[Row], Counter[str]]:
    if engine == "local":
        return run_local(Path(source), settings, workers, progress)
    if engine == "spark":
        from app.replay.spark import run_spark  # pyspark is optional: imported only when asked for

        return run_spark(source, settings, spark_master(master, workers), progress)
    raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")


def spark_master(asked: str | None, workers: int) -> str | None:
    """``--spark-master`` if given; under ``spark-submit`` (it sets ``PYSPARK_GATEWAY_PORT``) the master it
    was given (None: leave it); otherwise Spark on this machine with ``workers`` cores."""
    if asked:
        return asked
    return None if "PYSPARK_GATEWAY_PORT" in os.environ else f"local[{workers}]"


def _run_facts(
    source: str, engine: str, content: Content, counts: Counter[str], seconds: float
) -> dict[str, Any]:
    """What was replayed, with which content: the versions the committee's figures hold for."""
    return {
        "engine": engine,
        "source": source,
        "policy_version": content.policy.version,
        "content_version": content.cards.version,
        "patients": counts["patients"],
        "seconds": seconds,
        "input": {
            "files": counts["files"],
            "lines": counts["lines"],
            "resources_kept": counts["kept"],
            "included_kept": counts["included"],
            "not_read_by_the_hooks": counts["not read by the hooks"],
            "skipped_malformed": counts["malformed"],
            "skipped_no_patient": counts["no patient reference"],
        },
    }

"""``make bench-replay``: ``spine-cds replay`` end to end on a Synthea-sized Bulk Data export, measured.

Writes the export once (``scripts/bulk_export.py``, 5,000 patients from a pool of 30 seeded
Synthea patients: the first run takes a few minutes and ~4.5 GB in ``var/bench-replay/``), then runs the
command line as a child process and samples, every 0.2 s, the resident memory of its whole process tree
(the command and every worker it starts, summed from ``/proc``: an upper bound, shared pages count once
per process). Results go to ``bench/REPLAY.md`` and ``bench/replay.json``, with the machine's load.

    python -m bench.replay [--patients N] [--workers N] [--engine local|spark]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench-replay"
BIN = Path(sys.executable).parent
TARGET_PATIENTS_PER_SECOND = 40
TARGET_PEAK_MB = 1024


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(parent, []).append(int(entry.name))
    return tree


def tree_rss_mb(pid: int) -> float:
    """VmRSS of ``pid`` and all its descendants, in MB."""
    tree, todo, total = _children(), [pid], 0
    while todo:
        current = todo.pop()
        todo += tree.get(current, [])
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total / 1024


def ensure_export(patients: int) -> Path:
    export = WORK / f"export-{patients}"
    if not (export / "manifest.json").exists():
        subprocess.run([sys.executable, str(ROOT / "scripts" / "bulk_export.py"), str(export),
                        "--patients", str(patients), "--synthea-pool", "30"], check=True)
    return export


def measure(export: Path, out: Path, engine: str, workers: int) -> dict[str, Any]:
    command = [str(BIN / "spine-cds"), "replay", str(export), "--out", str(out), "--engine", engine,
               "--workers", str(workers)]
    load_before = os.getloadavg()
    started = time.perf_counter()
    process = subprocess.Popen(command)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss_mb(process.pid))
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"replay failed with exit code {process.returncode}")
    summary = json.loads((out / "summary.json").read_text())
    return {
        "engine": engine, "workers": workers, "patients": summary["patients"], "orders": summary["orders"],
        "input_gb": round(sum(p.stat().st_size for p in export.iterdir()) / 1e9, 2),
        "input_lines": summary["input"]["lines"], "seconds": round(seconds, 1),
        "patients_per_second": round(summary["patients"] / seconds, 1),
        "peak_rss_mb": round(peak), "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()], "cores": os.cpu_count(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"), "python": platform.python_version(),
    }


def write_results(result: dict[str, Any]) -> None:
    """``bench/replay-<engine>.json`` for this run; ``bench/REPLAY.md`` from every engine's last run."""
    (ROOT / "bench" / f"replay-{result['engine']}.json").write_text(json.dumps(result, indent=2) + "\n")
    files = [ROOT / "bench" / f"replay-{engine}.json" for engine in ("local", "spark")]
    runs = [json.loads(path.read_text()) for path in files if path.exists()]
    lines = ["# `spine-cds replay`: measured by `make bench-replay`", ""]
    for run in runs:
        lines += _table(run)
    lines += ["The export: `scripts/bulk_export.py DIR --patients 5000 --synthea-pool 30` (every "
              "Synthea resource of the exported types, Observations unfiltered; see scripts/bulk_export.py). "
              "`python -m bench.replay --engine spark` measures the Spark engine in local mode (a JVM and "
              "its Python workers on the same two cores).", "", _same_csv(), ""]
    (ROOT / "bench" / "REPLAY.md").write_text("\n".join(lines))


def _same_csv() -> str:
    csvs = [WORK / f"out-{engine}" / "decisions.csv" for engine in ("local", "spark")]
    if not all(path.exists() for path in csvs):
        return "Only one engine has run on this export."
    same = csvs[0].read_bytes() == csvs[1].read_bytes()
    return f"The two engines' decisions.csv are {'byte-identical' if same else 'DIFFERENT'}."


def _verdict(met: bool, engine: str) -> str:
    """The targets are the local engine's (one machine); Spark's figures are for sizing a cluster."""
    if engine != "local":
        return "local engine's target"
    return "met" if met else "NOT met"


def _table(result: dict[str, Any]) -> list[str]:
    ok_speed = _verdict(result["patients_per_second"] >= TARGET_PATIENTS_PER_SECOND, result["engine"])
    ok_memory = _verdict(result["peak_rss_mb"] <= TARGET_PEAK_MB, result["engine"])
    return [
        f"## engine `{result['engine']}`", "",
        f"Run at {result['at']} on {result['cores']} cores (shared with other work: load average "
        f"{result['load_before']} before, {result['load_after']} after), Python {result['python']}, "
        f"{result['workers']} workers.", "",
        "| measure | value | target |", "|---|---|---|",
        f"| patients | {result['patients']:,} | ≥ 5,000 |",
        f"| spine orders replayed | {result['orders']:,} | |",
        f"| input | {result['input_gb']} GB, {result['input_lines']:,} NDJSON lines | |",
        f"| wall time, end to end | {result['seconds']} s | |",
        f"| patients per second | **{result['patients_per_second']}** | ≥ {TARGET_PATIENTS_PER_SECOND} "
        f"({ok_speed}) |",
        f"| peak RSS, whole process tree | **{result['peak_rss_mb']} MB** | ≤ {TARGET_PEAK_MB} MB "
        f"({ok_memory}) |", "",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--engine", choices=["local", "spark"], default="local")
    args = parser.parse_args(argv)
    export = ensure_export(args.patients)
    result = measure(export, WORK / f"out-{args.engine}", args.engine, args.workers)
    write_results(result)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

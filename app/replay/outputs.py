"""Write what both engines produce from the same sorted rows: decisions.csv, decisions.parquet,
summary.json and report.html. One writer, so the engines cannot differ in format."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from app.replay.rows import COLUMNS, INT_COLUMNS, Row, csv_header, csv_line
from app.replay.tally import Tally

_BATCH = 20_000
SCHEMA = pa.schema([(name, pa.int64() if name in INT_COLUMNS else pa.string()) for name in COLUMNS])


def _columns(batch: list[Row]) -> list[pa.Array]:
    arrays = []
    for index, name in enumerate(COLUMNS):
        values = [row.cells[index] for row in batch]
        if name in INT_COLUMNS:
            arrays.append(pa.array([int(v) if v else None for v in values], pa.int64()))
        else:
            arrays.append(pa.array(values, pa.string()))
    return arrays


def write_decisions(rows: Iterable[Row], out: Path) -> Tally:
    """Stream sorted rows into both files, ``_BATCH`` rows at a time; returns the committee's tally."""
    tally = Tally()
    batch: list[Row] = []
    with (out / "decisions.csv").open("w", encoding="utf-8", newline="") as csv_file, \
            pq.ParquetWriter(out / "decisions.parquet", SCHEMA) as parquet:
        csv_file.write(csv_header())
        for row in rows:
            csv_file.write(csv_line(row.cells))
            tally.add(row)
            batch.append(row)
            if len(batch) >= _BATCH:
                parquet.write_table(pa.Table.from_arrays(_columns(batch), schema=SCHEMA))
                batch = []
        parquet.write_table(pa.Table.from_arrays(_columns(batch), schema=SCHEMA))
    return tally


def write_summary(out: Path, tally: Tally, run: Mapping[str, Any]) -> dict[str, Any]:
    summary = {**run, **tally.figures()}
    (out / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=False) + "\n")
    return summary

"""The embedded engine: one machine, every core, memory bounded whatever the export's size.

1. Split (a process per input file): stream each NDJSON file, keep what the hooks read, and append
   ``patient id TAB line`` to one of ``shards`` files chosen by a stable hash of the patient id. The
   shard count grows with the input (about ``SHARD_BYTES`` of input per shard), so a shard fits in memory.
   A Medication (no patient) goes to ``<file>.included`` as ``Medication/<id> TAB line``.
2. Replay (a process per shard): read the shard, group its lines by patient, add the Medications its
   prescriptions name (the included files streamed once per shard, only those named kept), replay each
   patient (``evaluate.replay_patient``) and write the shard's rows, sorted, to a run file.
3. Merge (this process): a heap merge of the sorted run files streams into ``outputs``.
Peak memory is one shard per worker plus a few row batches, never the export.
"""

from __future__ import annotations

import heapq
import multiprocessing
import os
import tempfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import orjson

from app.hooks.runtime import Content, load_content
from app.replay.asof import EXPORT_TYPES
from app.replay.evaluate import replay_patient
from app.replay.route import INCLUDED_LINE, KEPT, included_keys, parse_lines, route
from app.replay.rows import Row
from app.replay.source import export_files, read_lines, resource_type_of
from app.settings import Settings

SHARD_BYTES = 48 * 1024 * 1024
MAX_SHARDS = 100_000
BUFFER_BYTES = 16 * 1024 * 1024
MERGE_FAN_IN = 200
Progress = Callable[[str, int, int], None]
_INCLUDED = -1  # the buffer of included (Medication) lines

_content: Content | None = None


def shard_count(total_bytes: int, workers: int) -> int:
    return max(4 * workers, min(MAX_SHARDS, total_bytes // SHARD_BYTES + 1))


def shard_of(patient: str, shards: int) -> int:
    return zlib.crc32(patient.encode()) % shards


def _split_file(path: Path, scratch: Path, shards: int) -> Counter[str]:
    """Step 1 for one input file into its own shard files (``<shard>.<file>.tsv``: writers never share
    one). Lines wait in per-shard buffers, flushed together past ``BUFFER_BYTES``: few open files, bounded
    memory, however many shards."""
    counts: Counter[str] = Counter()
    kind = resource_type_of(path.name) or ""
    buffers: dict[int, bytearray] = defaultdict(bytearray)
    buffered = 0
    for line in read_lines(path):
        counts["lines"] += 1
        outcome, patient = route(line, kind)
        counts[outcome] += 1
        if outcome in (KEPT, INCLUDED_LINE) and patient is not None:
            record = patient.encode() + b"\t" + line + b"\n"
            buffers[shard_of(patient, shards) if outcome == KEPT else _INCLUDED] += record
            buffered += len(record)
            if buffered > BUFFER_BYTES:
                buffered = _flush(buffers, scratch, path.name)
    _flush(buffers, scratch, path.name)
    return counts


def _flush(buffers: dict[int, bytearray], scratch: Path, name: str) -> int:
    for shard, data in buffers.items():
        target = f"{name}.included" if shard == _INCLUDED else f"{shard:05d}.{name}.tsv"
        with (scratch / target).open("ab") as handle:
            handle.write(data)
    buffers.clear()
    return 0


def _init_worker(settings: Settings) -> None:
    """Each worker loads the content itself (it does not pickle), from the same settings: same versions."""
    global _content  # one Content per worker process
    _content = load_content(settings)


def _replay_shard(scratch: Path, shard: int) -> tuple[int, Counter[str]]:
    """Step 2 for one shard: its rows, sorted, to ``<shard>.rows``; counts patients and orders."""
    assert _content is not None
    grouped: dict[str, list[bytes]] = defaultdict(list)
    for part in sorted(scratch.glob(f"{shard:05d}.*.tsv")):
        for line in part.read_bytes().splitlines():
            patient, _, raw = line.partition(b"\t")
            grouped[patient.decode()].append(raw)
    counts: Counter[str] = Counter(patients=len(grouped))
    named = {patient: dict.fromkeys(k for line in lines for k in included_keys(line))
             for patient, lines in grouped.items()}
    included = _included(scratch, {key for keys in named.values() for key in keys})
    rows: list[Row] = []
    for patient_id in sorted(grouped):
        drugs = [line for key in named[patient_id] for line in included.get(key, ())]
        resources = parse_lines(grouped.pop(patient_id) + drugs, counts)
        rows.extend(replay_patient(patient_id, resources, _content))
    rows.sort(key=lambda row: row.key)
    counts["orders"] = len(rows)
    (scratch / f"{shard:05d}.rows").write_bytes(b"".join(orjson.dumps(r.cells) + b"\n" for r in rows))
    return shard, counts


def _included(scratch: Path, named: set[str]) -> dict[str, list[bytes]]:
    """The included lines (every version) of the Medications ``named``, from the split's included files."""
    found: dict[str, list[bytes]] = defaultdict(list)
    for part in sorted(scratch.glob("*.included")) if named else ():
        with part.open("rb") as handle:
            for record in handle:
                key, _, line = record.rstrip(b"\n").partition(b"\t")
                if key.decode() in named:
                    found[key.decode()].append(line)
    return found


def _read_run(path: Path) -> Iterator[Row]:
    with path.open("rb") as handle:
        for line in handle:
            yield Row(tuple(orjson.loads(line)))


def run_local(
    folder: Path, settings: Settings, workers: int, progress: Progress
) -> tuple[Iterator[Row], Counter[str]]:
    """Steps 1 and 2 now; the returned iterator does step 3 and removes the scratch space when exhausted."""
    files = export_files(folder, EXPORT_TYPES)
    total = sum(path.stat().st_size for path in files)
    shards = shard_count(total, workers)
    scratch_dir = tempfile.TemporaryDirectory(prefix="spine-cds-replay-", dir=os.environ.get("TMPDIR"))
    scratch = Path(scratch_dir.name)
    counts: Counter[str] = Counter(files=len(files), input_bytes=total)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                             initargs=(settings,)) as pool:
        sizes = {pool.submit(_split_file, path, scratch, shards): path.stat().st_size for path in files}
        done = 0
        for split in as_completed(sizes):
            counts.update(split.result())
            done += sizes[split]
            progress("read", done, total)
        filled = sorted({int(part.name[:5]) for part in scratch.glob("*.tsv")})  # no task for an empty one
        replays = [pool.submit(_replay_shard, scratch, shard) for shard in filled]
        for index, replayed in enumerate(as_completed(replays), 1):
            counts.update(replayed.result()[1])
            progress("replay", index, len(filled))
    runs = _merge_tree([scratch / f"{shard:05d}.rows" for shard in filled], scratch)

    def merged() -> Iterator[Row]:
        try:
            yield from heapq.merge(*(_read_run(path) for path in runs), key=lambda row: row.key)
        finally:
            scratch_dir.cleanup()

    return merged(), counts


def _merge_tree(runs: list[Path], scratch: Path) -> list[Path]:
    """Merge run files ``MERGE_FAN_IN`` at a time until few enough remain to open at once."""
    level = 0
    while len(runs) > MERGE_FAN_IN:
        level += 1
        merged = []
        for start in range(0, len(runs), MERGE_FAN_IN):
            target = scratch / f"merge-{level}-{start:06d}.rows"
            group = runs[start:start + MERGE_FAN_IN]
            with target.open("wb") as handle:
                for row in heapq.merge(*(_read_run(p) for p in group), key=lambda row: row.key):
                    handle.write(orjson.dumps(row.cells) + b"\n")
            merged.append(target)
        runs = merged
    return runs

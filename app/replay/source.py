"""Read a Bulk Data export folder as a stream: one resource at a time, never the whole export in memory.

FHIR Bulk Data writes one NDJSON file (or several: ``Condition.2.ndjson``) per resource type, optionally
gzip-compressed, with an ``$export`` manifest beside them. Only the types the hooks' prefetch templates
read are opened (``asof.HOOK_TYPES``): a Claim file is never read.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

_NDJSON = re.compile(r"^(?P<type>[A-Z][A-Za-z]+)(?:[.-][^/]*?)?\.ndjson(?:\.gz)?$")


def resource_type_of(name: str) -> str | None:
    """``Condition.2.ndjson.gz`` → ``Condition``; None for a file that is not Bulk Data NDJSON."""
    match = _NDJSON.match(name)
    return match.group("type") if match else None


def export_files(folder: Path, types: frozenset[str]) -> list[Path]:
    """The NDJSON files of ``types`` in ``folder``, largest first (so parallel readers finish together)."""
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder (a Bulk Data export folder is expected)")
    found = [p for p in folder.iterdir() if p.is_file() and resource_type_of(p.name) in types]
    return sorted(found, key=lambda p: (-p.stat().st_size, p.name))


def _open(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]  # a binary file object
    return path.open("rb")


def read_lines(path: Path) -> Iterator[bytes]:
    """The non-blank lines of one NDJSON file, streamed."""
    with _open(path) as handle:
        for line in handle:
            stripped = line.strip()
            if stripped:
                yield stripped

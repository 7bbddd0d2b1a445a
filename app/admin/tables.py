"""A report table as plain values: the page and the CSV export both render these, so they always agree."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

Cell = str | int | float | None

# OWASP CSV injection: a spreadsheet runs a cell that starts like a formula. Free-text override comments
# come from clinicians' keyboards (and an EHR's copy-paste), so such cells get a leading apostrophe. A
# spreadsheet may skip leading blanks and invisible characters (zero-width space, BOM) and reads the
# full-width ＝ as =: a cell that starts with whitespace, a line break or an invisible character is
# quoted whatever follows, and the first character is compared in NFKC form.
_FORMULA_START = ("=", "+", "-", "@")
_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2028-\u202f\u2060-\u2064\ufeff]")


@dataclass(frozen=True, slots=True)
class Table:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(self.columns)
        writer.writerows([_csv_cell(cell) for cell in row] for row in self.rows)
        return buffer.getvalue()


def _csv_cell(cell: Cell) -> Cell:
    if isinstance(cell, str) and _formula_like(cell):
        return "'" + cell
    return cell


def _formula_like(cell: str) -> bool:
    return bool(_INVISIBLE.match(cell)) or unicodedata.normalize("NFKC", cell[:1]).startswith(_FORMULA_START)


def percent(part: int, whole: int) -> float | None:
    """A rate to one decimal place, or ``None`` (shown as "–") when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


def rule_sort_key(rule: str) -> tuple[str, int, str]:
    """PATHWAY.md rule ids in reading order: R1, R2, R3a, R3b, … R10, not R1, R10, R11, R2."""
    match = re.fullmatch(r"([A-Za-z]*)(\d*)(.*)", rule)
    assert match is not None  # the pattern matches every string
    prefix, number, rest = match.groups()
    return prefix, int(number) if number else -1, rest

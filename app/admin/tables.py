"""A report table as plain values: the page and the CSV export both render these, so they always agree."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

Cell = str | int | float | None

# OWASP CSV injection: a spreadsheet runs a cell that starts like a formula. Free-text override comments
# come from clinicians' keyboards, so such cells get a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


def percent(part: int, whole: int) -> float | None:
    """A rate to one decimal place, or ``None`` (shown as "–") when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


def rule_sort_key(rule: str) -> tuple[str, int, str]:
    """PATHWAY.md rule ids in reading order: R1, R2, R3a, R3b, … R10, not R1, R10, R11, R2."""
    match = re.fullmatch(r"([A-Za-z]*)(\d*)(.*)", rule)
    assert match is not None  # the pattern matches every string
    prefix, number, rest = match.groups()
    return prefix, int(number) if number else -1, rest

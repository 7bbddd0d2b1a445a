"""One row per replayed order: the fixed columns both engines write, and their one text formatting.

``decisions.csv`` must be byte-identical whichever engine wrote it, so every value is formatted here, once:
text as is, counts as integers, unknown as the empty string, lists space-separated, rows sorted by
(order, patient).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from app.hooks.handlers import Evaluation
from app.immutable import immutable

COLUMNS = (
    "order", "patient", "authored_on", "requester", "status", "region", "modality", "contrast", "rating",
    "indicator", "cards", "topics", "rules", "red_flags", "duration_days", "skipped_resources", "evaluated",
)
INT_COLUMNS = frozenset({"cards", "duration_days", "skipped_resources"})
_INDICATOR_RANK = {"info": 1, "warning": 2, "critical": 3}


@immutable
class Row:
    """Text cells in ``COLUMNS`` order (ints as decimal text, unknown as ``""``)."""

    cells: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        return self.cells[0], self.cells[1]

    def as_dict(self) -> dict[str, str]:
        return dict(zip(COLUMNS, self.cells, strict=True))


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _reference(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    reference = value.get("reference") if isinstance(value, dict) else None
    return reference if isinstance(reference, str) else ""


def highest_indicator(indicators: Iterable[str]) -> str:
    ranked = sorted(indicators, key=lambda i: _INDICATOR_RANK.get(i, 0))
    return ranked[-1] if ranked else ""


def row_for(
    patient_id: str,
    order: Mapping[str, Any],
    evaluation: Evaluation | None,
    response: Mapping[str, Any] | None,
) -> Row:
    """``evaluation`` None: the order could not be replayed (no exact ``authoredOn``), ``evaluated=no``."""
    cells: dict[str, str] = {
        "order": f"ServiceRequest/{order.get('id')}",
        "patient": f"Patient/{patient_id}",
        "authored_on": _text(order.get("authoredOn"))[:10],
        "requester": _reference(order, "requester"),
        "status": _text(order.get("status")),
        "evaluated": "no",
    }
    if evaluation is not None and response is not None:
        cells.update(_decision_cells(evaluation, response["cards"]))
    return Row(tuple(cells.get(column, "") for column in COLUMNS))


def _decision_cells(evaluation: Evaluation, cards: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    decision, facts = evaluation.decision, evaluation.decision.facts
    order = decision.order
    return {
        "region": _text(order.region if order else None),
        "modality": _text(order.modality if order else None),
        "contrast": _text(order.contrast if order else None),
        "rating": _text(decision.rating),
        "indicator": highest_indicator(str(card["indicator"]) for card in cards),
        "cards": str(len(cards)),
        "topics": " ".join(str(card["source"]["topic"]["code"]) for card in cards),
        "rules": " ".join(decision.rules),
        "red_flags": " ".join(sorted(str(flag) for flag in facts.red_flags)),
        "duration_days": _text(facts.duration_days),
        "skipped_resources": str(facts.skipped_resources),
        "evaluated": "yes",
    }


def csv_line(cells: Sequence[str]) -> str:
    """One CSV record as both engines write it (RFC 4180 quoting only where needed, ``\\n`` endings)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


def csv_header() -> str:
    return csv_line(COLUMNS)

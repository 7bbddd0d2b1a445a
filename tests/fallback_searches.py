"""How many GETs a fallback round sends search by search (no batch): one per prefetch key, and one per part
of a search longer than the query-string limit (app.fhir.search_split: the observations search).

Shared by the integration and perf tests that count a round's requests (``tests/`` is on the import path).
"""

from __future__ import annotations

from app.fhir.search_split import split_search
from app.fhir.session import FetchLimits
from app.fhir.templates import PREFETCH_TEMPLATES, fill_template


def gets_per_round(patient_id: str, keys: set[str] | None = None) -> int:
    """The GETs of one round for ``keys`` (every key when ``None``), at the default query-string limit."""
    limit = FetchLimits().max_query_chars
    return sum(len(split_search(fill_template(template, {"patientId": patient_id}), limit))
               for key, template in PREFETCH_TEMPLATES.items() if keys is None or key in keys)

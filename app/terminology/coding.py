"""The one code type shared by the chart model (``app/chart``), the value sets and the pathway.

A `Coding` is a (system, code) pair with an optional display. It is deliberately free of any FHIR
release so that `app.terminology` and `app.pathway` stay pure (STYLE.md habit 1).
"""

from __future__ import annotations

from typing import NamedTuple


class Coding(NamedTuple):
    """Immutable, compared and hashed by value. A named tuple rather than a frozen dataclass because a
    hook call hashes codings a hundred times or more (every memoised value-set lookup is keyed on them),
    and a tuple's hash is computed in C where a dataclass's ``__hash__`` is a Python call."""

    system: str
    code: str
    display: str | None = None

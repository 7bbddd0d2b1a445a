"""The one code type shared by the FHIR views, the value sets and the pathway.

A `Coding` is a (system, code) pair with an optional display. It is deliberately free of any FHIR
release so that `app.terminology` and `app.pathway` stay pure (STYLE.md habit 1).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Coding:
    system: str
    code: str
    display: str | None = None

"""Bone-density rows under a site's own code (PATHWAY.md §3 fracture risk "osteoporosis"): a DXA T-score or
a FRAX probability an EHR files under a local component code with only its name ("L1-L4 T-SCORE", "FRAX
10-yr major osteoporotic fracture risk"), which ``dxa_t_score.json`` cannot match by code. PURE.

* A **T-score of -2.5 or lower** is osteoporosis (WHO Technical Report Series 843, 1994), as the coded rows
  of ``facts_fracture`` are; never a Z-score, and never a peripheral site (heel, finger, tibia, humerus,
  peripheral DXA or ultrasound), which does not diagnose it (ISCD official positions).
* A **FRAX 10-year probability** of 20 % or more of a major osteoporotic fracture, or 3 % or more of a hip
  fracture, is the treatment threshold at which the National Bone Health Alliance (2014) diagnoses
  osteoporosis clinically; §3 names osteoporosis, so it counts as one (docs/pathway-facts.md "Eleventh
  pass: fracture risk, trauma and age"). No LOINC code for FRAX was verified; it is read by name only.

Cost: one pass over the chart's Observations comparing numbers first — a value at or below -2.5, or a
percentage of 3 or more — and reading the name only then, remembered per name (a site's row names repeat).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import Enum
from functools import lru_cache

from app.chart.model import ObservationView
from app.pathway.facts_answers import observation_void
from app.pathway.facts_common import Context, dated, shown_name
from app.pathway.facts_dates import possibly_by
from app.pathway.facts_match import MEMO_MAX_TEXT_CHARS, matched_members
from app.pathway.model import Evidence, Finding, State

__all__ = ["named_bone_density"]

_OSTEOPOROTIC_T_SCORE = -2.5
_LOWEST_T_SCORE = -10.0  # a "-999" not-measured placeholder is no score
_FRAX_MAJOR, _FRAX_HIP = 20.0, 3.0
_PERCENT = frozenset({None, "%", "percent", "pct"})
_T_SCORE = re.compile(r"\bt[-\s]?scores?\b", re.IGNORECASE)
_PERIPHERAL = re.compile(
    r"\b(?:z[-\s]?score|calcane\w*|heel|fingers?|phalan\w*|tibia\w*|humer\w*|peripheral|pdxa|ultrasound|qus)\b",
    re.IGNORECASE)
_FRAX = re.compile(r"\bfrax\b|\b10[-\s]?(?:year|yr)\b.*\bfracture\b|\bfracture\b.*\b10[-\s]?(?:year|yr)\b",
                   re.IGNORECASE)
_HIP = re.compile(r"\bhip\b", re.IGNORECASE)
# Possessive runs of spaces (``\s*+``): a text of 4,000 spaces fails at once, not in quadratic time.
_NUMBER = re.compile(r"\s*+(?:<=?\s*+)?([-\u2212\u2013]?\d{1,3}(?:[.,]\d{1,3})?)\s*+(?:%|sd)?\s*+",
                     re.IGNORECASE)


def named_bone_density(ctx: Context) -> Iterator[Evidence]:
    """§3 osteoporosis as a T-score or a FRAX row named in words only, not void and not dated after the
    order, whatever its age (as a coded T-score counts: ``facts_fracture``); undated counts."""
    for o, value in _candidates(ctx.chart.observations):
        names = (name for name in (o.text, *(c.display for c in o.codings)) if name)
        name, kind = next(((name, kind) for name in names if (kind := _kind(name, value))), (None, None))
        if kind is None or observation_void(o) or not possibly_by(o.effective, ctx.order_date):
            continue
        if _peripheral_site(o) or matched_members(ctx.vs, ("dxa_t_score",), o.codings):
            continue  # a heel's T-score; a coded T-score is read by its code (facts_fracture)
        state = State.FOUND if o.effective is not None else State.DATE_NOT_RECORDED
        yield Evidence(kind, o.reference, dated(o.effective), value=value, name=shown_name(name), state=state)


def _candidates(observations: tuple[ObservationView, ...]) -> Iterator[tuple[ObservationView, float]]:
    """The rows whose number could be one: at or below -2.5, or a percentage of 3 or more; a value written
    as text is parsed. One comprehension over the chart's Observations (a Synthea-sized chart holds
    hundreds), most rows ending on a number."""
    low, high = _OSTEOPOROTIC_T_SCORE, _FRAX_HIP  # inlined, not _may_be: a call per row costs as much
    rows = [o for o in observations if ((v := o.value) is None and o.value_string is not None)
            or (v is not None and (v <= low or (v >= high and o.unit in _PERCENT)))]
    for o in rows:
        value = o.value if o.value is not None else _text_value(o.value_string)
        if value is not None and _may_be(value, o.unit):
            yield o, value


def _may_be(value: float, unit: str | None) -> bool:
    return value <= _OSTEOPOROTIC_T_SCORE or (value >= _FRAX_HIP and unit in _PERCENT)


def _text_value(text: str | None) -> float | None:
    """A number written as text ("-2.7", "<-3.0", "25 %")."""
    found = _NUMBER.fullmatch(text) if text is not None else None
    if found is None:
        return None
    return float(found.group(1).replace(",", ".").replace("\u2212", "-").replace("\u2013", "-"))


def _kind(name: str, value: float) -> Finding | None:
    """A central T-score at or below -2.5, or a FRAX probability at or over its threshold (hip 3 %, else
    the major osteoporotic fracture's 20 %)."""
    named = _named_once(name) if len(name) <= MEMO_MAX_TEXT_CHARS else _named_once.__wrapped__(name)
    if named is _Name.T_SCORE:
        return Finding.DXA_T_SCORE if _OSTEOPOROTIC_T_SCORE >= value >= _LOWEST_T_SCORE else None
    if named is None or value > 100:
        return None
    return Finding.FRAX if value >= (_FRAX_HIP if named is _Name.FRAX_HIP else _FRAX_MAJOR) else None


class _Name(Enum):
    T_SCORE = "t_score"
    FRAX_HIP = "frax_hip"
    FRAX_MAJOR = "frax_major"


@lru_cache(maxsize=4096)  # bounded like facts_match's memos; a site's row names repeat
def _named_once(name: str) -> _Name | None:
    if _T_SCORE.search(name):
        return None if _PERIPHERAL.search(name) else _Name.T_SCORE
    if not _FRAX.search(name):
        return None
    return _Name.FRAX_HIP if _HIP.search(name) else _Name.FRAX_MAJOR


def _peripheral_site(o: ObservationView) -> bool:
    """The row's body site names a peripheral one ("Calcaneus"): the name alone may not say it."""
    return any(c.display and _PERIPHERAL.search(c.display) for c in o.body_site)

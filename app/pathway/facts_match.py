"""Value-set matching for the fact extraction, memoised and bounded (PATHWAY.md §2, §6).

Value sets never change once loaded, and charts repeat the same few codes within a call and across
calls, so a match is remembered by its codings — but only for ordinary-sized keys, so that a hostile
chart cannot pin its strings in memory (``memoisable``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from app.terminology import Coding, ValueSets


def first_members(
    vs: ValueSets, concepts: tuple[str, ...], codings: Iterable[Coding]
) -> tuple[Coding | None, ...]:
    """``vs.match(concept, codings)`` for each of ``concepts``, in order: one call per finding, not per
    finding and concept. Memoised (``_first_members``): value sets never change once loaded, and charts
    repeat the same few codes (hypertension, medication review …) within a call and across calls."""
    key = codings if isinstance(codings, tuple) else tuple(codings)
    memo = _first_members if memoisable(key) else _first_members.__wrapped__
    return memo(vs, concepts, key)


def matched_members(
    vs: ValueSets, concepts: tuple[str, ...], codings: tuple[Coding, ...]
) -> tuple[tuple[int, Coding], ...]:
    """Only the hits of ``first_members``, as (index in ``concepts``, coding): most findings match none
    of the red-flag concepts, so a scan over the hits alone is empty for them. Memoised alike."""
    if not memoisable(codings):
        found = _first_members.__wrapped__(vs, concepts, codings)
        return tuple((index, coding) for index, coding in enumerate(found) if coding is not None)
    return _matched_members(vs, concepts, codings)


def member(vs: ValueSets, concept: str, codings: Iterable[Coding]) -> Coding | None:
    """``vs.match(concept, codings)``, memoised like ``first_members``."""
    key = codings if isinstance(codings, tuple) else tuple(codings)
    return _member(vs, concept, key) if memoisable(key) else vs.match(concept, key)


class ConceptUnion:
    """Every concept a family of readers has asked for in this process, as one tuple, so that a call reads
    its chart once for all of them (``facts_findings``, ``coded_observations``). The readers' concepts are
    constants of the code: the union settles after the first call; a list not yet in it widens it once."""

    def __init__(self) -> None:
        self.known: tuple[str, ...] = ()

    def widened(self, concepts: tuple[str, ...]) -> tuple[str, ...]:
        known = self.known
        if not set(concepts).issubset(known):
            known = self.known = (*known, *(c for c in dict.fromkeys(concepts) if c not in known))
        return known


# A memo key is kept until 8,192 newer ones push it out: only ordinary-sized keys are memoised, so a
# hostile chart (thousands of codings on one finding, a megabyte of text) cannot pin its strings in
# memory across calls; such a finding is matched without the memo, at the same cost as a memo miss.
MEMO_MAX_CODINGS = 8  # of at most ~900 characters each (app/fhir/datatypes.py)
MEMO_MAX_TEXT_CHARS = 1_024


def memoisable(codings: tuple[Coding, ...], text: str | None = None) -> bool:
    return len(codings) <= MEMO_MAX_CODINGS and (text is None or len(text) <= MEMO_MAX_TEXT_CHARS)


def words_memoisable(texts: tuple[str | None, ...]) -> bool:
    """A record's words (its text and its codings' displays) are ordinary-sized enough to memoise by.
    A plain loop: asked for every record on every call, it costs a quarter of ``max(map(len, …))``'s
    iterator set-up on the two or three words a record has (measured: ~0.12 against ~0.5 µs)."""
    if len(texts) > MEMO_MAX_CODINGS:
        return False
    for text in texts:  # noqa: SIM110 (a generator under all() costs what the loop saves)
        if text is not None and len(text) > MEMO_MAX_TEXT_CHARS:
            return False
    return True


@lru_cache(maxsize=8192)  # bounded: about a megabyte at most; a miss costs what an uncached match costs
def _first_members(
    vs: ValueSets, concepts: tuple[str, ...], codings: tuple[Coding, ...]
) -> tuple[Coding | None, ...]:
    return tuple(vs.match(concept, codings) for concept in concepts)


@lru_cache(maxsize=8192)
def _matched_members(
    vs: ValueSets, concepts: tuple[str, ...], codings: tuple[Coding, ...]
) -> tuple[tuple[int, Coding], ...]:
    found = _first_members(vs, concepts, codings)
    return tuple((index, coding) for index, coding in enumerate(found) if coding is not None)


@lru_cache(maxsize=8192)
def _member(vs: ValueSets, concept: str, codings: tuple[Coding, ...]) -> Coding | None:
    return vs.match(concept, codings)

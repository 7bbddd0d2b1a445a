"""Where a finding is read (PATHWAY.md §2 v2), once per call for every reader.

A finding counts wherever the chart holds it: a Condition of any category, an asserted Observation (its
code or value; a CES or foot drop also in words, ``facts_named``), a reason stated on another record, and
the order's own reasonCode/reasonReference. Half a dozen readers ask for it — red flags, infection risk
factors, both legs' deficits, high-energy trauma, the modality findings — each for its own concepts. Each
used to walk the whole chart again; now the chart is read once for the union of every concept asked for
in this process (``ConceptUnion``), the table is kept on the call's ``Context``, and each reader takes the
rows that hit its concepts, renumbered to its own list. The answers are the same as reading the chart for
that list alone (tests/unit/pathway/test_findings_table.py). PURE.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import Enum
from functools import lru_cache
from typing import NamedTuple, cast

from app.chart.dates import FhirDate
from app.chart.model import ConditionView
from app.immutable import immutable
from app.pathway.facts_common import (
    ConceptUnion,
    Context,
    condition_first_date,
    condition_void,
    matched_members,
    observation_asserted,
    observation_void,
    order_reasons,
    possibly_by,
)
from app.pathway.facts_named import named_hits, names_of, row_hits
from app.terminology import Coding

__all__ = ["Hits", "Statement", "findings", "stated_in_words", "stated_reasons", "stated_texts"]

Hits = tuple[tuple[int, Coding], ...]


@immutable
class Statement:
    """A coded statement about the patient: a Condition, an Observation, or the order's reasons."""

    codings: tuple[Coding, ...]
    reference: str | None
    on: FhirDate | None
    condition: ConditionView | None = None
    from_order: bool = False


class _Read(Enum):
    """How a record's hits become a reader's: by code, else by its words (a Condition, a stated reason,
    the order's reasons); by code only (an asserted Observation); by words unless a code of the reader's
    concepts is there (a row named for a sign: a coded row is read by its code); by words only (a reason
    typed with no code)."""

    CODE_OR_WORDS = 1
    CODE = 2
    WORDS_UNLESS_CODED = 3
    WORDS = 4


class _Row(NamedTuple):
    statement: Statement
    coded: Hits  # indexes into the union of concepts the table was read for
    named: Hits
    read: _Read


def findings(ctx: Context, concepts: tuple[str, ...]) -> Iterator[tuple[Statement, Hits]]:
    """Every statement matching one of ``concepts``, in chart order, with its hits as (index in
    ``concepts``, coding) — the first member of each concept, as ``matched_members`` gives them."""
    union = READ_CONCEPTS.widened(concepts)
    slots = _slots(union, concepts)
    for row in _table(ctx, union):
        hits = _hits(row, slots)
        if hits:
            yield row.statement, hits


Stated = tuple[tuple[Coding, ...], str | None, FhirDate | None]


def stated_reasons(ctx: Context) -> Iterator[Stated]:
    """A finding the chart states as the reason for something else — a visit, a procedure, a prescription,
    an earlier order — or as a report's coded conclusion ("spinal epidural abscess"): read like an
    Observation of that date (§2 v2 "wherever the chart holds it"). Only entered-in-error is void: a
    cancelled visit's reason was still stated. The draft order's own reasons are ``order_reasons``."""
    for codings, _, reference, on, status in _reasons(ctx):
        if codings and status != "entered-in-error":
            yield codings, reference, on


def stated_in_words(ctx: Context) -> Iterator[tuple[tuple[str, ...], str | None, FhirDate | None]]:
    """(words, reference, date) of each reason given only in words — a visit's typed chief complaint
    ("urinary retention since Monday"), a procedure's, a prescription's or an earlier order's reason with
    no coding — read as ``stated_reasons`` reads a coded one, by ``facts_named`` (entered-in-error is
    void)."""
    return ((texts, reference, on) for codings, texts, reference, on in stated_texts(ctx) if not codings)


def stated_texts(ctx: Context) -> Iterator[tuple[tuple[Coding, ...], tuple[str, ...], str | None,
                                                  FhirDate | None]]:
    """(codings, words, reference, date) of every reason stated in words, coded or not — a visit's chief
    complaint "Fall" under a local code, a referral's "fell from standing" — for the words a code does not
    carry (``facts_fracture_words``); entered-in-error is void."""
    for codings, texts, reference, on, status in _reasons(ctx):
        if texts and status != "entered-in-error":
            yield codings, texts, reference, on


# --- the table -------------------------------------------------------------------------------------------

# Every concept list ``findings`` has been asked for in this process, as one tuple.
READ_CONCEPTS = ConceptUnion()


@lru_cache(maxsize=256)
def _slots(union: tuple[str, ...], concepts: tuple[str, ...]) -> tuple[tuple[int, ...], ...]:
    """For each index of ``union``, the indexes of ``concepts`` naming that concept."""
    return tuple(tuple(i for i, c in enumerate(concepts) if c == u) for u in union)


def _hits(row: _Row, slots: tuple[tuple[int, ...], ...]) -> Hits:
    if row.read is _Read.CODE_OR_WORDS:
        return _renumbered(row.coded, slots) or _renumbered(row.named, slots)
    if row.read is _Read.CODE:
        return _renumbered(row.coded, slots)
    if row.read is _Read.WORDS_UNLESS_CODED and _renumbered(row.coded, slots):
        return ()
    return _renumbered(row.named, slots)


def _renumbered(hits: Hits, slots: tuple[tuple[int, ...], ...]) -> Hits:
    found = [(index, coding) for at, coding in hits for index in slots[at]]
    if len(found) > 1:
        found.sort(key=lambda hit: hit[0])  # in the reader's order, as matched_members gives them
    return tuple(found)


def _table(ctx: Context, union: tuple[str, ...]) -> tuple[_Row, ...]:
    """The rows of this call's chart for ``union``, read once and kept on the call's context."""
    table = ctx.memo.get(union)
    if table is None:
        table = ctx.memo[union] = (*_conditions(ctx, union), *_observations(ctx, union),
                                   *_named_rows(ctx, union), *_stated(ctx, union), *_order(ctx, union))
    return cast(tuple[_Row, ...], table)


def _conditions(ctx: Context, union: tuple[str, ...]) -> Iterator[_Row]:
    """Conditions of any category, by code or (``facts_named``) by words; not void, not certainly after
    the order."""
    for c in ctx.chart.conditions:
        coded = matched_members(ctx.vs, union, c.codings)
        named = named_hits(ctx, union, names_of(c.text, c.codings))
        if not (coded or named) or condition_void(c):
            continue
        first = condition_first_date(c, ctx.chart.patient, ctx.order_date)
        if possibly_by(first, ctx.order_date):
            statement = Statement(c.codings, c.reference, first, condition=c)
            yield _Row(statement, coded, named, _Read.CODE_OR_WORDS)


def _observations(ctx: Context, union: tuple[str, ...]) -> Iterator[_Row]:
    """Observations whose code or value is a member, that assert it and are not after the order
    (``asserted_observations``)."""
    for o in ctx.chart.observations:
        codings = (*o.codings, *o.value_codings)
        coded = matched_members(ctx.vs, union, codings)
        if coded and observation_asserted(o) and possibly_by(o.effective, ctx.order_date):
            yield _Row(Statement(codings, o.reference, o.effective), coded, (), _Read.CODE)


def _named_rows(ctx: Context, union: tuple[str, ...]) -> Iterator[_Row]:
    """Rows named for a finding and answered Yes, or exam rows answered abnormal (``facts_named``), not
    void nor dated after the order."""
    for o in ctx.chart.observations:
        if observation_void(o) or not possibly_by(o.effective, ctx.order_date):
            continue
        named = row_hits(ctx, union, o)
        if named:
            coded = matched_members(ctx.vs, union, (*o.codings, *o.value_codings))
            yield _Row(Statement(o.codings, o.reference, o.effective), coded, named, _Read.WORDS_UNLESS_CODED)


def _stated(ctx: Context, union: tuple[str, ...]) -> Iterator[_Row]:
    """Reasons stated on other records, coded (a local code also by its display) or typed."""
    for codings, reference, on in stated_reasons(ctx):
        coded = matched_members(ctx.vs, union, codings)
        named = named_hits(ctx, union, names_of(None, codings))
        if (coded or named) and possibly_by(on, ctx.order_date):
            yield _Row(Statement(codings, reference, on), coded, named, _Read.CODE_OR_WORDS)
    for words, reference, on in stated_in_words(ctx):
        named = named_hits(ctx, union, words)
        if named and possibly_by(on, ctx.order_date):
            yield _Row(Statement((), reference, on), (), named, _Read.WORDS)
    yield from _procedure_names(ctx, union)


# A procedure named for a check, not for what it found: "Bladder scan for urinary retention", "Fall risk
# assessment" (the check's result is an Observation of its own, read by its value).
_CHECK = re.compile(r"\b(?:scan\w*|screen\w*|protocol|assess\w*|evaluat\w*|prevent\w*|monitor\w*|educat\w*"
                    r"|risk|rule\s+out|r/o)\b", re.IGNORECASE)


def _procedure_names(ctx: Context, union: tuple[str, ...]) -> Iterator[_Row]:
    """A procedure or an earlier order whose own name states the finding it treats — "Straight cath for
    urinary retention", "Referral to orthotics: ankle foot orthosis" (a foot drop, motor_deficit.json) —
    as nursing and clinic lists name them (tenth pass): read by ``facts_named`` like a reason in words,
    dated by the procedure or the order; never a check's name (``_CHECK``), never entered-in-error."""
    draft = ctx.order.reference if ctx.order is not None else None
    for p in ctx.chart.procedures:
        if p.status != "entered-in-error":
            yield from _named_record(ctx, union, names_of(p.text, p.codings), p.reference, p.performed)
    for sr in ctx.chart.service_requests:
        if sr.status != "entered-in-error" and (sr.reference is None or sr.reference != draft):
            yield from _named_record(ctx, union, names_of(sr.text, sr.codings), sr.reference,
                                     sr.authored_on or sr.occurrence)


def _named_record(ctx: Context, union: tuple[str, ...], names: tuple[str | None, ...], reference: str | None,
                  on: FhirDate | None) -> Iterator[_Row]:
    named = named_hits(ctx, union, names)
    if named and possibly_by(on, ctx.order_date) and not any(_CHECK.search(name) for name in names if name):
        yield _Row(Statement((), reference, on), (), named, _Read.WORDS)


def _order(ctx: Context, union: tuple[str, ...]) -> Iterator[_Row]:
    """The order's reasonCode/reasonReference, else its reason for exam in words ("r/o cauda equina")."""
    if ctx.order is None:
        return
    reasons = order_reasons(ctx)
    coded, named = matched_members(ctx.vs, union, reasons), named_hits(ctx, union, ctx.order.reason_texts)
    if coded or named:
        statement = Statement(reasons, ctx.order.reference, FhirDate(ctx.order_date), from_order=True)
        yield _Row(statement, coded, named, _Read.CODE_OR_WORDS)


_Reason = tuple[tuple[Coding, ...], tuple[str, ...], str | None, FhirDate | None, str | None]


def _reasons(ctx: Context) -> Iterator[_Reason]:
    """(codings, words, reference, date, status) of every record's stated reason; a report's conclusion
    is coded only (its prose is not read)."""
    chart, draft = ctx.chart, ctx.order.reference if ctx.order is not None else None
    yield from ((e.reason_codings, e.reason_texts, e.reference, e.start, e.status) for e in chart.encounters)
    yield from ((p.reason_codings, p.reason_texts, p.reference, p.performed, p.status)
                for p in chart.procedures)
    yield from ((m.reason_codings, m.reason_texts, m.reference, m.start, m.status) for m in chart.medications)
    yield from ((r.conclusion_codings, (), r.reference, r.started, r.status) for r in chart.imaging)
    others = (sr for sr in chart.service_requests if sr.reference is None or sr.reference != draft)
    yield from ((s.reason_codings, s.reason_texts, s.reference, s.authored_on or s.occurrence, s.status)
                for s in others)

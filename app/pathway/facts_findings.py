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
from app.chart.model import ConditionView, NoteView
from app.immutable import immutable
from app.pathway.facts_answers import observation_asserted, observation_void
from app.pathway.facts_cancer_words import CANCER_WORD_CONCEPTS
from app.pathway.facts_common import (
    Context,
    condition_first_date,
    condition_void,
    members_deny,
    order_reasons,
    reason_condition_ids,
)
from app.pathway.facts_dates import possibly_by
from app.pathway.facts_match import ConceptUnion, matched_members
from app.pathway.facts_named import (
    named_hits,
    names_of,
    one_per_concept,
    prose_hits,
    reported_hits,
    row_hits,
    words_hits,
)
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
    # A Condition another record names (a visit's diagnosis, a reasonReference): when it began, which says
    # whether a cauda equina sign is new (``facts_flags._kept``); the record's date says it is current.
    began: FhirDate | None = None


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
    for codings, _, reference, on, status, _ in _reasons(ctx):
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
    for codings, texts, reference, on, status, _ in _reasons(ctx):
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
        if coded and observation_asserted(o) and possibly_by(o.effective, ctx.order_date) \
                and not members_deny(ctx, o):
            yield _Row(Statement(codings, o.reference, o.effective), coded, (), _Read.CODE)


def _named_rows(ctx: Context, union: tuple[str, ...]) -> Iterator[_Row]:
    """Rows named for a finding and answered Yes, or exam rows answered abnormal (``facts_named``), not
    void nor dated after the order."""
    for o in ctx.chart.observations:
        if observation_void(o) or not possibly_by(o.effective, ctx.order_date):
            continue
        named = row_hits(ctx, union, o)
        if o.prose or o.notes or o.value_string:  # words (eleventh and twelfth passes), beside the answer
            named = one_per_concept(named, prose_hits(ctx, union, o))
        if named:
            coded = matched_members(ctx.vs, union, (*o.codings, *o.value_codings))
            yield _Row(Statement(o.codings, o.reference, o.effective), coded, named, _Read.WORDS_UNLESS_CODED)


def _stated(ctx: Context, union: tuple[str, ...]) -> Iterator[_Row]:
    """Reasons stated on other records, coded (a local code also by its display) or typed."""
    for codings, _, reference, on, status, began in _reasons(ctx):
        if not codings or status == "entered-in-error":
            continue
        coded = matched_members(ctx.vs, union, codings)
        named = words_hits(ctx, union, tuple(names_of(None, codings)))
        if (coded or named) and possibly_by(on, ctx.order_date):
            yield _Row(Statement(codings, reference, on, began=began), coded, named, _Read.CODE_OR_WORDS)
    for words, reference, on in stated_in_words(ctx):
        report = reference is not None and reference.startswith(_REPORT)
        named = reported_hits(ctx, union, words) if report else words_hits(ctx, union, words)
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
            yield from _named_record(ctx, union, names_of(p.text, p.codings), p.reference, p.performed,
                                     skip=_PROCEDURE_READ_ELSEWHERE)
    for sr in ctx.chart.service_requests:
        if sr.status != "entered-in-error" and (sr.reference is None or sr.reference != draft):
            yield from _named_record(ctx, union, names_of(sr.text, sr.codings), sr.reference,
                                     sr.authored_on or sr.occurrence, skip=_ORDER_READ_ELSEWHERE)


# Concepts another reader takes from a procedure's or an order's name, each once: a cancer treatment
# (``facts_cancer``), a dialysis, a line or a spinal injection as an infection risk factor
# (``facts_markers``).
_ORDER_READ_ELSEWHERE = frozenset({"infection_risk_factor"})
_PROCEDURE_READ_ELSEWHERE = CANCER_WORD_CONCEPTS | _ORDER_READ_ELSEWHERE


def _named_record(ctx: Context, union: tuple[str, ...], names: tuple[str | None, ...], reference: str | None,
                  on: FhirDate | None, skip: frozenset[str] = frozenset()) -> Iterator[_Row]:
    """``skip``: concepts another reader takes from these names (``_PROCEDURE_READ_ELSEWHERE``), so that a
    record gives one finding."""
    named = named_hits(ctx, union, names)  # most records name nothing: nothing to filter
    named = tuple(hit for hit in named if union[hit[0]] not in skip) if named else named
    if named and possibly_by(on, ctx.order_date) and not any(_CHECK.search(name) for name in names if name):
        yield _Row(Statement((), reference, on), (), named, _Read.WORDS)


def _order(ctx: Context, union: tuple[str, ...]) -> Iterator[_Row]:
    """The order's reasonCode/reasonReference (and supportingInfo), else its reason for exam and note in
    words ("r/o cauda equina", "h/o metastatic breast cancer")."""
    if ctx.order is None:
        return
    reasons = order_reasons(ctx)
    words = ctx.order.reason_texts
    coded = matched_members(ctx.vs, union, reasons)
    named = words_hits(ctx, union, words)
    if coded or named:
        statement = Statement(reasons, ctx.order.reference, FhirDate(ctx.order_date), from_order=True)
        yield _Row(statement, coded, named, _Read.CODE_OR_WORDS)


_REPORT = "DiagnosticReport/"  # a report's prose is read as a report's (``facts_named.reported_hits``)
_Reason = tuple[tuple[Coding, ...], tuple[str, ...], str | None, FhirDate | None, str | None, FhirDate | None]


_REASONS = ("#stated_reasons",)  # a memo key no concept list can be: this call's ``_reasons``


def _reasons(ctx: Context) -> tuple[_Reason, ...]:
    """(codings, words, reference, date, status, began) of every record's stated reason, and a report's
    conclusion: coded, and in words sentence by sentence (its prose is read even beside a code: the code
    may be the disc herniation, the prose the abscess). Read once per call, for the four readers that ask
    (the findings table, the episode, the fracture words); a record that states nothing is left out."""
    found = ctx.memo.get(_REASONS)
    if found is None:
        found = ctx.memo[_REASONS] = tuple(reason for reason in _read_reasons(ctx) if reason[0] or reason[1])
    return cast(tuple[_Reason, ...], found)


def _read_reasons(ctx: Context) -> Iterator[_Reason]:
    chart, draft = ctx.chart, ctx.order.reference if ctx.order is not None else None
    for c in chart.conditions:
        if c.notes:
            void = "entered-in-error" if c.verification_status == "entered-in-error" else None
            yield from _noted(c.notes, c.reference, c.recorded or c.onset, void)
    for e in chart.encounters:
        yield from _with_named(ctx, (e.reason_codings, e.reason_texts, e.reference, e.start, e.status, None),
                               e.reason_references + e.diagnoses)
    for p in chart.procedures:
        yield from _with_named(ctx, (p.reason_codings, p.reason_texts, p.reference, p.performed, p.status,
                                     None), p.reason_references)
        if p.notes:
            yield from _noted(p.notes, p.reference, p.performed, p.status)
    for m in chart.medications:
        yield from _with_named(ctx, (m.reason_codings, m.reason_texts, m.reference, m.start, m.status, None),
                               m.reason_references)
        if m.notes:
            yield from _noted(m.notes, m.reference, m.start, m.status)
    yield from _evidence(ctx)
    yield from ((r.conclusion_codings, (), r.reference, r.started, r.status, None) for r in chart.imaging)
    yield from (((), r.conclusion_texts, r.reference, r.started, r.status, None) for r in chart.imaging
                if r.conclusion_texts)  # its prose, read whether or not it is also coded
    for s in (sr for sr in chart.service_requests if sr.reference is None or sr.reference != draft):
        on = s.authored_on or s.occurrence
        yield from _with_named(ctx, (s.reason_codings, s.reason_texts, s.reference, on, s.status, None),
                               s.reason_references)
        if s.note_texts:  # a referral's note ("new retention since Monday"), read beside its code
            yield (), s.note_texts, s.reference, on, s.status, None


def _noted(notes: tuple[NoteView, ...], reference: str, on: FhirDate | None, status: str | None
           ) -> Iterator[_Reason]:
    """A record's notes in words (a Condition's, a Procedure's, a prescription's; eleventh pass), each
    dated by its ``time``, else by the record; read as a reason typed with no code is (``stated_in_words``):
    "New saddle anesthesia since yesterday" on a sciatica problem is R5, "No saddle anesthesia" nothing."""
    for note in notes:
        yield (), note.texts, reference, note.time or on, status, None
def _evidence(ctx: Context) -> Iterator[_Reason]:
    """Condition.evidence — the manifestations a diagnosis was made on ("low back pain", evidence urinary
    retention) and the Conditions its ``detail`` names — states each finding on the Condition's own first
    date, as a visit's reason states it on the visit's (docs/pathway-facts.md "Eleventh pass: how an answer
    is recorded"). Only entered-in-error is void: a refuted diagnosis's manifestations were still seen."""
    patient, order_date = ctx.chart.patient, ctx.order_date
    for c in ctx.chart.conditions:
        if c.evidence_codings or c.evidence_texts or c.evidence_references:
            on = condition_first_date(c, patient, order_date)
            yield from _with_named(ctx, (c.evidence_codings, c.evidence_texts, c.reference, on,
                                         c.verification_status, None), c.evidence_references)


_HELD = ("#conditions_by_id",)  # a memo key no concept list can be: the chart's Conditions by id


def _with_named(ctx: Context, own: _Reason, references: tuple[str, ...]) -> Iterator[_Reason]:
    """A record's own reasons, then each chart Condition its ``references`` name (refuted and
    entered-in-error ones left out): a visit's diagnosis, a procedure's, prescription's or earlier order's
    reasonReference states that finding on the record's date as its reasonCode would — an I&D last week for
    an abscess whose problem was resolved in December (PATHWAY.md §2 v2, invariant 6) — and the Condition's
    own first date says whether a cauda equina sign is new (``Statement.began``: a chronic incontinence an
    Epic visit carries among its diagnoses is not a new one). The reference's words are then not read again.
    One dict per call, built only when a record names one."""
    named = _referenced(ctx, references) if references else ()
    if not named:
        yield own
        return
    codings, texts, reference, on, status, _ = own
    shown = {name.casefold() for c in named for name in names_of(c.text, c.codings) if name}
    yield codings, tuple(t for t in texts if t.casefold() not in shown), reference, on, status, None
    patient, order_date = ctx.chart.patient, ctx.order_date
    for c in named:
        yield c.codings, (), reference, on, status, condition_first_date(c, patient, order_date)


def _referenced(ctx: Context, references: tuple[str, ...]) -> tuple[ConditionView, ...]:
    held = ctx.memo.get(_HELD)
    if held is None:
        held = ctx.memo[_HELD] = {c.id: c for c in ctx.chart.conditions if not condition_void(c)}
    by_id = cast(dict[str, ConditionView], held)
    return tuple(by_id[cid] for cid in reason_condition_ids(references) if cid in by_id)

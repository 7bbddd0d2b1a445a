"""Inflammatory markers (ESR, CRP) and infection risk factors: PATHWAY.md §3 v2, R7, R7b, R8.

* An infection risk factor (diabetes, haemodialysis/vascular catheter, bacteraemia, a spinal procedure or
  injection in the last 90 days) **with** a raised marker within 14 days — ESR above max(20, age-adjusted:
  men age/2, women (age+10)/2) mm/h, or CRP > 10 mg/L — is an infection red flag (R7).
* A weak malignancy flag (R9) with ESR ≥ 50 mm/h is a major malignancy flag (R8).
* ESR ≥ 50 mm/h (latest within 30 days) or CRP ≥ 50 mg/L (latest within 14 days) that neither rule above
  explains is R7b (``Facts.raised_markers``), an info card, never a defer.

The most recent value of each analyte decides (a later normal value cancels an earlier high one); a
value whose date is missing or partial may be the latest, so it can raise a marker but never cancel one
(§2, invariant 6: removing a date never makes the answer less safe). The thresholds come from CODES.md
§2 (Davis 2011, 2020; Deyo 1988; Miller 1983) and are clinical, not site policy. Data compromises: a CRP
without a unit is taken as mg/L (the usual unit); an ESR in another unit than mm/h, or a CRP in one we
cannot convert, is not read. Gender unknown: the men's (lower) age-adjusted limit, so a raised ESR is not
missed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from functools import lru_cache

from app.chart.dates import FhirDate
from app.chart.model import ObservationView
from app.immutable import immutable
from app.pathway.facts_answers import (
    VOID_OBSERVATION,
    interpreted,
    interpreted_critical,
    observation_asserted,
    observation_void,
)
from app.pathway.facts_common import (
    NOT_DONE_PROCEDURE,
    Context,
    coded_observations,
    coded_then_named,
    dated,
    ordered,
    shown_name,
)
from app.pathway.facts_dates import last_day, possibly_by, possibly_within
from app.pathway.facts_findings import stated_texts
from app.pathway.facts_flags import Keep, coded_evidence
from app.pathway.facts_marker_rows import marker_named
from app.pathway.facts_match import member, memoisable
from app.pathway.facts_measured import Measured, measured, unit_key
from app.pathway.facts_named import narrative
from app.pathway.facts_negation import asserted_at
from app.pathway.model import Evidence, Finding, RedFlag, State
from app.terminology import SNOMED, Coding, ValueSets, canonical_system
from app.terminology.risk_text import done_in_words, risk_from_words

MARKER_WINDOW_DAYS = 14       # R7 (both analytes) and R7b CRP
ESR_HIGH_WINDOW_DAYS = 30     # R7b and R8 ESR
SPINAL_PROCEDURE_DAYS = 90    # R7 risk factor: spinal procedure or injection in the last 3 months
ESR_FLOOR, ESR_HIGH = 20.0, 50.0
CRP_RAISED, CRP_HIGH = 10.0, 50.0
# Units after ``unit_key`` (case, spaces and brackets dropped; µg and mcg are ug).
# g/L: a few European laboratories report CRP so (0.06 g/L is 60 mg/L).
# A unit may also be written out, as the UCUM print name or a person types it ("milligram per deciliter",
# "mg per dL"), or as the older "mg/100 mL" and "mg%" (both mg/dL).
_CRP_TO_MG_L: Mapping[str, float] = {
    "mg/l": 1.0, "ug/ml": 1.0, "mg/dl": 10.0, "nmol/l": 1 / 9.52, "g/l": 1000.0,
    **dict.fromkeys(("mgperl", "milligramperliter", "milligramsperliter", "milligramperlitre",
                     "milligramsperlitre"), 1.0),
    **dict.fromkeys(("mgperdl", "milligramperdeciliter", "milligramsperdeciliter", "milligramperdecilitre",
                     "milligramsperdecilitre", "mg/100ml", "mg%"), 10.0),
}
# The Westergren ESR is the fall in millimetres in the first hour: laboratories write it "mm" alone, "mm in
# 1st hour", or as UCUM's "mm/(1.h)" (docs/pathway-facts.md "Eighth pass: malignancy").
_ESR_UNITS = frozenset({
    "mm/h", "mm/hr", "mm/hour", "mm/1h", "mm/1hr", "mm/60min", "mm", "mm/(1h)", "mm/hrs", "mm/1sthr",
    "mm/1sthour", "mmin1sthour", "mmin1hour", "mmh", "mmperhour", "mmperhr", "millimeterperhour",
    "millimetersperhour", "millimetreperhour", "millimetresperhour",
})
_NO_GROWTH = frozenset({(SNOMED, "264868006")})  # a blood culture's "No growth" (its Negative: _NO_ANSWERS)
# Procedures that are an infection risk factor when performed in the last SPINAL_PROCEDURE_DAYS, and the
# finding each is shown as: a spinal procedure or injection, or (haemodialysis, a central line placed) the
# risk factor itself (§3 v2; spinal_procedure and vascular_access_procedure are read here only).
_RISK_PROCEDURES: Mapping[str, Finding] = {
    "epidural_injection": Finding.SPINAL_PROCEDURE,
    "prior_spine_surgery": Finding.SPINAL_PROCEDURE,
    "spinal_procedure": Finding.SPINAL_PROCEDURE,
    "vascular_access_procedure": Finding.INFECTION_RISK_FACTOR,
}


@immutable
class Marker:
    """The latest value of one analyte in a window, in mm/h (ESR) or mg/L (CRP). ``dated``: its day is
    certain; else ``last`` is the last day it may have been measured (None: undated), and it cannot be
    placed before another value that may be earlier."""

    value: float
    evidence: Evidence
    dated: bool = True
    last: date | None = None
    above: bool = False  # a bound written ">10": the value lies above ``value``
    flagged: bool = False  # no number, only the laboratory's flag High/Abnormal (``interpreted``)

    def exceeds(self, limit: float) -> bool:
        """Above ``limit``: ">10 mg/L" is above CRP's 10 though its number is not; a result flagged high
        with no number is above the raised limit (R7), never known to be ≥ 50 (R7b, R8)."""
        return self.flagged or self.value > limit or (self.above and self.value >= limit)


@immutable
class MarkerFlags:
    """What the markers add: red-flag evidence (R7, R8) and the unexplained raised markers (R7b)."""

    red_flags: Mapping[RedFlag, tuple[Evidence, ...]]
    unexplained: tuple[Evidence, ...]


def marker_flags(
    ctx: Context, flags: Mapping[RedFlag, tuple[Evidence, ...]], age: int | None, gender: str | None
) -> MarkerFlags:
    """R7 (risk factor + raised marker), R8 (weak flag + ESR ≥ 50) and R7b (raised, unexplained)."""
    risk = infection_risk_factors(ctx)
    esr_recent, crp = latest(ctx, "esr", MARKER_WINDOW_DAYS), latest(ctx, "crp", MARKER_WINDOW_DAYS)
    esr = latest(ctx, "esr", ESR_HIGH_WINDOW_DAYS)
    limits = ((esr_recent, esr_limit(age, gender)), (crp, CRP_RAISED))
    raised = [m for m, limit in limits if m is not None and m.exceeds(limit)]
    found: dict[RedFlag, tuple[Evidence, ...]] = {}
    if risk and raised:
        found[RedFlag.INFECTION] = ordered((*risk, *(m.evidence for m in raised)))
    weak = flags.get(RedFlag.MALIGNANCY_WEAK, ())
    esr_high = esr is not None and esr.value >= ESR_HIGH
    if weak and esr is not None and esr_high:
        found[RedFlag.MALIGNANCY_MAJOR] = ordered((*weak, esr.evidence))
    high = [m for m, limit in ((esr, ESR_HIGH), (crp, CRP_HIGH)) if m is not None and m.value >= limit]
    explained = bool(risk) or (bool(weak) and esr_high)
    return MarkerFlags(found, () if explained else ordered(m.evidence for m in high))


def esr_limit(age: int | None, gender: str | None) -> float:
    """Upper limit of normal ESR: the higher of 20 mm/h and the age-adjusted limit (Miller 1983)."""
    if age is None:
        return ESR_FLOOR
    adjusted = (age + 10) / 2 if gender == "female" else age / 2
    return max(ESR_FLOOR, adjusted)


def latest(ctx: Context, concept: str, days: int) -> Marker | None:
    """The value of ``concept`` that decides, within ``days`` before the order: the most recent
    certainly-dated one (on the same day the higher, the safe side) — unless a value whose date is missing
    or partial but may lie in the window is higher. Such a value may be the latest, so it can raise the
    marker but never cancel one: removing a date never makes the answer less safe (§2, invariant 6)."""
    start = ctx.days_before(days)
    found = [m for o, coding in _marker_rows(ctx, concept)
             if (m := _marker(ctx, o, coding, concept, start)) is not None]
    newest = max((m for m in found if m.dated), key=lambda m: (m.evidence.on or date.min, m.value),
                 default=None)
    since = newest.evidence.on if newest is not None else None
    maybe_later = [m for m in found if not m.dated and (m.last is None or since is None or m.last >= since)]
    candidates = [newest, *maybe_later] if newest is not None else maybe_later
    return max(candidates, key=lambda m: m.value, default=None)


def _marker_rows(ctx: Context, concept: str) -> Iterator[tuple[ObservationView, Coding | None]]:
    """The coded rows of ``concept``, then the rows a clinic names that test in words only
    (``facts_marker_rows``: "Sed Rate (ESR)", "CRP" as a CSV column's header)."""
    return coded_then_named(ctx, concept, _named_rows(ctx).get(concept, ()))


_NAMED_ROWS = ("#marker_rows_named",)  # a memo key no concept list can be


def _named_rows(ctx: Context) -> dict[str, list[ObservationView]]:
    """The rows named for each marker, by marker: one walk of the Observations per call, however many
    markers and windows ask (ESR and CRP, each for R7, R7b and R8)."""
    held = ctx.memo.get(_NAMED_ROWS)
    if isinstance(held, dict):
        return held
    found: dict[str, list[ObservationView]] = {}
    for o in ctx.chart.observations:
        concept = marker_named(o.text, o.codings)
        if concept is not None:
            found.setdefault(concept, []).append(o)
    ctx.memo[_NAMED_ROWS] = found
    return found


def _marker(ctx: Context, o: ObservationView, coding: Coding | None, concept: str, start: date
            ) -> Marker | None:
    if o.status in VOID_OBSERVATION:
        return None
    if not possibly_within(o.effective, start, ctx.order_date):
        return None
    found = measured(o)
    value = _normalised(concept, found) if found is not None else None
    flagged = value is None and interpreted(o) is True
    if value is None and not flagged:
        return None
    on = o.effective.value if o.effective is not None else None
    state = State.FOUND if o.effective is not None else State.DATE_NOT_RECORDED
    evidence = Evidence(Finding(concept), o.reference, on, coding, value=value,
                        state=State.FLAGGED if flagged else state)
    last = last_day(o.effective) if o.effective is not None else None
    at = (_CRITICAL_AT if interpreted_critical(o) else _FLAGGED_AT)[concept] if value is None else value
    # Only a value certainly on record by the order's day may cancel another (§1, supporting evidence); a
    # moment written in UTC whose date is the day after the order's may raise a marker, never lower one.
    certain = o.effective is not None and o.effective.is_exact and o.effective.value <= ctx.order_date
    return Marker(at, evidence, dated=certain, last=last,
                  above=found is not None and found.comparator == ">", flagged=flagged)


# A result with no readable number ("see comment", a dataAbsentReason) that the laboratory flags High or
# Abnormal (``facts_answers.interpreted``; docs/pathway-facts.md "Eleventh pass: how an answer is
# recorded"): raised above R7's limit — the safe side, as a laboratory's upper limit of normal lies at or
# below it — but not known to be ≥ 50; flagged critical (HH, AA, "Critical"), as high as R7b's and R8's 50.
# It is compared with other values as this value.
_FLAGGED_AT = {"esr": ESR_FLOOR, "crp": CRP_RAISED}
_CRITICAL_AT = {"esr": ESR_HIGH, "crp": CRP_HIGH}


def _normalised(concept: str, found: Measured) -> float | None:
    """The value in mm/h or mg/L. A result sent as text (``measured``: "60 mm/hr", or outside the
    analyser's range, ">140", "<5") is read too; a bound is the value, which leaves a ">" result at least
    as high as read (``Marker.above``)."""
    value, unit = found.value, unit_key(found.unit)
    if concept == "esr":
        return value if unit is None or unit in _ESR_UNITS else None
    factor = _CRP_TO_MG_L.get(unit) if unit else 1.0  # no unit: taken as mg/L (see the module docstring)
    return round(value * factor, 1) if factor is not None else None


def infection_risk_factors(ctx: Context) -> tuple[Evidence, ...]:
    """§3 v2 infection risk factors: coded ones (read as a red flag is read, §2) and procedures — spinal
    ones, haemodialysis, a central line placed — performed in the last ``SPINAL_PROCEDURE_DAYS``
    (``_spinal_procedures``), also as a completed order or a visit of that type."""
    coded = coded_evidence(ctx, "infection_risk_factor", Keep.SERIOUS)
    done = (*_spinal_procedures(ctx), *_spinal_orders_done(ctx), *_risk_visits(ctx), *_typed_procedures(ctx))
    return ordered((*coded, *done, *_positive_blood_cultures(ctx)))


def _spinal_procedures(ctx: Context) -> Iterator[Evidence]:
    """A Procedure whose performance possibly reached into the window: by its date, or by the end of its
    performedPeriod (a period begun before the window, or written with only its end, still ended in it).
    An undated one (no date at all, or only a ``performedString``/``performedAge``) may have been done
    yesterday: it counts, "date not recorded" — removing a date never makes the answer less safe (§2,
    invariant 6), and the risk factor still needs a raised marker."""
    done = (p for p in ctx.chart.procedures if p.status not in NOT_DONE_PROCEDURE)
    return _recent_risks(ctx, ((p.performed or p.performed_end, p.performed_end or p.performed, p.codings,
                                p.text, p.reference) for p in done))


def _spinal_orders_done(ctx: Context) -> Iterator[Evidence]:
    """A spinal injection or surgery order marked ``completed`` was performed (R4: "fully performed"), as
    conservative care reads it when an outside clinic left only the order: dated by its occurrence, else
    its authoredOn (it was done no earlier than ordered), in the window as a Procedure date is."""
    start = ctx.days_before(SPINAL_PROCEDURE_DAYS)
    for sr in ctx.chart.service_requests:
        when = sr.occurrence or sr.authored_on
        if sr.status != "completed" or when is None:
            continue
        if last_day(when) >= start and possibly_by(when, ctx.order_date):
            found = _risk(ctx, sr.codings, sr.text)
            if found is not None:
                yield _procedure_evidence(found, sr.reference, when.value)


# A visit planned, cancelled or recorded in error did not happen.
_NO_VISIT = frozenset({"planned", "cancelled", "entered-in-error"})


def _risk_visits(ctx: Context) -> Iterator[Evidence]:
    """A visit whose type or service type is a risk procedure — a haemodialysis session (SNOMED CT
    302497006, or "Dialysis" under a local type), an epidural injection visit — dated by its start (else
    its end) within ``SPINAL_PROCEDURE_DAYS``, or undated, as a Procedure is (tenth pass); also a type
    typed with no coding ("Epidural steroid injection", eleventh pass)."""
    held = (e for e in ctx.chart.encounters if e.status not in _NO_VISIT)
    return _recent_risks(ctx, ((e.start or e.end, e.end or e.start,
                                (*e.type_codings, *e.service_type_codings), next(iter(e.type_texts), None),
                                e.reference) for e in held))


_Done = tuple[FhirDate | None, FhirDate | None, tuple[Coding, ...], str | None, str]


def _typed_procedures(ctx: Context) -> Iterator[Evidence]:
    """A procedure or a line typed as done (``risk_text.done_in_words``: "s/p L4-5 ESI last week", "recent
    LP") in a reason or a note (``stated_texts``), an exam row's prose (``narrative``) or the order's reason
    for exam, dated by that record within ``SPINAL_PROCEDURE_DAYS`` or undated; never when its clause denies
    it ("no recent ESI"). Twelfth pass: a procedure was read only as a Procedure, an order or a visit."""
    start = ctx.days_before(SPINAL_PROCEDURE_DAYS)
    for texts, reference, on in _typed_texts(ctx):
        if on is not None and (last_day(on) < start or not possibly_by(on, ctx.order_date)):
            continue
        for text in texts:
            done = done_in_words(text)
            if done is not None and asserted_at(text, done[1], done[2]):
                found = (_RISK_PROCEDURES[done[0]], None, text)
                yield _procedure_evidence(found, reference, on.value if on is not None else None)
                break


def _typed_texts(ctx: Context) -> Iterator[tuple[tuple[str, ...], str | None, FhirDate | None]]:
    """The words a procedure done may be typed in, with the record and its date."""
    yield from ((texts, reference, on) for _, texts, reference, on in stated_texts(ctx))
    yield from ((narrative(o), o.reference, o.effective) for o in ctx.chart.observations
                if (o.prose or o.notes) and not observation_void(o))
    if ctx.order is not None and ctx.order.reason_texts:
        yield ctx.order.reason_texts, ctx.order.reference, FhirDate(ctx.order_date)


def _recent_risks(ctx: Context, records: Iterable[_Done]) -> Iterator[Evidence]:
    """Each (first day, last day, codings, name, reference) whose span possibly reached into the last
    ``SPINAL_PROCEDURE_DAYS`` (or is undated) and which is a risk procedure (``_risk``)."""
    start = ctx.days_before(SPINAL_PROCEDURE_DAYS)
    for first, last, codings, text, reference in records:
        recent = first is None or last is None \
            or (last_day(last) >= start and possibly_by(first, ctx.order_date))
        found = _risk(ctx, codings, text) if recent else None
        if found is not None:
            yield _procedure_evidence(found, reference, first.value if first is not None else None)


_Risk = tuple[Finding, Coding | None, str | None]


def _risk(ctx: Context, codings: tuple[Coding, ...], text: str | None) -> _Risk | None:
    """The finding a procedure shows, the coding that shows it and the name to show: by its code
    (``_RISK_PROCEDURES``), else by its name ("L4-5 ESI", "PICC line placement": ``risk_from_words``).
    Memoised by the codes and name: every procedure, visit and order is read, and they repeat."""
    codings = tuple(codings)
    return (_read_risk if memoisable(codings, text) else _read_risk.__wrapped__)(ctx.vs, codings, text)


@lru_cache(maxsize=4096)  # bounded like facts_match's memos
def _read_risk(vs: ValueSets, codings: tuple[Coding, ...], text: str | None) -> _Risk | None:
    hits = ((finding, member(vs, name, codings)) for name, finding in _RISK_PROCEDURES.items())
    coded = next(((finding, coding) for finding, coding in hits if coding is not None), None)
    if coded is not None:
        finding, coding = coded
        return finding, coding, coding.display if finding is Finding.INFECTION_RISK_FACTOR else None
    named = risk_from_words((text, *(c.display for c in codings)))
    return None if named is None else (_RISK_PROCEDURES[named[0]], codings[0] if codings else None, named[1])


def _procedure_evidence(found: _Risk, reference: str | None, on: date | None) -> Evidence:
    """A spinal procedure is worded "spinal procedure in the last 90 days" (with the chart's words when it
    was read by them); haemodialysis or a line placed is the risk factor, named as the chart names it
    ("infection risk factor — Hemodialysis …")."""
    finding, coding, name = found
    state = State.FOUND if on is not None else State.DATE_NOT_RECORDED
    return Evidence(finding, reference, on, coding, state=state, name=shown_name(name))


def _positive_blood_cultures(ctx: Context) -> Iterator[Evidence]:
    """Recent bacteraemia recorded as its evidence: a blood culture (``blood_culture``) that grew an
    organism — dated as an Observation of a coded risk factor is (within ``episode_gap_days``, or undated,
    ``Keep.SERIOUS``). The card names what grew, as the chart words it (``_growth``)."""
    start = ctx.days_before(ctx.policy.episode_gap_days)
    for o, coding in coded_observations(ctx, "blood_culture"):
        grew = _growth(o) if not observation_void(o) else None
        if grew is None or not possibly_within(o.effective, start, ctx.order_date):
            continue
        state = State.FOUND if o.effective is not None else State.DATE_NOT_RECORDED
        yield Evidence(Finding.INFECTION_RISK_FACTOR, o.reference, dated(o.effective), coding, state=state,
                       name=shown_name(grew))


def _growth(o: ObservationView) -> str | None:
    """What a culture grew, in words; None when it grew nothing we can read. Positive: an organism as its
    SNOMED CT value, a positive answer (SNOMED CT Positive, LOINC LA6576-8 Positive: the organism is then
    in another row), or a result in words that names growth ("Staphylococcus aureus", "Gram positive cocci
    in clusters", "Growth of …"). Not positive: No growth (264868006), Negative, Not detected, and words that
    begin with no/negative/not/pending/none or name nothing that grew; no result at all."""
    keys = {(canonical_system(c.system), c.code) for c in o.value_codings}
    if keys & _NO_GROWTH:
        return None
    if o.value_codings and observation_asserted(o):
        organism = next((c for c in o.value_codings if canonical_system(c.system) == SNOMED), None)
        return (organism.display if organism is not None else None) or o.value_text or ""
    words = o.value_string if o.value_string is not None else o.value_text
    folded = (words or "").casefold().strip()
    if not folded or _NOT_GROWN.match(folded) or not _GROWN.search(folded):
        return None
    return words


# A culture result in words (docs/pathway-facts.md "Ninth pass: infection"): what names growth, and what
# a result that grew nothing begins with ("No growth at 5 days", "Negative", "Pending", "NGTD").
_GROWN = re.compile(
    r"\b(?:positive|growth|grew|isolated|detected|organisms?|bacteria|cocci|bacilli|rods|yeast|gram|"
    r"staphylococc\w*|streptococc\w*|enterococc\w*|escherichia|e\.\s?coli|klebsiella|pseudomonas|"
    r"serratia|enterobacter|proteus|acinetobacter|bacteroides|candida|mrsa|mssa)\b"
)
_NOT_GROWN = re.compile(r"(?:no|not|negative|none|nil|pending|ngtd|in progress|preliminary)\b")

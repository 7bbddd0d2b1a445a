"""Shared pieces of the fact extraction (PATHWAY.md §2): the call context, statuses, evidence order, and
how Conditions, Observations and medications are read. Dates (the two date rules) are ``facts_dates``;
measured values ``facts_measured``; memoised value-set matching ``facts_match``.

Evidence tuples are sorted (``ordered``) so that the facts are identical for any order of bundle entries
(PATHWAY.md §4 safety invariant 4). How an Observation answers (Yes, No, a flag beside the value) is
``facts_answers``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import field
from datetime import date
from functools import lru_cache
from typing import cast

from app.chart.dates import FhirDate
from app.chart.model import Chart, ConditionView, MedicationView, ObservationView, PatientView
from app.immutable import immutable
from app.pathway.facts_answers import answered, observation_asserted
from app.pathway.facts_dates import add_months, add_years, iso_onset_string, last_day, possibly_by, shift
from app.pathway.facts_match import ConceptUnion, matched_members, member, memoisable
from app.pathway.model import Evidence, Finding, OrderFacts
from app.pathway.policy import Policy
from app.terminology import Coding, ValueSets

INACTIVE_CLINICAL = frozenset({"inactive", "resolved", "remission"})
VOID_VERIFICATION = frozenset({"refuted", "entered-in-error"})
# A Procedure in "preparation" is planned, not done: it is no conservative care and no surgery yet.
NOT_DONE_PROCEDURE = frozenset({"entered-in-error", "not-done", "preparation"})

_MAX_AGE_YEARS = 150


@immutable
class Context:
    """Everything one extraction reads; ``order_date`` is the order's date, else ``today`` (PATHWAY.md §2)."""

    chart: Chart
    order: OrderFacts | None
    order_date: date
    policy: Policy
    vs: ValueSets
    # What one reading of the chart found, kept for the other readers of this call (``facts_findings``);
    # not part of the context's identity.
    memo: dict[tuple[str, ...], object] = field(default_factory=dict, compare=False, repr=False)

    def days_before(self, days: int) -> date:
        return shift(self.order_date, -days)


# --- conditions ----------------------------------------------------------------------------------------


def condition_void(condition: ConditionView) -> bool:
    """PATHWAY.md §2: a refuted or entered-in-error Condition never counts, for any fact."""
    return condition.verification_status in VOID_VERIFICATION


def condition_current(condition: ConditionView, order_date: date, keep_days: int | None) -> bool:
    """Active, or abated within ``keep_days`` before the order (PATHWAY.md §2 episode: 180 days).

    ``keep_days=None`` keeps any history (a resolved cancer is a history of cancer). A Condition that is
    inactive/resolved/remission or abated *without* an abatement date cannot show it ended recently, so
    it does not count (unless history is kept).
    """
    if keep_days is None:
        return True
    if condition.abatement is not None:
        return last_day(condition.abatement) >= shift(order_date, -keep_days)
    return not condition.abated and condition.clinical_status not in INACTIVE_CLINICAL


def onset_range(condition: ConditionView, patient: PatientView | None, order_date: date
                ) -> tuple[date, date] | None:
    """The earliest and latest day the onset can be, from onset[x] in R4 order (PATHWAY.md §2).

    onsetDateTime/onsetPeriod.start, then onsetAge (+ birthDate), then an ISO onsetString. A partial date
    spans its month/year; an age spans one of its units (``_age_range``). An onset the record contradicts
    (``_contradicted``) is written but gives no day: ``None``, as for prose.
    """
    written = condition.onset or iso_onset_string(condition.onset_string)
    if condition.onset is None and condition.onset_age_years is not None:
        found = _age_range(condition.onset_age_years, condition.onset_age_unit, patient)
    else:
        found = (written.value, last_day(written)) if written is not None else None
    if found is None or _contradicted(condition, written, found, patient, order_date):
        return None
    return found


def _contradicted(condition: ConditionView, written: FhirDate | None, found: tuple[date, date],
                  patient: PatientView | None, order_date: date) -> bool:
    """An onset the record itself shows is wrong: certainly before the patient was born (1926 for 2026),
    or certainly after the order on a Condition recorded (or asserted) by the order's day — a typo (2062
    for 2026) on a diagnosis that was on the chart when the order was written. Such an onset dates
    nothing: read as a day, it would drop a cauda equina recorded last week as "after the order", or
    shorten an episode to a defer (invariants 3 and 6)."""
    born = patient.birth_date if patient is not None else None
    if born is not None and found[1] < born.value:
        return True
    after = not possibly_by(written, order_date) if written is not None else found[0] > order_date
    on_record = condition.recorded or condition.asserted
    return after and on_record is not None and possibly_by(on_record, order_date)


# Days in each UCUM unit of an age (a = 365.25 d, mo = a/12), for values that are not whole units.
_UNIT_DAYS = {"a": 365.25, "mo": 365.25 / 12, "wk": 7.0, "d": 1.0}


def _age_range(years: float, unit: str, patient: PatientView | None) -> tuple[date, date] | None:
    """An age spans one of its units: "at 45 years" is a year of life, "at 541 months" a month of it, "at
    16436 days" one day (exact). Day-precise only in days: an age in months taken as its first day would
    make the onset a month earlier than it may be (R3a/R3b instead of R1/R27). A partial birthDate widens
    the span."""
    birth = patient.birth_date if patient is not None else None
    if birth is None or not 0 <= years <= _MAX_AGE_YEARS or unit not in _UNIT_DAYS:  # also refuses NaN
        return None
    value = round(years * 365.25 / _UNIT_DAYS[unit], 6)  # back to the unit it was written in
    first = moved_by(birth.value, value, unit)
    return first, max(first, shift(moved_by(last_day(birth), value + 1, unit), -1))


def moved_by(day: date, value: float, unit: str) -> date:
    """``day`` plus ``value`` (negative: less) units of UCUM ``a``, ``mo``, ``wk`` or ``d``: whole years and
    months by the calendar, the rest in days (an onset age; a stated symptom duration, ``facts_duration``).
    An int is a float to the type checker but has no ``is_integer`` before Python 3.12: made a float first."""
    value = float(value)
    if value.is_integer() and unit == "a":
        return add_years(day, int(value))
    if value.is_integer() and unit == "mo":
        return add_months(day, int(value))
    return shift(day, round(value * _UNIT_DAYS[unit]))


def condition_first_date(condition: ConditionView, patient: PatientView | None, order_date: date
                         ) -> FhirDate | None:
    """When the Condition began as far as the record says: its onset (a partial onset keeps its
    precision), else — no onset, or one the record contradicts (``onset_range``) — its recordedDate."""
    found = onset_range(condition, patient, order_date)
    if found is None:
        return condition.recorded
    return condition.onset or iso_onset_string(condition.onset_string) or FhirDate(found[0])


def condition_resolved(condition: ConditionView) -> bool:
    """clinicalStatus inactive/resolved/remission, or an abatement recorded."""
    return condition.abated or condition.clinical_status in INACTIVE_CLINICAL


def order_reasons(ctx: Context) -> tuple[Coding, ...]:
    """PATHWAY.md §2 v2: the order's reasonCode codings, then the codings of every chart Condition its
    reasonReference names (``Condition/123`` or an absolute URL ending in it; refuted ones excluded)."""
    if ctx.order is None:
        return ()
    wanted = set(reason_condition_ids(ctx.order.reason_references))
    named = (c for c in ctx.chart.conditions if c.id in wanted and not condition_void(c))
    return (*ctx.order.reason_codings, *(coding for c in named for coding in c.codings))


def reason_condition_ids(references: tuple[str, ...]) -> tuple[str, ...]:
    """The Condition ids literal references name: ``Condition/123``, absolute, or ``…/_history/2``."""
    tails = (ref.rsplit("Condition/", 1)[1] for ref in references if "Condition/" in ref)
    return tuple(found for found in (tail.split("/", 1)[0].strip() for tail in tails) if found)


def reasons_unread(ctx: Context) -> bool:
    """PATHWAY.md §2: the order's reasonReference counts. A Condition it names that the chart does not hold
    (an encounter diagnosis a problem-list search did not return) is a reason we could not read: it may be
    a cauda equina, so "no red flags" is not known."""
    if ctx.order is None or not ctx.order.reason_references:
        return False
    held = {c.id for c in ctx.chart.conditions}
    return any(cid not in held for cid in reason_condition_ids(ctx.order.reason_references))


# --- observations --------------------------------------------------------------------------------------


_OBSERVATIONS_BY_ID = ("#observations_by_id",)  # a memo key no concept list can be


def members_deny(ctx: Context, panel: ObservationView) -> bool:
    """A panel with no value of its own whose ``hasMember`` Observations the chart holds, each answered and
    none asserting: a screen that found nothing (as ``_items_deny`` for its components). A member the
    chart does not hold leaves the panel's own code counting (the safe side)."""
    if not panel.members or answered(panel):
        return False
    held = ctx.memo.get(_OBSERVATIONS_BY_ID)
    if held is None:
        held = ctx.memo[_OBSERVATIONS_BY_ID] = _first_by_id(ctx.chart.observations)
    by_id = cast(dict[str, ObservationView], held)
    members = [by_id.get(ref.rsplit("Observation/", 1)[-1].split("/", 1)[0]) for ref in panel.members]
    return all(m is not None and answered(m) and not observation_asserted(m) for m in members)


def _first_by_id(observations: tuple[ObservationView, ...]) -> dict[str, ObservationView]:
    """Each Observation by id: the resource itself, not its components listed after it with its id."""
    found: dict[str, ObservationView] = {}
    for o in observations:
        found.setdefault(o.id, o)
    return found



def asserted_observations(
    ctx: Context, concepts: tuple[str, ...]
) -> Iterator[tuple[ObservationView, tuple[Coding, ...], tuple[tuple[int, Coding], ...]]]:
    """PATHWAY.md §2 v2 "where a finding is read", for Observations: those whose code or value matched one
    of ``concepts`` (``matched_members``: matched first, as most match none), assert it, and are not dated
    after the order — with the codings read and the hits."""
    for o in ctx.chart.observations:
        codings = (*o.codings, *o.value_codings)
        hits = matched_members(ctx.vs, concepts, codings)
        if hits and observation_asserted(o) and possibly_by(o.effective, ctx.order_date) \
                and not members_deny(ctx, o):
            yield o, codings, hits


OBSERVED_CONCEPTS = ConceptUnion()


def coded_observations(ctx: Context, concept: str) -> tuple[tuple[ObservationView, Coding], ...]:
    """Each Observation with a code in ``concept`` and that coding (``member``), in chart order. A
    temperature, a marker, a staging, a T-score, a culture: half a dozen readers each walked every
    Observation; the chart's Observations are now matched once per call for all of them (kept on the
    call's ``Context``)."""
    union = OBSERVED_CONCEPTS.widened((concept,))
    key = ("coded_observations", *union)
    index = ctx.memo.get(key)
    if index is None:
        index = ctx.memo[key] = _observations_by_concept(ctx, union)
    return cast(dict[str, tuple[tuple[ObservationView, Coding], ...]], index).get(concept, ())


def coded_then_named(ctx: Context, concept: str, named: Iterable[ObservationView]
                     ) -> Iterator[tuple[ObservationView, Coding | None]]:
    """The rows coded ``concept`` (``coded_observations``), then the ``named`` rows a clinic labels that test
    in words only (a "Temp" or "Sed Rate (ESR)" row under a local code), each once: one coded and named
    too is read by its code."""
    coded = coded_observations(ctx, concept)
    yield from coded
    held = {id(o) for o, _ in coded}
    yield from ((o, None) for o in named if id(o) not in held)


def _observations_by_concept(
    ctx: Context, union: tuple[str, ...]
) -> dict[str, tuple[tuple[ObservationView, Coding], ...]]:
    found: dict[str, list[tuple[ObservationView, Coding]]] = {}
    for o in ctx.chart.observations:
        for index, coding in matched_members(ctx.vs, union, o.codings):
            found.setdefault(union[index], []).append((o, coding))
    return {concept: tuple(hits) for concept, hits in found.items()}


# --- medications ---------------------------------------------------------------------------------------


def medication_coding(vs: ValueSets, medication: MedicationView) -> Coding | None:
    """A conservative-care ingredient (PATHWAY.md §6.6) by code, else by name in the text or a display.

    Products (RxNorm SCD/SBD such as "Naproxen 500 MG Oral Tablet") are not ingredient codes, so the text
    match is what finds most real MedicationRequests. Memoised like ``first_members``: each medication is
    asked about by conservative care and twice by the steroid red flag, and the text match is a regex.
    """
    codings = medication.codings if isinstance(medication.codings, tuple) else tuple(medication.codings)
    memo = _medication_coding if memoisable(codings, medication.text) else _medication_coding.__wrapped__
    return memo(vs, codings, medication.text)


@lru_cache(maxsize=4096)
def _medication_coding(vs: ValueSets, codings: tuple[Coding, ...], text: str | None) -> Coding | None:
    return by_code_or_name(vs, "conservative_medication", codings, (text,))


def by_code_or_name(
    vs: ValueSets, concept: str, codings: tuple[Coding, ...], texts: tuple[str | None, ...]
) -> Coding | None:
    """A member of ``concept`` (a value set with name matching) by code, else by a name in one of
    ``texts`` or in a coding's display: drugs and routes are as often named as coded."""
    coded = member(vs, concept, codings)  # memoised: every drug of the chart is read by several readers
    if coded is not None:
        return coded
    found = (vs.match_text(concept, name) for name in (*texts, *(c.display for c in codings)) if name)
    return next((hit for hit in found if hit is not None), None)


def given_locally(ctx: Context, medication: MedicationView) -> bool:
    """§3 counts *systemic* steroids (Z79.52) and immunosuppression: a methylprednisolone given by an
    epidural or intra-articular injection, a cream, a cyclosporine eye emulsion is none, whatever its recorded
    length (an injection listed as an active medication since 2025 raised R7). Read from the route's code,
    else its text, else the product name's dose form ("Topical Cream"). IV, IM and an injection of no
    stated route are systemic (the safe side)."""
    texts = (*medication.route_texts, medication.text)
    return by_code_or_name(ctx.vs, "local_route", medication.route_codings, texts) is not None


def medication_class(vs: ValueSets, coding: Coding) -> str | None:
    return vs.get("conservative_medication").attributes(coding).get("class")


# --- procedures ----------------------------------------------------------------------------------------

# A treating procedure not done, or recorded in error, shows nothing; a planned one does.
_NOT_TREATED = frozenset({"entered-in-error", "not-done"})


def treating_procedures(ctx: Context, concept: str, finding: Finding) -> Iterator[Evidence]:
    """A Procedure of ``concept`` that shows the disease it treats, whatever its age (a vertebroplasty its
    fracture, radiotherapy its cancer): done, in progress or undated by the order date, or booked
    (``preparation``) for any day — the disease it is booked to treat is there now, and the card gives no
    date for it. Named as the chart names the procedure."""
    for p in ctx.chart.procedures:
        coding = member(ctx.vs, concept, p.codings)
        if coding is None or p.status in _NOT_TREATED:
            continue  # the date is read only of a member: four concepts walk every procedure of the chart
        by_order = possibly_by(p.performed, ctx.order_date)
        if not (by_order or p.status == "preparation"):
            continue
        on = dated(p.performed) if by_order else None
        yield Evidence(finding, p.reference, on, coding, name=shown_name(coding.display or p.text))


# A drug recorded in error, or a statement that it is not taken, shows nothing; a cancelled order or a
# stopped drug still shows the disease it was for.
_NOT_TAKEN = frozenset({"entered-in-error", "not-taken"})


def treating_drugs(ctx: Context, concept: str, finding: Finding) -> Iterator[Evidence]:
    """A MedicationRequest or MedicationStatement of ``concept`` (by code, or by name in the product's text
    or a display) that shows the disease it treats, whatever its age or status (a cancer drug its cancer, a
    bisphosphonate the osteoporosis): begun by the order date or undated; an order not to give it
    (``doNotPerform``) is none. Named as the chart names the drug."""
    for m in ctx.chart.medications:
        if m.status in _NOT_TAKEN or m.do_not_perform or not possibly_by(m.start, ctx.order_date):
            continue
        coding = by_code_or_name(ctx.vs, concept, m.codings, (m.text,))
        if coding is not None:
            yield Evidence(finding, m.reference, dated(m.start), coding, name=drug_name(m, coding))


def drug_name(m: MedicationView, coding: Coding) -> str | None:
    """A drug as the chart names it: its text, else its first coding's display, else the member's."""
    return shown_name(m.text or next((c.display for c in m.codings if c.display), coding.display))


# --- evidence ------------------------------------------------------------------------------------------


def ordered(items: Iterable[Evidence]) -> tuple[Evidence, ...]:
    """De-duplicated and sorted by date, reference and values: bundle order must not matter."""
    return tuple(sorted(set(items), key=Evidence.sort_key))


def shown_name(text: str | None) -> str | None:
    """A chart's name for a finding as a card shows it: on one line, single-spaced; None when empty."""
    return " ".join((text or "").split()) or None


def dated(value: FhirDate | None) -> date | None:
    return value.value if value is not None else None

"""Conservative care, candidacy and pain score (PATHWAY.md §2, §6.5-§6.6); prior imaging and surgery are in
``facts_imaging``.

All of these *support* a conclusion (imaging now appropriate), so each counts only
when its date is certainly inside its window (``certainly_within``); an undated record does not count,
except a current (draft/active/on-hold) referral, whose status says it is live now. Candidacy alone also
counts what is booked for a later day — a planned epidural injection, a planned spine-specialist visit —
as PATHWAY.md §2 names a *planned* injection; conservative care never counts what has not happened.

v2 sources (PATHWAY.md §2, CODES.md recommendation 11): conservative care also from
MedicationStatement (active or completed only), from a finished or in-progress Encounter whose type or
serviceType is a therapy visit (never its reasonCode), and from a therapy referral only once it is
``care_referral_min_days`` old or a finished Encounter carried it out.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from app.chart.dates import FhirDate
from app.chart.model import EncounterView, ObservationView, ServiceRequestView
from app.chart.references import reference_key
from app.pathway.facts_answers import VOID_OBSERVATION
from app.pathway.facts_common import NOT_DONE_PROCEDURE, Context, dated, medication_coding, ordered
from app.pathway.facts_dates import certainly_within, possibly_by
from app.pathway.facts_match import first_members, member
from app.pathway.facts_measured import measured
from app.pathway.model import Evidence, Finding, State
from app.terminology import Coding, ValueSets
from app.terminology.service_text import service_from_text

CARE_PROCEDURES = ("physical_therapy", "chiropractic", "osteopathic_manipulation", "epidural_injection")
CARE_REFERRALS = ("physical_therapy", "chiropractic", "osteopathic_manipulation")
_CARE_REFERRAL_STATUS = frozenset({"active", "completed"})
_CARE_VISIT_STATUS = frozenset({"finished", "in-progress"})
_VOID_REQUEST = frozenset({"revoked", "entered-in-error"})
_LIVE_REQUEST = frozenset({"draft", "active", "on-hold"})
# A request only proposed or planned (R4 intent: a care plan's "refer to PT", a suggestion) asks nobody to
# act: no therapy was begun, whatever its status and age.
_NOT_ORDERED = frozenset({"proposal", "plan"})
# A visit to a spine specialist shows the referral was made: booked, under way or done (CODES.md §1e).
_CANDIDATE_VISIT_STATUS = frozenset({"planned", "arrived", "triaged", "in-progress", "onleave", "finished"})
# A Procedure planned ("preparation") still makes a candidate; one not done does not.
_VOID_CANDIDATE_PROCEDURE = frozenset({"entered-in-error", "not-done"})


def conservative_care(ctx: Context, since: date) -> tuple[Evidence, ...]:
    """PATHWAY.md §2: medications, procedures, therapy visits and PT/chiro/OMT referrals dated in
    [since, order date].
    ``since`` is the onset (or its lower bound); see ``facts.care_window_start``."""
    found = (_care_medications, _care_procedures, _care_visits, _care_referrals, _injections_done)
    return ordered(evidence for source in found for evidence in source(ctx, since))


def _care_medications(ctx: Context, since: date) -> Iterator[Evidence]:
    """NSAID, acetaminophen, muscle relaxant, gabapentinoid or oral steroid (§6.6), by code or by name.
    Started before onset does not count, even if still taken: the spec counts care dated on/after onset."""
    for m in ctx.chart.medications:
        coding = medication_coding(ctx.vs, m)
        if coding is None or not m.taken:
            continue
        if certainly_within(m.start, since, ctx.order_date):
            name = coding.display or m.text or _drug_name(ctx.vs, coding)
            yield Evidence(Finding.CONSERVATIVE_MEDICATION, m.reference, dated(m.start), coding, text=name)


def _drug_name(vs: ValueSets, coding: Coding) -> str:
    """§5: a card names the drug; an export's bare RxNorm code ("7258") takes the value set's display."""
    member = vs.get("conservative_medication").member(coding)
    return (member.coding.display if member else None) or coding.code


def _care_procedures(ctx: Context, since: date) -> Iterator[Evidence]:
    for p in ctx.chart.procedures:
        if p.status in NOT_DONE_PROCEDURE or not certainly_within(p.performed, since, ctx.order_date):
            continue
        for concept, coding in _named(ctx, CARE_PROCEDURES, p.codings, (p.text,)):
            yield Evidence(Finding(concept), p.reference, dated(p.performed), coding)


def _care_visits(ctx: Context, since: date) -> Iterator[Evidence]:
    """A finished or in-progress therapy visit (CODES.md §1e), by type or serviceType, dated by its start."""
    for visit in ctx.chart.encounters:
        if visit.status not in _CARE_VISIT_STATUS or not certainly_within(visit.start, since, ctx.order_date):
            continue
        found = _visit_care(ctx, visit)
        if found is not None:
            concept, coding = found
            yield Evidence(Finding(concept), visit.reference, dated(visit.start), coding, State.VISIT)


def _visit_care(ctx: Context, visit: EncounterView) -> tuple[str, Coding | None] | None:
    """By a therapy visit's code, else by its type's or serviceType's words — also uncoded ("Physical
    Therapy"), and read as a visit's: a department's "OP Rehab PT" is a PT visit."""
    codings = (*visit.type_codings, *visit.service_type_codings)
    coding = member(ctx.vs, "care_encounter", codings)
    if coding is not None:
        return str(ctx.vs.get("care_encounter").attributes(coding)["care"]), coding
    return next(_named(ctx, CARE_REFERRALS, codings, visit.type_texts, visit=True), None)


def _care_referrals(ctx: Context, since: date) -> Iterator[Evidence]:
    """A PT (chiropractic, OMT) ServiceRequest, active or completed, counts as care begun once a finished
    visit carried it out or it is ``care_referral_min_days`` old (CODES.md recommendation 11: a
    referral written yesterday is not six weeks of care); never one only proposed or planned (its intent).
    Its evidence says "no visit recorded" only when
    no session of that therapy is on record since it was written: most visits do not name their referral
    (``basedOn``), and the card lists the session beside it."""
    latest = ctx.days_before(ctx.policy.care_referral_min_days)
    sessions = [(e.finding, e.on) for source in (_care_procedures, _care_visits) for e in source(ctx, since)]
    for sr in ctx.chart.service_requests:
        when = sr.authored_on or sr.occurrence
        if when is None or sr.status not in _CARE_REFERRAL_STATUS or sr.do_not_perform:
            continue
        if sr.intent in _NOT_ORDERED or not certainly_within(when, since, ctx.order_date):
            continue
        found = list(_named(ctx, CARE_REFERRALS, _named_service(sr), (sr.text, *sr.service_texts)))
        linked = bool(found) and _carried_out(ctx, sr)
        if not linked and not _may_have_begun(ctx, sr, when, (since, latest)):
            continue
        for concept, coding in found:
            seen = linked or any(f == concept and on is not None and on >= when.value for f, on in sessions)
            state = State.REFERRAL_VISITED if seen else State.REFERRAL_NO_VISIT
            yield Evidence(Finding(concept), sr.reference, dated(when), coding, state)


def _may_have_begun(ctx: Context, sr: ServiceRequestView, when: FhirDate, window: tuple[date, date]) -> bool:
    """With no visit that carried it out, a referral counts once ``care_referral_min_days`` old (``window``)
    — and never while the start it asks for (``occurrence[x]``) is still to come: therapy booked to begin
    after the order has not begun, however long ago the referral was written."""
    starts_later = sr.occurrence is not None and not possibly_by(sr.occurrence, ctx.order_date)
    return not starts_later and certainly_within(when, *window)


def _injections_done(ctx: Context, since: date) -> Iterator[Evidence]:
    """An epidural injection order marked ``completed`` was performed (R4: "fully performed"): care, as its
    Procedure would be, when an outside pain clinic's injection left only the order in the chart. Dated by
    authoredOn (else occurrence): it was done after it was ordered and before the chart was read."""
    for sr in ctx.chart.service_requests:
        when = sr.authored_on or sr.occurrence
        if sr.status != "completed" or sr.do_not_perform or not certainly_within(when, since, ctx.order_date):
            continue
        for _, coding in _named(ctx, ("epidural_injection",), sr.codings, (sr.text,)):
            yield Evidence(Finding.EPIDURAL_INJECTION, sr.reference, dated(when), coding)


def _named_service(sr: ServiceRequestView) -> tuple[Coding, ...]:
    """Where a referral names its service: its code, its performerType, or its category — an export may
    code the referral generically ("patient referral") and say "physiotherapy" or "neurosurgery" there,
    coded or only in words (``service_texts``)."""
    return (*sr.codings, *sr.performer_type_codings, *sr.category_codings)


def _carried_out(ctx: Context, sr: ServiceRequestView) -> bool:
    """A finished Encounter whose basedOn names this ServiceRequest (relative or absolute reference)."""
    if sr.reference is None:
        return False
    own = reference_key(sr.reference)
    finished = (visit for visit in ctx.chart.encounters if visit.status == "finished")
    return any(reference_key(ref) == own for visit in finished for ref in visit.based_on)


def _concepts(
    ctx: Context, concepts: tuple[str, ...], codings: tuple[Coding, ...]
) -> Iterator[tuple[str, Coding]]:
    for concept, coding in zip(concepts, first_members(ctx.vs, concepts, codings), strict=True):
        if coding is not None:
            yield concept, coding


def _named(
    ctx: Context, concepts: tuple[str, ...], codings: tuple[Coding, ...], texts: tuple[str | None, ...] = (),
    *, visit: bool = False,
) -> Iterator[tuple[str, Coding | None]]:
    """The concepts the codings are members of; with none, the one the record's name says — its texts, or a
    local coding's display ("AMB REFERRAL TO PHYSICAL THERAPY" under an Epic procedure code:
    ``service_from_text``), shown by that local coding."""
    coded = list(_concepts(ctx, concepts, codings))
    if coded:
        yield from coded
        return
    names = (name for name in (*texts, *(c.display for c in codings)) if name)
    found = service_from_text(names, concepts, visit=visit)
    if found is not None:
        yield found, (codings[0] if codings else None)


# --- candidate -------------------------------------------------------------------------------------------


def candidate(ctx: Context, since: date) -> tuple[Evidence, ...]:
    """PATHWAY.md §2 candidate: a spine-specialty referral, or a planned/done epidural injection, in the
    current episode ([since, order date]). The clinician's ``candidate`` attestation is not a fact here."""
    from_requests = (e for sr in ctx.chart.service_requests for e in _candidate_request(ctx, sr, since))
    return ordered((*from_requests, *_candidate_procedures(ctx, since), *_candidate_visits(ctx, since)))


def _candidate_request(ctx: Context, sr: ServiceRequestView, since: date) -> Iterator[Evidence]:
    if sr.status in _VOID_REQUEST or sr.do_not_perform or not _in_episode(ctx, sr, since):
        return
    when = dated(sr.authored_on or sr.occurrence)
    for _, specialty in _named(ctx, ("spine_specialty",), _named_service(sr), (sr.text, *sr.service_texts)):
        yield Evidence(Finding.SPINE_SPECIALTY, sr.reference, when, specialty)
    for _, injection in _named(ctx, ("epidural_injection",), sr.codings, (sr.text,)):
        yield Evidence(Finding.EPIDURAL_INJECTION, sr.reference, when, injection, State.PLANNED)


def _in_episode(ctx: Context, sr: ServiceRequestView, since: date) -> bool:
    """Dated by authoredOn (the occurrence of a planned injection is in the future by nature). Without one,
    a request counts while its status says it is live, or when its occurrence lies in the episode: a
    referral carried out on that day (an export may leave authoredOn out)."""
    if sr.authored_on is None:
        return sr.status in _LIVE_REQUEST or certainly_within(sr.occurrence, since, ctx.order_date)
    return certainly_within(sr.authored_on, since, ctx.order_date)


def _candidate_visits(ctx: Context, since: date) -> Iterator[Evidence]:
    """CODES.md §1e: a visit whose type or serviceType is neurosurgery, orthopaedic surgery or pain
    medicine "shows candidacy, not care" — the referral was made and the patient seen. Dated by its start
    in the episode; a booked (planned) one on or after the episode's start, as a planned injection."""
    for visit in ctx.chart.encounters:
        if visit.status not in _CANDIDATE_VISIT_STATUS or visit.start is None:
            continue
        booked = visit.status == "planned" and visit.start.value >= since
        if not booked and not certainly_within(visit.start, since, ctx.order_date):
            continue
        codings = (*visit.type_codings, *visit.service_type_codings)
        for _, coding in _named(ctx, ("spine_specialty",), codings, visit.type_texts, visit=True):
            yield Evidence(Finding.SPINE_SPECIALTY, visit.reference, dated(visit.start), coding, State.VISIT)


def _candidate_procedures(ctx: Context, since: date) -> Iterator[Evidence]:
    """An epidural injection done in the episode, or planned (``preparation``): unscheduled, or scheduled
    on or after the episode's start — after the order, by nature, once it is booked."""
    for p in ctx.chart.procedures:
        if p.status in _VOID_CANDIDATE_PROCEDURE:
            continue
        planned = p.status == "preparation" and (p.performed is None or p.performed.value >= since)
        if planned or certainly_within(p.performed, since, ctx.order_date):
            for _, coding in _named(ctx, ("epidural_injection",), p.codings, (p.text,)):
                yield Evidence(Finding.EPIDURAL_INJECTION, p.reference, dated(p.performed), coding)


# --- pain score -------------------------------------------------------------------------------------------


def pain_score(ctx: Context, since: date) -> float | None:
    """R24 hook: the latest 0-10 pain score (LOINC 72514-3) in [since, order date]; same-day ties take the
    highest. Values outside 0-10 are not pain scores. A flowsheet may send the score as text ("9", "9/10":
    ``measured``); a bound ("<3") is no score."""
    scores = [
        (o.effective.value, score)
        for o in ctx.chart.observations
        if o.effective is not None and (score := _score(o)) is not None
        and o.status not in VOID_OBSERVATION and member(ctx.vs, "pain_score", o.codings) is not None
        and certainly_within(o.effective, since, ctx.order_date)
    ]
    return max(scores)[1] if scores else None


def _score(observation: ObservationView) -> float | None:
    found = measured(observation)
    if found is None or found.comparator or not 0 <= found.value <= 10:
        return None
    return found.value

"""Conservative care, candidacy, prior imaging, prior surgery and pain score (PATHWAY.md §2, §6.4-§6.6).

All of these *support* a conclusion (imaging now appropriate, or not to be repeated), so each counts only
when its date is certainly inside its window (``certainly_within``); an undated record does not count,
except a current (draft/active/on-hold) referral, whose status says it is live now.

v2 sources (PATHWAY.md §2, CODES.md recommendation 10, 11, 13): conservative care also from
MedicationStatement (active or completed only), from a finished or in-progress Encounter whose type or
serviceType is a therapy visit (never its reasonCode), and from a therapy referral only once it is
``care_referral_min_days`` old or a finished Encounter carried it out; prior MRI also from a final
DiagnosticReport, the same examination counted once; prior surgery only in the order's region.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from app.chart.model import EncounterView, ImagingView, ProcedureView, ServiceRequestView
from app.pathway.facts_common import (
    NOT_DONE_PROCEDURE,
    VOID_OBSERVATION,
    Context,
    certainly_within,
    condition_first_date,
    condition_void,
    dated,
    first_members,
    medication_coding,
    member,
    ordered,
    possibly_by,
    shift,
)
from app.pathway.model import Evidence, Finding, Modality, Region, State
from app.terminology import Coding, ValueSets

CARE_PROCEDURES = ("physical_therapy", "chiropractic", "osteopathic_manipulation", "epidural_injection")
CARE_REFERRALS = ("physical_therapy", "chiropractic", "osteopathic_manipulation")
_CARE_REFERRAL_STATUS = frozenset({"active", "completed"})
_CARE_VISIT_STATUS = frozenset({"finished", "in-progress"})
# Only a released report says an examination was done and read
# (CODES.md recommendation 10: not "preliminary").
_FINAL_REPORT = frozenset({"final", "amended", "corrected"})
_VOID_REQUEST = frozenset({"revoked", "entered-in-error"})
_LIVE_REQUEST = frozenset({"draft", "active", "on-hold"})
# A visit to a spine specialist shows the referral was made: booked, under way or done (CODES.md §1e).
_CANDIDATE_VISIT_STATUS = frozenset({"planned", "arrived", "triaged", "in-progress", "onleave", "finished"})
# A Procedure planned ("preparation") still makes a candidate; one not done does not.
_VOID_CANDIDATE_PROCEDURE = frozenset({"entered-in-error", "not-done"})
_VOID_IMAGING = frozenset({"cancelled", "entered-in-error"})


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
        for concept, coding in _concepts(ctx, CARE_PROCEDURES, p.codings):
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


def _visit_care(ctx: Context, visit: EncounterView) -> tuple[str, Coding] | None:
    codings = (*visit.type_codings, *visit.service_type_codings)
    coding = member(ctx.vs, "care_encounter", codings)
    if coding is not None:
        return str(ctx.vs.get("care_encounter").attributes(coding)["care"]), coding
    return next(_concepts(ctx, CARE_REFERRALS, codings), None)


def _care_referrals(ctx: Context, since: date) -> Iterator[Evidence]:
    """A PT (chiropractic, OMT) ServiceRequest, active or completed, counts as care begun once a finished
    visit carried it out or it is ``care_referral_min_days`` old (CODES.md recommendation 11: a
    referral written yesterday is not six weeks of care). Its evidence says "no visit recorded" only when
    no session of that therapy is on record since it was written: most visits do not name their referral
    (``basedOn``), and the card lists the session beside it."""
    latest = ctx.days_before(ctx.policy.care_referral_min_days)
    sessions = [(e.finding, e.on) for source in (_care_procedures, _care_visits) for e in source(ctx, since)]
    for sr in ctx.chart.service_requests:
        when = sr.authored_on or sr.occurrence
        if when is None or sr.status not in _CARE_REFERRAL_STATUS or sr.do_not_perform:
            continue
        if not certainly_within(when, since, ctx.order_date):
            continue
        found = list(_concepts(ctx, CARE_REFERRALS, _named_service(sr)))
        linked = bool(found) and _carried_out(ctx, sr)
        if not linked and not certainly_within(when, since, latest):
            continue
        for concept, coding in found:
            seen = linked or any(f == concept and on is not None and on >= when.value for f, on in sessions)
            state = State.REFERRAL_VISITED if seen else State.REFERRAL_NO_VISIT
            yield Evidence(Finding(concept), sr.reference, dated(when), coding, state)


def _injections_done(ctx: Context, since: date) -> Iterator[Evidence]:
    """An epidural injection order marked ``completed`` was performed (R4: "fully performed"): care, as its
    Procedure would be, when an outside pain clinic's injection left only the order in the chart. Dated by
    authoredOn (else occurrence): it was done after it was ordered and before the chart was read."""
    for sr in ctx.chart.service_requests:
        when = sr.authored_on or sr.occurrence
        if sr.status != "completed" or sr.do_not_perform or not certainly_within(when, since, ctx.order_date):
            continue
        coding = member(ctx.vs, "epidural_injection", sr.codings)
        if coding is not None:
            yield Evidence(Finding.EPIDURAL_INJECTION, sr.reference, dated(when), coding)


def _named_service(sr: ServiceRequestView) -> tuple[Coding, ...]:
    """Where a referral names its service: its code, its performerType, or its category — an export may
    code the referral generically ("patient referral") and say "physiotherapy" or "neurosurgery" there."""
    return (*sr.codings, *sr.performer_type_codings, *sr.category_codings)


def _carried_out(ctx: Context, sr: ServiceRequestView) -> bool:
    """A finished Encounter whose basedOn names this ServiceRequest (relative or absolute reference)."""
    if sr.reference is None:
        return False
    own = sr.reference
    finished = (visit for visit in ctx.chart.encounters if visit.status == "finished")
    return any(ref == own or ref.endswith("/" + own) for visit in finished for ref in visit.based_on)


def _concepts(
    ctx: Context, concepts: tuple[str, ...], codings: tuple[Coding, ...]
) -> Iterator[tuple[str, Coding]]:
    for concept, coding in zip(concepts, first_members(ctx.vs, concepts, codings), strict=True):
        if coding is not None:
            yield concept, coding


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
    specialty = ctx.vs.match("spine_specialty", _named_service(sr))
    if specialty is not None:
        yield Evidence(Finding.SPINE_SPECIALTY, sr.reference, when, specialty)
    injection = ctx.vs.match("epidural_injection", sr.codings)
    if injection is not None:
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
        coding = member(ctx.vs, "spine_specialty", (*visit.type_codings, *visit.service_type_codings))
        if coding is not None:
            yield Evidence(Finding.SPINE_SPECIALTY, visit.reference, dated(visit.start), coding, State.VISIT)


def _candidate_procedures(ctx: Context, since: date) -> Iterator[Evidence]:
    """An epidural injection done in the episode, or planned (``preparation``): unscheduled, or scheduled
    on or after the episode's start — after the order, by nature, once it is booked."""
    for p in ctx.chart.procedures:
        coding = member(ctx.vs, "epidural_injection", p.codings)
        if coding is None or p.status in _VOID_CANDIDATE_PROCEDURE:
            continue
        planned = p.status == "preparation" and (p.performed is None or p.performed.value >= since)
        if planned or certainly_within(p.performed, since, ctx.order_date):
            yield Evidence(Finding.EPIDURAL_INJECTION, p.reference, dated(p.performed), coding)


# --- prior imaging and surgery ----------------------------------------------------------------------------


def prior_mri(ctx: Context, region: Region | None) -> tuple[Evidence, ...]:
    """PATHWAY.md §2/R12: an MRI of the same region within ``prior_imaging_lookback_days`` strictly before
    the order date, from an ImagingStudy or a released DiagnosticReport (final, amended, corrected; dated
    by effective[x]). Region and modality come from a classifiable code, else (an ImagingStudy) from DICOM
    modality ``MR`` with a series body site of the region; ``MR`` alone has no region, so it does not
    count (the ``outside-imaging`` override covers it).
    A whole-spine MRI counts for every region. A report tied to a counted study (same accession,
    basedOn order or imagingStudy) is the same examination and is not counted again."""
    if region is None:
        return ()
    start, end = ctx.days_before(ctx.policy.prior_imaging_lookback_days), shift(ctx.order_date, -1)
    imaging = ctx.chart.imaging
    studies = [(s, e) for s in imaging if s.resource_type == "ImagingStudy" and s.status not in _VOID_IMAGING
               and (e := _mri_of(ctx, s, region, start, end)) is not None]
    seen = {link for study, _ in studies for link in _links(study)}
    reports = [e for r in imaging if r.resource_type == "DiagnosticReport" and r.status in _FINAL_REPORT
               and seen.isdisjoint(_links(r)) and (e := _mri_of(ctx, r, region, start, end)) is not None]
    return ordered([*(e for _, e in studies), *reports])


def _mri_of(ctx: Context, study: ImagingView, region: Region, start: date, end: date) -> Evidence | None:
    if not certainly_within(study.started, start, end):
        return None
    code = ctx.vs.classify_imaging(study.codings)
    if code is None:
        return _mri_by_series(ctx, study, region)
    if code.modality != Modality.MRI.value:
        return None
    every_region = member(ctx.vs, "spine_imaging_every_region", (code.coding,)) is not None
    if code.region is None and not every_region:
        return _mri_by_series(ctx, study, region, coded_mri=True)
    if code.region != region.value and not every_region:
        return None
    return Evidence(Finding.SPINE_IMAGING, study.reference, dated(study.started), code.coding)


def _mri_by_series(
    ctx: Context, study: ImagingView, region: Region, coded_mri: bool = False
) -> Evidence | None:
    """An ImagingStudy without a classifiable procedure code, as PACS exports often are, or coded only
    "MRI of spine" (``coded_mri``): an MRI (the code, else DICOM modality MR) of the region when a series
    names a spine body site of that region (``spine_body_site``). MR alone, with no body site, still has
    no region and does not count."""
    if study.resource_type != "ImagingStudy" or not (coded_mri or "MR" in study.modalities):
        return None
    site = next((c for c in study.body_site_codings
                 if region.value in _regions(ctx, "spine_body_site", (c,))), None)
    return Evidence(Finding.SPINE_IMAGING, study.reference, dated(study.started), site) if site else None


def _links(study: ImagingView) -> frozenset[str]:
    """What ties a report to its study: the accession (any shared identifier), the order, the study."""
    return frozenset((*(f"id:{i}" for i in study.identifiers), *(f"order:{_tail(r)}" for r in study.based_on),
                      f"study:{study.reference}", *(f"study:{_tail(r)}" for r in study.studies)))


def _tail(reference: str) -> str:
    """``Type/id`` of a relative or absolute reference."""
    return "/".join(reference.rstrip("/").split("/")[-2:])


def prior_surgery(ctx: Context, region: Region | None = None) -> tuple[Evidence, ...]:
    """PATHWAY.md §2: Z98.1/M96.1 Conditions (any clinical status: a history stays a history) and spine
    surgery Procedures, not dated after the order. *(v2)* Only surgery of ``region`` counts (R11/R21: a
    cervical fusion does not make a new lumbar radiculopathy post-surgical); a Condition, or a Procedure
    whose body site and code name no region, counts for every region. ``region=None``: all surgery."""
    found = []
    for c in ctx.chart.conditions:
        coding = member(ctx.vs, "prior_spine_surgery", c.codings)
        first = condition_first_date(c, ctx.chart.patient)
        if coding is not None and not condition_void(c) and possibly_by(first, ctx.order_date):
            found.append(Evidence(Finding.PRIOR_SPINE_SURGERY, c.reference, dated(first), coding))
    for p, coding in _surgeries(ctx):
        if region is None or _surgery_in(ctx, p, region):
            found.append(Evidence(Finding.PRIOR_SPINE_SURGERY, p.reference, dated(p.performed), coding))
    return ordered(found)


def _surgery_in(ctx: Context, p: ProcedureView, region: Region) -> bool:
    """Procedure.bodySite first, then the region of its surgery codes (CODES.md recommendation 13);
    every region named counts (a construct crossing a junction); none named: region unknown, counts."""
    regions = _regions(ctx, "spine_body_site", p.body_site_codings) or _regions(
        ctx, "prior_spine_surgery", p.codings)
    return not regions or region.value in regions


def _regions(ctx: Context, concept: str, codings: tuple[Coding, ...]) -> frozenset[str]:
    value_set = ctx.vs.get(concept)
    found = (value_set.attributes(c).get("region") for c in codings if value_set.contains(c))
    return frozenset(r for r in found if r is not None)


def _surgeries(ctx: Context) -> Iterator[tuple[ProcedureView, Coding]]:
    for p in ctx.chart.procedures:
        coding = member(ctx.vs, "prior_spine_surgery", p.codings)
        done = p.status not in NOT_DONE_PROCEDURE
        if coding is not None and done and possibly_by(p.performed, ctx.order_date):
            yield p, coding


def surgery_since(ctx: Context, prior: tuple[Evidence, ...]) -> bool:
    """R12 "no surgery since": a spine surgery Procedure performed after the newest prior MRI. A Z98.1
    Condition's dates say when the status was recorded, not when the operation was, so it is not used."""
    newest = max((e.on for e in prior if e.on is not None), default=None)
    if newest is None:
        return False
    return any(certainly_within(p.performed, shift(newest, 1), ctx.order_date) for p, _ in _surgeries(ctx))


# --- pain score -------------------------------------------------------------------------------------------


def pain_score(ctx: Context, since: date) -> float | None:
    """R24 hook: the latest 0-10 pain score (LOINC 72514-3) in [since, order date]; same-day ties take the
    highest. Values outside 0-10 are not pain scores."""
    scores = [
        (o.effective.value, o.value)
        for o in ctx.chart.observations
        if o.effective is not None and o.value is not None and 0 <= o.value <= 10
        and o.status not in VOID_OBSERVATION and member(ctx.vs, "pain_score", o.codings) is not None
        and certainly_within(o.effective, since, ctx.order_date)
    ]
    return max(scores)[1] if scores else None

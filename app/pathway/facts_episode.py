"""Qualifying diagnoses, region, episode, onset and age (PATHWAY.md §1, §2, §6.1).

A diagnosis counts when it is not refuted/entered-in-error, not dated after the order, and active or abated
within ``episode_gap_days`` (180) of the order date. The episode is the most recent run of dated diagnoses
of the rated region with no gap longer than ``episode_gap_days``; its onset is the earliest start in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta

from app.chart.dates import FhirDate
from app.chart.model import ConditionView, PatientView
from app.immutable import immutable
from app.pathway.facts_common import (
    Context,
    asserted_observations,
    condition_current,
    condition_first_date,
    condition_void,
    onset_range,
    order_reasons,
)
from app.pathway.facts_dates import last_day, possibly_by, possibly_within, shift, whole_years
from app.pathway.facts_findings import stated_reasons
from app.pathway.facts_match import first_members
from app.pathway.facts_visits import VOID_VISIT, first_visit, first_visit_record
from app.pathway.model import Evidence, EvidenceKey, Finding, Region, State
from app.terminology import Coding

UNSPECIFIED = "spine_pain_unspecified"
# (concept, region, radicular): PATHWAY.md §6.1; back/neck pain are supporting diagnoses of the episode.
QUALIFYING: tuple[tuple[str, Region, bool], ...] = (
    ("radiculopathy_lumbar", Region.LUMBAR, True),
    ("radiculopathy_cervical", Region.CERVICAL, True),
    ("radiculopathy_thoracic", Region.THORACIC, True),
    ("back_pain", Region.LUMBAR, False),
    ("neck_pain", Region.CERVICAL, False),
    ("thoracic_pain", Region.THORACIC, False),
    # Radiculopathy or back pain whose region is not given (M54.10, M54.9): last, so that a coding naming a
    # region wins. It counts for scope only: it dates no episode, and its region (lumbar, the pathway's main
    # case) is taken only when no other diagnosis names one (``_region_key``).
    (UNSPECIFIED, Region.LUMBAR, False),
)
_QUALIFYING_CONCEPTS = tuple(concept for concept, _, _ in QUALIFYING)
# Only to break exact ties when choosing a region from diagnoses: lumbar is the pathway's main case.
_REGION_RANK = {Region.THORACIC: 0, Region.CERVICAL: 1, Region.LUMBAR: 2}


@immutable
class Diagnosis:
    """One qualifying diagnosis. ``start`` is its exact onset (``exact``), else the day by which the
    symptoms had certainly begun (a lower bound); ``last_seen`` is the latest day it was on record.
    ``earliest`` is the first day its written onset may mean (a partial date's first day, the first day of
    a year of life), ``date.min`` when an onset is written in a form not read ("since June", an onsetRange),
    ``None`` when no onset is written at all."""

    evidence: Evidence
    region: Region
    radicular: bool
    start: date | None
    exact: bool
    last_seen: date | None
    from_order: bool = False
    earliest: date | None = None
    specified: bool = True  # False: its code names no region (``UNSPECIFIED``)
    written: date | None = None  # its exact written onset, kept when a visit before it is its ``start``
    bound: Evidence | None = None  # that visit, which a card names
    first_episode: date | None = None  # a recurrence's exact written onset: its first episode's


@immutable
class Onset:
    """The episode's onset (``day``); when not ``verified``, ``written`` is an exact onset the chart wrote for
    the episode and ``doubt`` the record that says the symptoms may have begun before it (a card names
    both: "Onset recorded as …, but …")."""

    day: date | None
    verified: bool
    evidence: Evidence | None
    written: date | None = None
    doubt: Evidence | None = None
    vague: bool = False  # an onset is written for ``day``'s diagnosis, but not as a day ("2026-01", prose)


def qualifying_diagnoses(ctx: Context) -> tuple[Diagnosis, ...]:
    """PATHWAY.md §1/§6.1: qualifying Conditions, asserted Observations, reasons stated for a visit or
    another record, and the order's reasons."""
    from_chart = (dx for c in ctx.chart.conditions for dx in _from_condition(ctx, c))
    return (*from_chart, *_from_observations(ctx), *_from_visits(ctx), *_from_stated(ctx),
            *_from_reasons(ctx))


def _counts(ctx: Context, condition: ConditionView) -> bool:
    first = condition_first_date(condition, ctx.chart.patient, ctx.order_date)
    return (
        not condition_void(condition)
        and possibly_by(first, ctx.order_date)
        and (condition_current(condition, ctx.order_date, ctx.policy.episode_gap_days)
             or _recurred(condition, ctx.order_date) is not None)
    )


# A clinicalStatus saying the diagnosis came back after a remission (FHIR condition-clinical).
_RECURRED = frozenset({"recurrence", "relapse"})


def _recurred(condition: ConditionView, order_date: date) -> date | None:
    """A diagnosis that came back: the day after which its current episode began — its abatement when it
    is recorded as active again after it (a problem list that kept the old resolved date), else its written
    onset — or ``date.min`` when that day is not written. ``None`` when it did not recur. Its written onset
    is then the first episode's, not the current one's (docs/pathway-facts.md "Eleventh pass: onset")."""
    status = condition.clinical_status
    abated = condition.abatement is not None and last_day(condition.abatement) < order_date
    if status not in _RECURRED and not (status == "active" and abated):
        return None
    if abated and condition.abatement is not None:
        return last_day(condition.abatement)
    return last_day(condition.onset) if condition.onset is not None else date.min


def _match(ctx: Context, codings: Sequence[Coding]) -> Iterator[tuple[str, Region, bool, Coding]]:
    """The qualifying concepts ``codings`` name. ``UNSPECIFIED`` only when no other is named: its headers
    (M54.1) also head the regional codes (M54.16), which name their region."""
    matches = first_members(ctx.vs, _QUALIFYING_CONCEPTS, codings)
    regional = any(coding is not None for coding in matches[:-1])
    for (concept, region, radicular), coding in zip(QUALIFYING, matches, strict=True):
        if coding is not None and not (regional and concept == UNSPECIFIED):
            yield concept, region, radicular, coding


def _from_condition(ctx: Context, condition: ConditionView) -> Iterator[Diagnosis]:
    """One Condition is one diagnosis: its codings are translations, so the first concept (radiculopathy
    before back/neck pain) names it. Matched (memoised) before it is dated: most Conditions match none."""
    for concept, region, radicular, coding in _match(ctx, condition.codings):
        if not _counts(ctx, condition):
            return
        if concept == UNSPECIFIED:  # no region: scope only, never the episode's onset
            last_seen = _last_seen(condition, None, ctx.order_date)
            evidence = Evidence(Finding(concept), condition.reference, last_seen, coding)
            yield Diagnosis(evidence, region, radicular, None, False, last_seen, specified=False)
            return
        since = _recurred(condition, ctx.order_date)
        written = onset_range(condition, ctx.chart.patient, ctx.order_date)
        start, exact, visit = _start(ctx, condition, written) if since is None \
            else (*_restart(ctx, condition, since), None)
        last_seen = _last_seen(condition, start, ctx.order_date)
        evidence = Evidence(Finding(concept), condition.reference, start, coding)
        earliest = _earliest(condition, written) if since is None else shift(since, 1)
        exact_written = written[0] if written is not None and written[0] == written[1] else None
        bound = Evidence(Finding(concept), visit[0], start, coding, visit[1]) if visit else None
        yield Diagnosis(evidence, region, radicular, start, exact, last_seen, earliest=earliest,
                        written=exact_written if since is None else None, bound=bound,
                        first_episode=exact_written if since is not None else None)
        return


def _from_observations(ctx: Context) -> Iterator[Diagnosis]:
    """PATHWAY.md §2 v2 "where a finding is read": a qualifying finding recorded as an Observation (by code
    or value, never a negated one) within ``episode_gap_days`` counts for scope and region. When it was
    observed is not when the symptoms began, but the day by which they had: a lower bound, as a visit's
    reason (``_bound``) — one observed before a written onset makes that onset unverified (R27, never R1)."""
    earliest = ctx.days_before(ctx.policy.episode_gap_days)
    for o, _, hits in asserted_observations(ctx, _QUALIFYING_CONCEPTS):
        if o.effective is not None and last_day(o.effective) < earliest:
            continue
        index, coding = hits[0]  # the first concept names it, as for a Condition
        concept, region, radicular = QUALIFYING[index]
        seen = o.effective.value if o.effective is not None else None
        evidence = Evidence(Finding(concept), o.reference, seen, coding, State.OBSERVATION)
        yield _bound(ctx, evidence, region, radicular, o.effective, concept != UNSPECIFIED)


def _bound(ctx: Context, evidence: Evidence, region: Region, radicular: bool, on: FhirDate | None,
           specified: bool) -> Diagnosis:
    """A qualifying finding a record states on a day (an Observation, a referral's or a prescription's
    reason): the symptoms had begun by that day's end, so a dated one is a lower bound of the episode's
    start — unverified, never an onset a defer could stand on (PATHWAY.md §2, safety invariant 3). Undated,
    or naming no region, it dates nothing."""
    seen = min(last_day(on), ctx.order_date) if on is not None and specified else None
    return Diagnosis(evidence, region, radicular, seen, False, seen or evidence.on, specified=specified)


def _from_visits(ctx: Context) -> Iterator[Diagnosis]:
    """PATHWAY.md §1/§2: a visit whose ``reasonCode`` is a qualifying diagnosis (Epic's and athenahealth's
    "reason for visit", a Synthea encounter's reason) carries that diagnosis, as an encounter diagnosis does:
    it counts for scope and region when the visit took place within ``episode_gap_days``, and its start is
    only the day by which the symptoms had begun — a lower bound (§2 "the first encounter carrying the
    diagnosis"), never an onset a defer could stand on. A visit for sciatica before a sciatica's written
    onset shows the episode began earlier (R27, not R1)."""
    earliest = ctx.days_before(ctx.policy.episode_gap_days)
    for visit in ctx.chart.encounters:
        if visit.status in VOID_VISIT or visit.start is None or not visit.reason_codings:
            continue
        if not possibly_within(visit.start, earliest, ctx.order_date):
            continue
        for concept, region, radicular, coding in _match(ctx, visit.reason_codings):
            seen = min(last_day(visit.start), ctx.order_date)
            evidence = Evidence(Finding(concept), visit.reference, seen, coding, State.VISIT_REASON)
            specified = concept != UNSPECIFIED  # a region not given dates no episode
            yield Diagnosis(evidence, region, radicular, seen if specified else None, False, seen,
                            specified=specified)
            break


def _from_stated(ctx: Context) -> Iterator[Diagnosis]:
    """PATHWAY.md §1: a qualifying finding stated as the reason for another record — a referral, a
    prescription, a procedure (``stated_reasons``) — counts for scope and region like an Observation:
    within ``episode_gap_days``, never certainly after the order, and its day a lower bound of the onset
    (``_bound``): a PT referral for sciatica three months ago shows a sciatica "begun 19 days ago" is older.
    A visit's reason is ``_from_visits``'s."""
    earliest = ctx.days_before(ctx.policy.episode_gap_days)
    for codings, reference, on in stated_reasons(ctx):
        if reference is not None and reference.startswith("Encounter/"):
            continue
        if not possibly_within(on, earliest, ctx.order_date):
            continue
        for concept, region, radicular, coding in _match(ctx, codings):
            day = on.value if on is not None else None
            evidence = Evidence(Finding(concept), reference, day, coding, State.RECORD_REASON)
            yield _bound(ctx, evidence, region, radicular, on, concept != UNSPECIFIED)
            break


def _from_reasons(ctx: Context) -> Iterator[Diagnosis]:
    """A reasonCode (or a Condition its reasonReference names) dates nothing: it counts for scope and
    region, never for the episode or onset."""
    if ctx.order is None:
        return
    for concept, region, radicular, coding in _match(ctx, order_reasons(ctx)):
        reference = ctx.order.reference
        evidence = Evidence(Finding(concept), reference, ctx.order_date, coding, State.ORDER_REASON)
        yield Diagnosis(evidence, region, radicular, None, False, ctx.order_date, from_order=True,
                        specified=concept != UNSPECIFIED)


def _start(ctx: Context, condition: ConditionView, found: tuple[date, date] | None
           ) -> tuple[date | None, bool, tuple[str | None, State] | None]:
    """Exact onset, else the earliest day the symptoms had *certainly* begun: the end of a partial onset,
    the recordedDate, the assertedDate (US Core's date of diagnosis) or the first visit that carried the
    diagnosis, whichever is earliest, and never after the order (PATHWAY.md §2 lower bound; an exact onset
    written in another zone on the order's evening is the order's day, not a negative duration). An exact
    onset after the first visit that carried the diagnosis is not the episode's start: the visit shows the
    symptoms had begun by its day (docs/pathway-facts.md "Eleventh pass: onset"). ``found``: the days the
    written onset may mean (``onset_range``). So is an exact onset after the day the Condition was recorded
    or asserted: the problem list had it by then; its onset was rewritten (a flare, an edit). The third
    value: the record before an exact onset that is the start instead, and how (a card names it)."""
    carried = first_visit_record(ctx, condition)
    visit = carried[0] if carried is not None else None
    written = (condition.recorded, condition.asserted, visit)
    if found is not None and found[0] == found[1]:  # a moment written in UTC may carry the next day's date
        gap = ctx.policy.episode_gap_days
        recorded = (condition.reference, State.RECORDED_EARLIER)
        whys = (recorded, recorded, (carried[1], State.VISIT_CARRIED) if carried is not None else None)
        before = [(last_day(day), why) for day, why in zip(written, whys, strict=True)
                  if day is not None and _before(last_day(day), found[0], gap)]
        if not before:
            return min(found[0], ctx.order_date), True, None
        day, why = min(before, key=lambda found_before: found_before[0])
        return min(day, ctx.order_date), False, why  # on record before its onset
    bounds = [found[1]] if found is not None else []
    bounds.extend(last_day(day) for day in written if day is not None)
    return (min(*bounds, ctx.order_date), False, None) if bounds else (None, False, None)


def _before(day: date, onset: date, gap_days: int) -> bool:
    """``day`` is before ``onset`` within the episode gap: a visit (or a recordedDate) more than
    ``episode_gap_days`` before an exact onset was an earlier episode of a diagnosis the problem list
    re-used, not this one."""
    return shift(onset, -gap_days) <= day < onset


def _restart(ctx: Context, condition: ConditionView, since: date) -> tuple[date, bool]:
    """The start of a recurrence (``_recurred``): it began some day after ``since``, a day no field
    writes. Its lower bound is the earliest record of it after ``since`` (recordedDate, assertedDate, a
    visit), else the order's day — never the first episode's onset or record, which would make a ten-day
    recurrence of a 2019 sciatica "2,600 days" (R3a) when its duration is unknown (R27)."""
    written = (condition.recorded, condition.asserted, first_visit(ctx, condition))
    after = [last_day(day) for day in written if day is not None and day.value > since]
    return min([*after, ctx.order_date]), False


def _earliest(condition: ConditionView, found: tuple[date, date] | None) -> date | None:
    """The first day the written onset may mean; ``date.min`` when one is written but cannot be dated
    (prose in onsetString, an age without a birth date, an onsetRange, an onsetPeriod with only an end,
    a date the record contradicts): that onset may lie before any other in the episode. ``None`` when no
    onset is written."""
    if found is not None:
        return found[0]
    written = condition.onset is not None or condition.onset_unread or condition.onset_string is not None \
        or condition.onset_age_years is not None
    return date.min if written else None


def _last_seen(condition: ConditionView, start: date | None, order_date: date) -> date | None:
    written = (condition.recorded, condition.abatement)
    days = [d for d in (start, *(w.value for w in written if w is not None)) if d is not None]
    return min(max(days), order_date) if days else None


def current_episode(diagnoses: Iterable[Diagnosis], gap_days: int) -> tuple[Diagnosis, ...]:
    """The most recent run of dated diagnoses with no gap > ``gap_days`` (PATHWAY.md §2 episode).

    The gap is measured from the latest day any earlier diagnosis of the run was on record (onset,
    recordedDate, abatement) to the next one's start. Being "active" does not stretch a diagnosis to the
    order date: an old problem-list entry never resolved would otherwise swallow every new episode.
    """
    runs: list[list[Diagnosis]] = []
    end = date.min
    for dx in sorted((d for d in diagnoses if d.start is not None), key=_start_key):
        if not runs or (dx.start or end) - end > timedelta(days=gap_days):
            runs.append([])
        runs[-1].append(dx)
        end = max(end, dx.last_seen or end)
    return tuple(runs[-1]) if runs else ()


def _start_key(dx: Diagnosis) -> tuple[date, bool, EvidenceKey]:
    return dx.start or date.min, not dx.exact, dx.evidence.sort_key()


def episode_onset(episode: Sequence[Diagnosis]) -> Onset:
    """Earliest start of the episode. Verified only when that start is an exact onset: a lower bound
    (recordedDate, partial date, whole-year onsetAge) that is earlier makes the onset unverified — and so
    does a written onset of another diagnosis of the episode that *may* be earlier (back pain "2026-01"
    beside a sciatica of 30 January may have begun on 1 January; "since June" may be any day): the exact
    day is then only the day by which the episode had begun (PATHWAY.md §2, safety invariant 3)."""
    if not episode:
        return Onset(None, False, None)
    first = min(episode, key=_start_key)
    day = first.start or date.min
    earlier = [dx for dx in episode if dx.earliest is not None and dx.earliest < day]
    if first.exact and not earlier:
        return Onset(first.start, True, first.evidence)
    written = min((dx.written or dx.start or day for dx in episode if dx.exact or dx.written), default=None)
    if written is None:  # a recurrence's onset written is its first episode's: a card says so
        return Onset(first.start, False, first.evidence, first.first_episode,
                     first.evidence if first.first_episode else None, vague=first.earliest is not None)
    doubt = (first.bound or first.evidence) if day < written else earlier[0].evidence if earlier else None
    return Onset(first.start, False, first.evidence, written, doubt)


def episode_of_region(diagnoses: Iterable[Diagnosis], region: Region | None) -> list[Diagnosis]:
    """Only the rated region's diagnoses date the episode: neck pain says nothing of sciatica's duration."""
    return [dx for dx in diagnoses if region is None or dx.region is region]


def diagnosis_region(diagnoses: Sequence[Diagnosis]) -> Region | None:
    """Region when the order does not name one (patient-view, generic "MRI of spine"): the order's
    reasonCode first, then radiculopathy over back/neck pain, then the most recently recorded."""
    if not diagnoses:
        return None
    return max(diagnoses, key=_region_key).region


def ordered_region(diagnoses: Sequence[Diagnosis]) -> Region | None:
    """Region of an order that names none (a whole-spine MRI, a generic "MRI of spine"): the diagnoses'
    (``diagnosis_region``) only when they name one region — or the order's reason names one. Diagnoses of
    two regions (a cervical radiculopathy of 100 days beside a lumbar one of 19) leave it unknown: no defer
    is built on one region's episode for a study of both (never defer on doubt); the order is unrated and a
    card asks for its region, while every red-flag rule still applies."""
    stated = {dx.region for dx in diagnoses if dx.from_order and dx.specified}
    named = stated or {dx.region for dx in diagnoses if dx.specified}
    return diagnosis_region(diagnoses) if len(named) <= 1 else None


def _region_key(dx: Diagnosis) -> tuple[bool, bool, bool, date, int]:
    """A diagnosis naming its region before one that does not (M54.9 names none, whatever its date)."""
    return dx.specified, dx.from_order, dx.radicular, dx.last_seen or date.min, _REGION_RANK[dx.region]


# The age from which PATHWAY.md §3's weak malignancy flag holds ("age over 50": 51 whole years).
OVER_50 = 51


def age_years(patient: PatientView | None, on: date, thresholds: tuple[int, ...] = ()) -> int | None:
    """Whole years from birthDate to the order date (PATHWAY.md §2). A partial birthDate gives the
    youngest age it allows (born on its last day) — unless its first day gives an age on the other side of
    one of ``thresholds`` (a birth year of 2008 may be 17 or 18 on the order date): then the age rules
    cannot be decided and the age is unknown, never guessed. A birthDate after the order date is unknown."""
    if patient is None or patient.birth_date is None:
        return None
    born = last_day(patient.birth_date)
    if born > on:
        return None
    youngest = whole_years(born, on)
    oldest = whole_years(patient.birth_date.value, on)
    if any((youngest >= limit) != (oldest >= limit) for limit in thresholds):
        return None
    return youngest

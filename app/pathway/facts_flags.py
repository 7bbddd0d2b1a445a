"""Red flags (PATHWAY.md §3) from Conditions, asserted Observations, the order's reasons and medications.

Safety leans one way here: a finding is dropped only when it is *certainly* dated after the order, refuted
or entered-in-error, negated (an Observation answered No/Absent/false), or clearly over (see ``Keep``). An
undated coded finding counts (PATHWAY.md §2 v2, invariant 6). Motor-strength grades are ``facts_motor``;
ESR/CRP and infection risk factors are ``facts_markers``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import date
from enum import Enum

from app.chart.dates import FhirDate
from app.chart.model import VOID_MEDICATION, ConditionView, MedicationView, ObservationView
from app.immutable import immutable
from app.pathway.facts_answers import VOID_OBSERVATION, interpreted
from app.pathway.facts_cancer import cancer_treatments
from app.pathway.facts_common import (
    Context,
    by_code_or_name,
    coded_then_named,
    condition_current,
    condition_resolved,
    dated,
    given_locally,
    medication_class,
    medication_coding,
    ordered,
    shown_name,
)
from app.pathway.facts_dates import last_day, possibly_within, shift
from app.pathway.facts_fever_words import names_a_temperature
from app.pathway.facts_findings import Statement, findings
from app.pathway.facts_fracture import fracture_risks
from app.pathway.facts_immune import drug_flags, transplant_flags
from app.pathway.facts_match import matched_members
from app.pathway.facts_measured import celsius, measured
from app.pathway.model import Evidence, Finding, RedFlag, State
from app.terminology import Coding


class Keep(Enum):
    """How long a coded finding keeps counting (PATHWAY.md §2 v2; docs/pathway-facts.md).

    For the serious kinds (SERIOUS, NEW, NEW_IN_EPISODE, FEVER) a resolved/inactive/remission Condition
    still counts when its abatement (else onset, else recordedDate) lies within
    ``redflag_resolved_window_days`` (fever: ``fever_window_days``) before the order, or when it has no
    date at all: recording less never makes the answer less safe (invariant 6).
    """

    SERIOUS = "serious"    # motor, myelopathy, infection: an active Condition counts whatever its date
    NEW = "new"            # CES signs: dated within episode_gap_days (or undated)
    NEW_IN_EPISODE = "new_in_episode"  # unspecified incontinence, chronic retention: on/after episode onset
    FEVER = "fever"        # fever_window_days (§2: "in the last 7 days")
    CURRENT = "current"    # weight loss: active, or ended within episode_gap_days
    HISTORY = "history"    # a history of cancer stays a history (§3 malignancy major); so do osteoporosis
    # and a vertebral fracture, healed or not (docs/pathway-facts.md ninth pass: fracture risk and trauma)


_RECENT_KEEPS = frozenset({Keep.SERIOUS, Keep.NEW, Keep.NEW_IN_EPISODE, Keep.FEVER})
_NEW_SIGNS = frozenset({Keep.NEW, Keep.NEW_IN_EPISODE})

Trigger = tuple[str, tuple[RedFlag, ...], Keep]

TRIGGERS: tuple[Trigger, ...] = (
    ("ces", (RedFlag.CES,), Keep.NEW),  # the syndrome itself is SERIOUS: ces.json attribute "keep"
    ("ces_if_new", (RedFlag.CES,), Keep.NEW_IN_EPISODE),
    ("motor_deficit", (RedFlag.MOTOR,), Keep.SERIOUS),
    ("myelopathy", (RedFlag.MYELOPATHY,), Keep.SERIOUS),
    ("abnormal_reflex", (RedFlag.MYELOPATHY,), Keep.SERIOUS),
    ("gait_disturbance", (RedFlag.MYELOPATHY,), Keep.SERIOUS),
    ("spinal_infection", (RedFlag.INFECTION,), Keep.SERIOUS),
    ("ivdu", (RedFlag.INFECTION,), Keep.SERIOUS),
    ("immunosuppression", (RedFlag.INFECTION,), Keep.SERIOUS),
    ("long_term_steroids", (RedFlag.INFECTION, RedFlag.FRACTURE_RISK), Keep.SERIOUS),
    ("fever", (RedFlag.INFECTION,), Keep.FEVER),
    ("cancer_active", (RedFlag.MALIGNANCY_MAJOR,), Keep.HISTORY),
    ("cancer_history", (RedFlag.MALIGNANCY_MAJOR,), Keep.HISTORY),
    ("neoplasm_uncertain", (RedFlag.MALIGNANCY_MAJOR,), Keep.HISTORY),  # D37-D49: the safe side
    ("weight_loss", (RedFlag.MALIGNANCY_WEAK,), Keep.CURRENT),
    ("osteoporosis", (RedFlag.FRACTURE_RISK,), Keep.HISTORY),  # chronic: docs/pathway-facts.md seventh pass
    ("vertebral_fracture", (RedFlag.FRACTURE_RISK,), Keep.HISTORY),  # the strongest risk of another
    # Trauma is an event, not a state: it counts while new. A high-energy one older than six weeks is no
    # longer out of scope (facts_trauma) but is still trauma (ACR LBP 2021 variant 6).
    ("low_velocity_trauma", (RedFlag.FRACTURE_RISK,), Keep.NEW),
    ("high_energy_trauma", (RedFlag.FRACTURE_RISK,), Keep.NEW),
)
# PATHWAY.md §3 v2 myelopathy: an abnormal reflex (R29.2) or a gait disturbance (R26) counts only with
# neck/arm symptoms or together with a second myelopathy sign (gait alone is common in older adults).
CONDITIONAL_SIGNS = frozenset({"abnormal_reflex", "gait_disturbance"})
_MYELOPATHY_SIGNS = frozenset({"myelopathy", *CONDITIONAL_SIGNS})
NECK_SYMPTOMS = "neck_symptoms"  # what a conditional sign needs besides a qualifying cervical diagnosis
@immutable
class Window:
    """The dates a finding is judged against: the order date's context and the episode's first day."""

    ctx: Context
    episode_start: date


def red_flags(
    ctx: Context, neck_symptoms: bool, age: int | None, episode_start: date | None = None
) -> Mapping[RedFlag, tuple[Evidence, ...]]:
    """PATHWAY.md §3: every class with at least one piece of evidence, in RedFlag order.
    ``episode_start`` (the episode onset) decides whether an unspecified incontinence is new."""
    window = Window(ctx, episode_start or ctx.days_before(ctx.policy.episode_gap_days))
    temperatures = tuple(_temperatures(ctx))
    signs = _one_fever(list(_coded(window, TRIGGERS)), measured_fever=bool(temperatures))
    neck = neck_symptoms or (_conditional(signs) and _neck_or_arm_symptoms(window))
    coded = _myelopathy_rule(signs, neck)
    found = [*coded, *temperatures, *_steroids(ctx), *drug_flags(ctx), *transplant_flags(ctx),
             *fracture_risks(ctx), *cancer_treatments(ctx), *_age_over_50(ctx, age)]
    by_flag = {flag: ordered(e for f, e in found if f is flag) for flag in RedFlag}
    return {flag: items for flag, items in by_flag.items() if items}


def coded_evidence(ctx: Context, concept: str, keep: Keep) -> tuple[Evidence, ...]:
    """Evidence of one concept read as a red flag is read (§2 "Where a finding is read")."""
    window = Window(ctx, ctx.days_before(ctx.policy.episode_gap_days))
    trigger: Trigger = (concept, (RedFlag.INFECTION,), keep)
    return ordered(e for _, e, _ in _coded(window, (trigger,)))


def _myelopathy_rule(
    found: list[tuple[RedFlag, Evidence, str]], neck_symptoms: bool
) -> Iterator[tuple[RedFlag, Evidence]]:
    """Drop reflex/gait evidence unless neck symptoms or two distinct myelopathy signs are present."""
    signs = {concept for _, _, concept in found if concept in _MYELOPATHY_SIGNS}
    enough = neck_symptoms or len(signs) >= 2
    return ((flag, e) for flag, e, concept in found if enough or concept not in CONDITIONAL_SIGNS)


_TYPED_FEVER = "fever_typed"  # a fever read from words (``facts_fever_words``), not from a fever code


def _one_fever(found: list[tuple[RedFlag, Evidence, str]], measured_fever: bool
               ) -> list[tuple[RedFlag, Evidence, str]]:
    """One fever per card (twelfth pass): a fever read only from words ("Back pain worse, fever and night
    sweats", the infection demo's visit) is left out when a measured temperature or a coded fever already
    shows it; alone, it is the fever, in the chart's words."""
    if not measured_fever and not any(concept == "fever" for _, _, concept in found):
        return found
    return [sign for sign in found if sign[2] != _TYPED_FEVER]


def _conditional(found: list[tuple[RedFlag, Evidence, str]]) -> bool:
    return any(concept in CONDITIONAL_SIGNS for _, _, concept in found)


def _neck_or_arm_symptoms(window: Window) -> bool:
    """§3's neck (reflex) or neck or arm (gait) symptoms beyond a qualifying cervical diagnosis: a cervical
    disc, spondylosis or stenosis code outside §6.1, arm pain, or the same in words ("neck pain" typed as a
    visit's reason; ``neck_symptoms.json``), wherever a finding is read, while current (``Keep.CURRENT``).
    Read only when a reflex or gait sign waits on it (docs/pathway-facts.md "Ninth pass: myelopathy")."""
    return any(_kept(window, finding, Keep.CURRENT) for finding, _ in findings(window.ctx, (NECK_SYMPTOMS,)))


def _coded(window: Window, triggers: tuple[Trigger, ...]) -> Iterator[tuple[RedFlag, Evidence, str]]:
    concepts = tuple(concept for concept, _, _ in triggers)
    for finding, hits in findings(window.ctx, concepts):
        for index, coding in hits:
            concept, flags, concept_keep = triggers[index]
            keep = _code_keep(window.ctx, concept, coding, concept_keep)
            if _kept(window, finding, keep):
                evidence = _evidence(concept, finding, keep, coding)
                typed = concept == "fever" and not matched_members(window.ctx.vs, (concept,), finding.codings)
                yield from ((flag, evidence, _TYPED_FEVER if typed else concept) for flag in flags)


def _code_keep(ctx: Context, concept: str, coding: Coding, keep: Keep) -> Keep:
    """A value set may say how long one of its codes keeps counting (attribute ``keep``): the cauda equina
    syndrome itself counts while active, as a foot drop does, whatever its onset (PATHWAY.md §3 names G83.4
    without "new"); its signs — retention, incontinence — only when new (ces.json)."""
    written = ctx.vs.get(concept).attributes(coding).get("keep")
    return Keep(written) if written is not None else keep


def _kept(window: Window, finding: Statement, keep: Keep) -> bool:
    """Is the finding still current at the order date? (``Keep``; the order's reasons always are.)"""
    ctx = window.ctx
    if finding.from_order or keep is Keep.HISTORY:
        return True
    # A sign is new by when it began: a Condition another record names began on its own first date.
    on = finding.began if finding.began is not None and keep in _NEW_SIGNS else finding.on
    if keep is Keep.NEW_IN_EPISODE and not _in_episode(window, on):
        return False
    condition = finding.condition
    if condition is not None and keep in _RECENT_KEEPS and condition_resolved(condition):
        if _abated_undated(condition):
            return True  # it ended, but when is not recorded: "date not recorded" (invariant 6)
        days = ctx.policy.fever_window_days if keep is Keep.FEVER else ctx.policy.redflag_resolved_window_days
        when = condition.abatement or finding.on
        return when is None or last_day(when) >= ctx.days_before(days)
    days = ctx.policy.fever_window_days if keep is Keep.FEVER else ctx.policy.episode_gap_days
    recent = on is None or last_day(on) >= ctx.days_before(days)
    if condition is not None and keep is Keep.CURRENT:
        return _current(ctx, finding, condition, days)
    return recent or (condition is not None and keep in (Keep.SERIOUS, Keep.FEVER))


def _current(ctx: Context, finding: Statement, condition: ConditionView, days: int) -> bool:
    """Keep.CURRENT: active, or ended within ``days``. §2 dates a resolved finding by its abatement, else
    by its onset, else its recordedDate; with none of them nothing shows it ended long ago, so it counts.
    A weight loss resolved last month with its abatement date left off still counts (as with the date:
    invariant 6's "less data never means a less safe answer")."""
    if condition.abatement is not None or not condition_resolved(condition):
        return condition_current(condition, ctx.order_date, days)
    return finding.on is None or last_day(finding.on) >= ctx.days_before(days)


def _abated_undated(condition: ConditionView) -> bool:
    """An abatement is recorded (``abatementBoolean``, ``abatementString``) but carries no date. §2 dates a
    resolved finding by its abatement and falls back to the onset only *without one*; this one has an
    abatement whose date is not recorded, and the onset cannot show it ended long ago (docs/pathway-facts.md
    "Resolved red flags")."""
    return condition.abated and condition.abatement is None


def _in_episode(window: Window, on: FhirDate | None) -> bool:
    """Unspecified incontinence is a CES sign only when new: undated, or begun on/after the episode onset."""
    return on is None or last_day(on) >= window.episode_start


def _evidence(concept: str, finding: Statement, keep: Keep, coding: Coding) -> Evidence:
    """The card names the finding as the chart does (its display: "cauda equina sign — Retention of
    urine"), says when a serious finding was resolved, or that its date was not recorded (§2 v2); a
    resolved active-cancer code is a history of cancer (§3)."""
    condition = finding.condition
    resolved = condition is not None and condition_resolved(condition)
    kind = Finding.CANCER_HISTORY if concept == "cancer_active" and resolved else Finding(concept)
    found = Evidence(kind, finding.reference, dated(finding.on), coding, name=shown_name(coding.display))
    if finding.from_order or keep not in _RECENT_KEEPS:
        return found
    if resolved and condition is not None and condition.abatement is not None:
        return replace(found, state=State.RESOLVED_ON, when=condition.abatement.value)
    if finding.on is None or (condition is not None and _abated_undated(condition)):
        return replace(found, state=State.DATE_NOT_RECORDED)
    return replace(found, state=State.RESOLVED) if resolved else found


# --- fever by measured temperature ------------------------------------------------------------------------


def _temperatures(ctx: Context) -> Iterator[tuple[RedFlag, Evidence]]:
    """§2: body temperature ≥ ``fever_threshold_celsius`` within ``fever_window_days`` before the order.
    A date that may lie in the window counts: an undated temperature ("date not recorded") or a partial
    date reaching into it — removing a date never makes the answer less safe (§2, invariant 6). One with no
    number that its interpretation flags high or abnormal is a fever too (the safe side; eleventh pass)."""
    start = ctx.days_before(ctx.policy.fever_window_days)
    for o, coding in _temperature_rows(ctx):
        degrees = _celsius(o)
        flagged = degrees is None and measured(o) is None and interpreted(o) is True
        if (degrees is None and not flagged) or o.status in VOID_OBSERVATION:
            continue
        recent = possibly_within(o.effective, start, ctx.order_date)
        if recent and (flagged or (degrees is not None and degrees >= ctx.policy.fever_threshold_celsius)):
            state = State.FLAGGED if flagged else State.FOUND if o.effective else State.DATE_NOT_RECORDED
            yield RedFlag.INFECTION, Evidence(Finding.TEMPERATURE, o.reference, dated(o.effective), coding,
                                              value=degrees, state=state)


def _temperature_rows(ctx: Context) -> Iterator[tuple[ObservationView, Coding | None]]:
    """The body temperatures (``body_temperature.json``), then the rows a clinic names one in words only —
    "Temp", "Tmax", "TEMPERATURE ORAL" under a local code (``facts_fever_words.names_a_temperature``;
    twelfth pass: a 38.9 in such a row was no fever)."""
    named = (o for o in ctx.chart.observations
             if (o.value is not None or o.value_string) and names_a_temperature(o.text, o.codings))
    return coded_then_named(ctx, "body_temperature", named)


def _celsius(observation: ObservationView) -> float | None:
    """°C of a temperature row (``measured``, ``celsius``); one written as an upper bound ("<38.5") is no
    measured fever."""
    found = measured(observation)
    if found is None or found.comparator.startswith("<"):
        return None
    return celsius(found.value, found.unit)


# --- long-term steroids ----------------------------------------------------------------------------------


def _steroids(ctx: Context) -> Iterator[tuple[RedFlag, Evidence]]:
    """§3: systemic steroids ≥ ``long_term_steroid_days`` (infection and fracture risk).

    Each oral-steroid MedicationRequest/Statement started by the order date covers [start, start + max(
    supply, period) - 1]; refills add up as the *union* of those days, so overlapping orders are not
    counted twice. A prescription whose length is unknown adds nothing.
    """
    courses = [(m, coding, span) for m, coding, span in _steroid_courses(ctx) if span[1] >= span[0]]
    found = [Evidence(Finding.LONG_TERM_STEROIDS, m.reference, None, coding, state=State.DATE_NOT_RECORDED)
             for m, coding in _undated_current_courses(ctx)]
    if _union_days(span for _, _, span in courses) >= ctx.policy.long_term_steroid_days:
        found += [Evidence(Finding.LONG_TERM_STEROIDS, m.reference, first, coding)
                  for m, coding, (first, _) in courses]
    yield from ((flag, evidence) for evidence in found for flag in (RedFlag.INFECTION, RedFlag.FRACTURE_RISK))


def _undated_current_courses(ctx: Context) -> Iterator[tuple[MedicationView, Coding]]:
    """An ``active`` systemic steroid with no date at all (no authoredOn, effective[x] or dateAsserted), as
    a reconciled home-medication list records "prednisone 5 mg daily": the same record dated since 2025 is
    a long-term course (``_course_days``), so the undated one must not be less (invariant 6); it counts
    unless a stated supply or period makes it shorter than ``long_term_steroid_days`` (docs/pathway-facts.md
    "Eleventh pass: fracture risk, trauma and age")."""
    for medication in ctx.chart.medications:
        if medication.start is not None or medication.status != "active" or medication.do_not_perform:
            continue
        supply = medication.supply_days
        if supply is not None and supply < ctx.policy.long_term_steroid_days:
            continue
        coding = _systemic_steroid(ctx, medication)
        if coding is not None:
            yield medication, coding


def _union_days(spans: Iterable[tuple[date, date]]) -> int:
    """Days covered by the union of inclusive [first, last] spans."""
    total, covered_to = 0, date.min
    for first, last in sorted(spans):
        start = max(first, shift(covered_to, 1)) if covered_to != date.min else first
        total += max(0, (last - start).days + 1)
        covered_to = max(covered_to, last)
    return total


def _steroid_courses(ctx: Context) -> Iterator[tuple[MedicationView, Coding, tuple[date, date]]]:
    """Each steroid course begun by the order date; an order not to give one (``doNotPerform``) is none."""
    for medication in ctx.chart.medications:
        start = medication.start
        void = medication.status in VOID_MEDICATION or medication.do_not_perform
        if void or start is None or start.value > ctx.order_date:
            continue
        coding = _systemic_steroid(ctx, medication)
        if coding is not None:
            days = _course_days(medication, ctx.order_date)
            yield medication, coding, (start.value, shift(start.value, days - 1))


def _systemic_steroid(ctx: Context, medication: MedicationView) -> Coding | None:
    """An oral steroid of §6.6 unless given locally (``given_locally``); or prednisolone, dexamethasone or
    hydrocortisone given by a systemic route (``systemic_steroid.json``: as often drops or a cream)."""
    coding = medication_coding(ctx.vs, medication)
    if coding is not None and medication_class(ctx.vs, coding) == "oral_steroid":
        return None if given_locally(ctx, medication) else coding
    other = by_code_or_name(ctx.vs, "systemic_steroid", medication.codings, (medication.text,))
    if other is None or given_locally(ctx, medication):
        return None
    systemic = by_code_or_name(ctx.vs, "systemic_route", medication.route_codings,
                               (*medication.route_texts, medication.text))
    return other if systemic is not None else None


def _course_days(medication: MedicationView, order_date: date) -> int:
    """Days of exposure: the longer of the dispensed supply and the written period (both ends counted). A
    course of unknown length that is still ``active`` (a current medication list's prednisone since 2024)
    runs to the order date: the record says it is being taken now; any other adds nothing."""
    supply = medication.supply_days if medication.supply_days is not None else 0.0
    period = 0
    if medication.start is not None and medication.end is not None:
        period = (last_day(medication.end) - medication.start.value).days + 1
    elif medication.start is not None and medication.status == "active" and medication.supply_days is None:
        period = (order_date - medication.start.value).days + 1
    return max(round(supply) if math.isfinite(supply) else 0, period)


# --- weak malignancy flag by age -------------------------------------------------------------------------


def _age_over_50(ctx: Context, age: int | None) -> Iterator[tuple[RedFlag, Evidence]]:
    """§3 malignancy (weak): age > 50 alone is a weak flag, never a major one (ACP 2011 overrides seeds)."""
    if age is not None and age > 50:
        patient = ctx.chart.patient
        reference = f"Patient/{patient.id}" if patient is not None else None
        yield RedFlag.MALIGNANCY_WEAK, Evidence(Finding.AGE, reference, ctx.order_date, value=age)

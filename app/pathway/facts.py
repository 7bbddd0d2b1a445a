"""Chart + order → Facts (PATHWAY.md §1-§3). PURE: no clock, no environment, no I/O.

``today`` is a parameter; the order date is ``ServiceRequest.authoredOn`` when it is an exact date, else
``today``. Everything after the order date is ignored. The choices made where PATHWAY.md is silent are
listed in docs/pathway-facts.md; the detailed rules live in the ``facts_*`` modules:

* ``facts_episode`` — qualifying diagnoses, region, episode, onset, age;
* ``facts_flags``   — red flags (§3);
* ``facts_care``    — conservative care, candidate, pain score;
* ``facts_imaging`` — prior MRI, prior surgery;
* ``facts_modality`` — a contraindication to MRI, OPLL (R13, R14);
* ``facts_trauma``  — recent high-energy trauma (§1 scope);
* ``facts_fracture`` — fracture risk by procedure, DXA T-score or drug; ``facts_fracture_words`` in words.
"""

from __future__ import annotations

from datetime import date

from app.chart.model import Chart, ChartCategory, ServiceRequestView
from app.pathway import facts_care as care
from app.pathway import facts_episode as episode
from app.pathway import facts_imaging as imaging
from app.pathway.facts_catheter import catheterisations
from app.pathway.facts_common import Context, ordered, reasons_unread
from app.pathway.facts_cord import cord_regions
from app.pathway.facts_duration import stated_onset
from app.pathway.facts_flags import red_flags
from app.pathway.facts_fracture_words import fracture_risk_in_words
from app.pathway.facts_markers import marker_flags
from app.pathway.facts_modality import modality_findings
from app.pathway.facts_motor import both_legs, motor_grades
from app.pathway.facts_trauma import recent_high_energy_trauma
from app.pathway.model import Evidence, Facts, OrderFacts, RedFlag, Region
from app.pathway.policy import Policy
from app.terminology import Coding, Contrast, ImagingCode, Modality, ValueSets
from app.terminology.imaging_text import contrast_from_text, imaging_from_text

__all__ = ["care_window_start", "classify_order", "extract_facts", "order_imaging"]



def classify_order(order: ServiceRequestView, today: date, vs: ValueSets) -> OrderFacts | None:
    """PATHWAY.md §1: ``None`` when the order is not spine imaging (§6.4, ``order_imaging``) — not ours, no
    card. An order without codings or words (the CDS Hooks sandbox's first, empty draft) is not ours either.
    A partial ``authoredOn`` (``2026-03``) is not an order date: ``today`` is used and flagged.
    """
    image = order_imaging(order, vs)
    if image is None:
        return None
    region, modality, contrast, coding = image
    authored = order.authored_on if order.authored_on is not None and order.authored_on.is_exact else None
    return OrderFacts(
        reference=order.reference,
        region=region,
        modality=modality,
        contrast=contrast,
        coding=coding,
        order_date=authored.value if authored is not None else today,
        order_date_from_order=authored is not None,
        reason_codings=order.reason_codings,
        reason_references=order.reason_references,
        reason_texts=(*order.reason_texts, *order.note_texts),  # its note's words are its reasons too
        region_disputed=len(_regions_named(order, vs)) > 1,
    )


def order_imaging(order: ServiceRequestView, vs: ValueSets
                  ) -> tuple[Region | None, Modality, Contrast | None, Coding | None] | None:
    """PATHWAY.md §1, §6.4: region, modality and contrast of a spine imaging order, and the coding that
    said so; None when the order is not spine imaging. The one reader of what an order is, for the hooks
    and the replay alike. By code first (``spine_imaging``); an order none of whose codings is a member (an
    Epic EAP code, an Oracle Health orderable, ``code.text`` only) is read from its name
    (``imaging_from_text``): a cauda equina patient's "MRI LUMBAR SPINE WO CONTRAST" must get its card.
    What the code does not say is taken from the order's other parts: the region from its ``bodySite``,
    else its name; the contrast from its name, else its ``orderDetail`` ("with contrast", R16/R17)."""
    named = imaging_from_text(name for name in (order.text, *(c.display for c in order.codings)) if name)
    coded = vs.classify_imaging(order.codings)
    coding: Coding | None = None
    if coded is not None:
        region, modality, contrast = _completed(coded, named)
        coding = coded.coding
    elif named is not None:
        (region, modality, contrast), coding = named, (order.codings[0] if order.codings else None)
    else:
        return None
    region = region or _body_site_region(vs, order.body_site_codings) or _said_region(coded, named)
    return region, modality, contrast or _detail_contrast(modality, order.detail_texts), coding


_Read = tuple[Region | None, Modality, Contrast | None]


def _completed(coded: ImagingCode, named: _Read | None) -> _Read:
    """The code's reading; its contrast, when the code does not say, from a name of the same modality."""
    said = named[2] if named is not None and named[1] is coded.modality else None
    return coded.region, coded.modality, coded.contrast or said


def _said_region(coded: ImagingCode | None, named: _Read | None) -> Region | None:
    """A generic code's region from the order's name ("MRI of spine" named "MRI LUMBAR SPINE"), after
    its bodySite; only when the name is of the code's modality."""
    same = named is not None and coded is not None and named[1] is coded.modality
    return named[0] if same and named is not None else None


def _body_site_region(vs: ValueSets, codings: tuple[Coding, ...]) -> Region | None:
    """PATHWAY.md §1 "the order code gives the region": an order coded only "MRI of spine" names it in its
    ``bodySite`` (a lumbar spine structure). One region only: two (a cervical and a lumbar site) leave it
    to the diagnoses, as a code naming no region does."""
    sites = vs.get("spine_body_site")
    regions = {sites.attributes(c).get("region") for c in codings if sites.contains(c)}
    found = regions.pop() if len(regions) == 1 else None
    return Region(found) if found is not None else None


def _regions_named(order: ServiceRequestView, vs: ValueSets) -> set[Region]:
    """Every region one part of the order names on its own: each member coding, the bodySite, each name
    (code.text, a coding's display). Two different ones (CPT lumbar, "MRI CERVICAL SPINE" as its name) are
    a dispute the card says; the code's region is still the one read (PATHWAY.md §1)."""
    coded = (vs.classify_imaging((coding,)) for coding in order.codings)
    named = (imaging_from_text((name,)) for name in (order.text, *(c.display for c in order.codings)) if name)
    regions = {code.region for code in coded if code is not None}
    regions |= {found[0] for found in named if found is not None}
    regions.add(_body_site_region(vs, order.body_site_codings))
    return {region for region in regions if region is not None}


def _detail_contrast(modality: Modality, details: tuple[str, ...]) -> Contrast | None:
    """IV contrast means something only for MRI and CT (spine_imaging.json leaves it null elsewhere)."""
    return contrast_from_text(details) if modality in (Modality.MRI, Modality.CT) else None


def extract_facts(
    chart: Chart, order: OrderFacts | None, today: date, policy: Policy, vs: ValueSets
) -> Facts:
    """PATHWAY.md §2 facts for one order (or, for patient-view, ``order=None`` and the date ``today``).

    Region: the order's; when the order names none (or for patient-view), the diagnoses' (see
    ``facts_episode.diagnosis_region``). Only diagnoses of that region date the episode. Longer than ten
    lines because it only wires the fact functions into the one Facts value.
    """
    ctx = Context(chart, order, order.order_date if order is not None else today, policy, vs)
    diagnoses = episode.qualifying_diagnoses(ctx)
    if order is None:
        region = episode.diagnosis_region(diagnoses)
    else:
        region = order.region or episode.ordered_region(diagnoses)
    in_region = episode.episode_of_region(diagnoses, region)
    current = episode.current_episode(in_region, policy.episode_gap_days)
    onset = stated_onset(ctx, episode.episode_onset(current), current)
    since = care_window_start(ctx, onset.day)
    age = episode.age_years(chart.patient, ctx.order_date, (policy.minimum_age_years, episode.OVER_50))
    prior = imaging.prior_mri(ctx, region)
    flags, raised, mild = _red_flags(ctx, _neck_symptoms(region, diagnoses), age, onset)
    modality = modality_findings(ctx, region)
    return Facts(
        order_date=ctx.order_date,
        region=region,
        age_years=age,
        qualifying=ordered(dx.evidence for dx in diagnoses),
        episode_diagnoses=ordered(dx.evidence for dx in current),
        onset=onset.day,
        onset_verified=onset.verified,
        onset_evidence=onset.evidence,
        onset_written=onset.written,
        onset_doubt=onset.doubt,
        onset_vague=onset.vague,
        duration_days=(ctx.order_date - onset.day).days if onset.day is not None else None,
        conservative_care=care.conservative_care(ctx, since),
        candidate=care.candidate(ctx, since),
        red_flags=flags,
        prior_imaging=prior,
        prior_surgery=imaging.prior_surgery(ctx, region),
        surgery_since_prior_imaging=imaging.surgery_since(ctx, prior),
        mri_contraindications=modality.mri_contraindications,
        opll=modality.opll,
        high_energy_trauma=recent_high_energy_trauma(ctx),
        pain_score=care.pain_score(ctx, since),
        raised_markers=raised,
        mild_weakness=mild,
        cord_regions=cord_regions(ctx, flags.get(RedFlag.MYELOPATHY, ())),
        skipped_resources=chart.skipped,
        unavailable=chart.unavailable | _age_unknown(chart, age) | _reasons_unknown(ctx),
    )


def _reasons_unknown(ctx: Context) -> frozenset[ChartCategory]:
    """The order names a Condition as its reason that the chart does not hold (``reasons_unread``): the
    conditions were not all read, said as such ("could not check"), never read as "no reason given"."""
    return frozenset({ChartCategory.CONDITIONS}) if reasons_unread(ctx) else frozenset()


def _age_unknown(chart: Chart, age: int | None) -> frozenset[ChartCategory]:
    """PATHWAY.md §2 "missing data is a value": a Patient without a usable birthDate (or a ``null``
    Patient) leaves the age unknown, and the under-18, over-50 and age-adjusted ESR rules cannot run. It is
    said ("could not read the birth date"), never taken for an adult under 50. An unreadable Patient is
    already named as such."""
    if age is not None or ChartCategory.PATIENT in chart.unavailable:
        return frozenset()
    return frozenset({ChartCategory.BIRTH_DATE})


def _red_flags(
    ctx: Context, neck_symptoms: bool, age: int | None, onset: episode.Onset
) -> tuple[dict[RedFlag, tuple[Evidence, ...]], tuple[Evidence, ...], tuple[Evidence, ...]]:
    """§3 coded and measured red flags, motor-strength grades, weakness of both legs (CES), a fracture risk
    written in words, then what the ESR/CRP add (R7, R8) and leave unexplained (R7b). Returns the
    flags, the unexplained markers and any new mild weakness."""
    coded = red_flags(ctx, neck_symptoms, age, _new_since(ctx, onset))
    patient = ctx.chart.patient
    markers = marker_flags(ctx, coded, age, patient.gender if patient is not None else None)
    motor = motor_grades(ctx, onset.day or ctx.days_before(ctx.policy.episode_gap_days))
    words = tuple(fracture_risk_in_words(ctx))  # long-term steroids in words are an infection risk too
    extra = {**markers.red_flags, RedFlag.MOTOR: (*markers.red_flags.get(RedFlag.MOTOR, ()), *motor.serious),
             RedFlag.CES: (*markers.red_flags.get(RedFlag.CES, ()), *both_legs(ctx), *motor.both_legs,
                           *(e for _, e in catheterisations(ctx, _new_since(ctx, onset)))),
             **{flag: (*markers.red_flags.get(flag, ()), *(e for f, e in words if f is flag))
                for flag in (RedFlag.FRACTURE_RISK, RedFlag.INFECTION)}}
    merged = {flag: ordered((*coded.get(flag, ()), *extra.get(flag, ()))) for flag in RedFlag}
    return {flag: items for flag, items in merged.items() if items}, markers.unexplained, motor.mild


def _new_since(ctx: Context, onset: episode.Onset) -> date | None:
    """§3 "new" incontinence is one begun in the episode (``facts_flags`` NEW_IN_EPISODE). An unverified
    onset is only the day the episode had certainly begun by (§2 lower bound): it may have begun earlier,
    so a finding dated before it is new unless it is also older than ``episode_gap_days`` — the window used
    when there is no onset at all (docs/pathway-facts.md §1: a date raising concern is dropped only when
    certainly outside)."""
    if onset.day is None or onset.verified:
        return onset.day
    return min(onset.day, ctx.days_before(ctx.policy.episode_gap_days))


def care_window_start(ctx: Context, onset: date | None) -> date:
    """Conservative care, candidacy and pain score count from the onset — or its lower bound when the onset
    is unverified. With no dated diagnosis at all, from ``episode_gap_days`` before the order (the longest
    an episode can have been silent)."""
    return onset if onset is not None else ctx.days_before(ctx.policy.episode_gap_days)


def _neck_symptoms(region: Region | None, diagnoses: tuple[episode.Diagnosis, ...]) -> bool:
    """§3 myelopathy: an abnormal reflex counts "with neck symptoms" — a cervical order/region or any
    cervical qualifying diagnosis (neck pain, cervical radiculopathy)."""
    return region is Region.CERVICAL or any(dx.region is Region.CERVICAL for dx in diagnoses)

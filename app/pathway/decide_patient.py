"""Patient-view (PATHWAY.md §1): the pathway summary and the unimaged serious red flag.

The summary states the episode's region and day, the red flags screened and found, the conservative care
so far and when MRI becomes reasonable: what the order hooks would answer for an MRI of the episode's region
today (``_mri_date``), so the chart view never dates an MRI the order hooks call appropriate now (R5-R8, R7b,
R10, R11/R21), nor gives a date on an incomplete red-flag screen. A serious red flag (CES, motor,
myelopathy, infection) with no spine MRI of the region since it was found adds a critical card with its
referral (R24); beside a lumbar episode a myelopathy card asks for the cord to be imaged (R20), beside
another a cauda equina card asks for the lumbar spine (R5).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from app.chart.model import ChartCategory
from app.pathway.decide_case import (
    CONSERVATIVE_CARE_SOURCES,
    IMAGING_SOURCES,
    RED_FLAG_SOURCES,
    Case,
    Outcome,
    data_needed,
    onset_value,
    plus_days,
    spine_indication,
)
from app.pathway.decide_groups import rule_groups
from app.pathway.decide_modality import referral
from app.pathway.model import (
    Advice,
    AtLeast,
    CardValue,
    Contrast,
    Decision,
    Facts,
    Indicator,
    Modality,
    Note,
    OrderFacts,
    RedFlag,
    Region,
    SuggestionKind,
    Topic,
)
from app.pathway.policy import Policy

# Patient-view red-flag card: the rule of the first serious class found, in PATHWAY.md §4 order.
_SERIOUS_RULES: tuple[tuple[RedFlag, str], ...] = (
    (RedFlag.CES, "R5"), (RedFlag.MOTOR, "R6"), (RedFlag.MYELOPATHY, "R20"), (RedFlag.INFECTION, "R7"),
)


def decide_patient(facts: Facts, policy: Policy) -> Decision | None:
    """None unless an active qualifying diagnosis in scope (PATHWAY.md §1); else the summary cards.
    §1 v2 "a red flag comes before scope": a CES, motor or myelopathy finding, or a spinal infection, with no
    qualifying diagnosis still gets its unimaged red-flag card — but no summary, which is about the
    diagnosis's episode."""
    too_young = facts.age_years is not None and facts.age_years < policy.minimum_age_years
    if too_young or facts.high_energy_trauma:
        return None
    if not facts.qualifying:
        return _red_flag_only(facts, policy)
    advices = (_summary(facts, policy), *_unimaged_red_flag(facts, policy), *data_needed(facts))
    return Decision(None, facts, None, tuple(item.rule for item in advices), advices)


def _red_flag_only(facts: Facts, policy: Policy) -> Decision | None:
    """No qualifying diagnosis: only a red flag that is a spine indication (§1 v2, ``spine_indication``) not
    yet imaged is worth a card."""
    if not spine_indication(facts):
        return None
    advices = _unimaged_red_flag(facts, policy)
    return Decision(None, facts, None, tuple(a.rule for a in advices), advices) if advices else None


def _summary(facts: Facts, policy: Policy) -> Advice:
    days, onset = facts.duration_days, facts.onset
    exact = facts.onset_verified and onset is not None
    day = AtLeast(days) if days is not None and not exact else days
    values: dict[str, CardValue] = {
        "region": facts.region,
        "day": day,
        "onset_date": onset_value(facts),
        "flags_count": _count(len(facts.red_flags.keys() - {RedFlag.MALIGNANCY_WEAK}),  # §3: weak are none
                              facts, RED_FLAG_SOURCES),
        "care_count": _count(len(facts.conservative_care), facts, CONSERVATIVE_CARE_SOURCES),
        "mri_date": _mri_date(facts, policy, exact),
    }
    return Advice("summary", Topic.PATHWAY_SUMMARY, Indicator.INFO, "pathway_summary", values)


def _count(found: int, facts: Facts, sources: frozenset[ChartCategory]) -> int | None:
    """What was found; none found where a source could not be read is not known to be none (PATHWAY.md §2
    "missing data is a value"): ``None``, which the card words "unknown"."""
    return None if found == 0 and facts.unavailable & sources else found


# The rules that make an MRI appropriate whatever the day, and the words the summary gives for them.
_NOW: Mapping[str, Note] = {
    "R7b": Note.NOW_RAISED_MARKERS, "R11/R21": Note.NOW_PRIOR_SURGERY, "R10": Note.NOW_FRACTURE_RISK,
}


def _mri_date(facts: Facts, policy: Policy, exact_onset: bool) -> date | Note | None:
    """When MRI becomes reasonable, as the order hooks would rate an MRI without contrast of the episode's
    region today (``_order_rule``): "now" beside any rule that makes it appropriate whatever the day
    (R5-R8, R7b, R10, R11/R21); never a date on an incomplete red-flag screen (the order hooks withhold
    their defer) nor for a thoracic episode (PATHWAY.md §1 v2: no thoracic criteria); not while an MRI
    of this episode is under a year old (R12) or before conservative care (R3a); else onset + 6 weeks."""
    first = _order_rule(facts, policy)
    if first is not None and (first.red_flag or first.rule in _NOW):
        return _NOW.get(first.rule, Note.NOW_RED_FLAG)
    if facts.region is Region.THORACIC:
        return Note.NO_CRITERIA
    if facts.unavailable & RED_FLAG_SOURCES:
        return Note.SCREEN_INCOMPLETE
    if first is not None and first.rule in ("R12", "R3a"):
        return Note.NO_REPEAT if first.rule == "R12" else Note.CARE_FIRST
    if not exact_onset:
        return Note.RECORD_ONSET
    return plus_days(facts.onset, policy.conservative_care_days)


def _order_rule(facts: Facts, policy: Policy) -> Outcome | None:
    """The deciding rule group (PATHWAY.md §4) for an MRI without contrast of the episode's region ordered
    today: the order hooks' own rules, so the chart view and the order answer the same chart alike."""
    mri = OrderFacts(None, facts.region, Modality.MRI, Contrast.WITHOUT, None, facts.order_date, False)
    groups = rule_groups(Case(facts, mri, policy))
    return groups[0] if groups else None


def _unimaged_red_flag(facts: Facts, policy: Policy) -> tuple[Advice, ...]:
    unimaged = _unimaged(facts)
    if not unimaged:
        return ()
    rule = next(rule for flag, rule in _SERIOUS_RULES if flag in unimaged)
    found = referral(facts, policy)
    suggestions: tuple[SuggestionKind, ...] = (found.kind,) if found and found.content is None else ()
    values: dict[str, CardValue] = {"region": facts.region}
    if rule == "R20" and facts.region is Region.LUMBAR:  # CODES.md recommendation 9: image the cord
        return (Advice(rule, Topic.RED_FLAG, Indicator.CRITICAL, "patient_red_flag_cord", values,
                       suggestions),)
    if rule == "R5" and facts.region in (Region.CERVICAL, Region.THORACIC):  # the cauda equina is lumbar
        return (Advice(rule, Topic.RED_FLAG, Indicator.CRITICAL, "patient_red_flag_cauda", values,
                       suggestions),)
    newest = _newest_mri(facts)
    if newest is not None:  # an MRI before the finding: the card names it
        values["prior_date"] = newest
        return (Advice(rule, Topic.RED_FLAG, Indicator.CRITICAL, "patient_red_flag_after_mri", values,
                       suggestions),)
    if facts.unavailable & IMAGING_SOURCES:  # no MRI found, but imaging was not read: never "none on record"
        return (Advice(rule, Topic.RED_FLAG, Indicator.CRITICAL, "patient_red_flag_unchecked", values,
                       suggestions),)
    return (Advice(rule, Topic.RED_FLAG, Indicator.CRITICAL, "patient_red_flag", values, suggestions),)


def _unimaged(facts: Facts) -> frozenset[RedFlag]:
    """The serious flags no MRI of the region has imaged. Only an MRI on or after every finding of a flag
    imaged it: a lumbar MRI taken months before a cauda equina began did not (safety invariant 1). An
    undated finding may be new, so it is never shown imaged (PATHWAY.md §2: less data never means a less
    safe answer). A lumbar MRI never images myelopathy: the cord is not in its field (R20); nor does a
    cervical or thoracic MRI image the cauda equina, which lies in the lumbar canal (R5)."""
    newest = _newest_mri(facts)
    lumbar = facts.region is Region.LUMBAR

    def imaged(flag: RedFlag) -> bool:
        if newest is None or (flag is RedFlag.MYELOPATHY and lumbar) or (flag is RedFlag.CES and not lumbar):
            return False
        return all(e.on is not None and e.on <= newest for e in facts.red_flags[flag])

    return frozenset(flag for flag in facts.serious_red_flags if not imaged(flag))


def _newest_mri(facts: Facts) -> date | None:
    return max((e.on for e in facts.prior_imaging if e.on is not None), default=None)

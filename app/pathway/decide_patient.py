"""Patient-view (PATHWAY.md §1): the pathway summary and the unimaged serious red flag.

The summary states the episode's region and day, the red flags screened and found, the conservative care
so far and the date MRI becomes reasonable (onset + 42 days, PATHWAY.md R1). A serious red flag (CES,
motor, myelopathy, infection) with no spine MRI of the region since it was found adds a critical card with its
referral (R24); beside a lumbar episode a myelopathy card asks for the cord to be imaged (R20).
"""

from __future__ import annotations

from datetime import date

from app.pathway.decide_case import data_needed, plus_days, spine_indication
from app.pathway.decide_modality import referral
from app.pathway.model import (
    Advice,
    AtLeast,
    CardValue,
    Decision,
    Facts,
    Indicator,
    Note,
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
        "onset_date": onset,
        "flags_count": len(facts.red_flags),
        "care_count": len(facts.conservative_care),
        "mri_date": _mri_date(facts, policy, exact),
    }
    return Advice("summary", Topic.PATHWAY_SUMMARY, Indicator.INFO, "pathway_summary", values)


def _imaging_indicated_now(facts: Facts) -> bool:
    """R5–R8: a serious flag or major malignancy makes imaging indicated at once, whatever the day."""
    return bool(facts.serious_red_flags) or RedFlag.MALIGNANCY_MAJOR in facts.red_flags


def _mri_date(facts: Facts, policy: Policy, exact_onset: bool) -> date | Note | None:
    """Never "reasonable from <onset + 6 weeks>" beside a red flag that makes it reasonable now, nor for a
    thoracic episode: PATHWAY.md §1 v2 has no criteria for thoracic radiculopathy (R1's six weeks are
    lumbar, R19's cervical), so no date is invented for it."""
    if _imaging_indicated_now(facts):
        return Note.NOW_RED_FLAG
    if facts.region is Region.THORACIC:
        return Note.NO_CRITERIA
    if not exact_onset:
        return Note.RECORD_ONSET
    return plus_days(facts.onset, policy.conservative_care_days)


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
    newest = _newest_mri(facts)
    if newest is not None:  # an MRI before the finding: the card names it
        values["prior_date"] = newest
        return (Advice(rule, Topic.RED_FLAG, Indicator.CRITICAL, "patient_red_flag_after_mri", values,
                       suggestions),)
    return (Advice(rule, Topic.RED_FLAG, Indicator.CRITICAL, "patient_red_flag", values, suggestions),)


def _unimaged(facts: Facts) -> frozenset[RedFlag]:
    """The serious flags no MRI of the region has imaged. Only an MRI on or after every finding of a flag
    imaged it: a lumbar MRI taken months before a cauda equina began did not (safety invariant 1). An
    undated finding may be new, so it is never shown imaged (PATHWAY.md §2: less data never means a less
    safe answer). A lumbar MRI never images myelopathy: the cord is not in its field (R20)."""
    newest = _newest_mri(facts)

    def imaged(flag: RedFlag) -> bool:
        if newest is None or (flag is RedFlag.MYELOPATHY and facts.region is Region.LUMBAR):
            return False
        return all(e.on is not None and e.on <= newest for e in facts.red_flags[flag])

    return frozenset(flag for flag in facts.serious_red_flags if not imaged(flag))


def _newest_mri(facts: Facts) -> date | None:
    return max((e.on for e in facts.prior_imaging if e.on is not None), default=None)

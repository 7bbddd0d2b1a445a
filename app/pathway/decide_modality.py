"""PATHWAY.md §4 modality and contrast rules (R13-R17) and the referral rule (R24).

These add cards beside whatever the rule groups decided. Their effect on the rating follows the table
("not-appropriate unless a red flag made it appropriate" for R13; not-appropriate for R14-R16), bounded by
safety invariant 1: with a serious red flag (CES, motor, myelopathy, infection) no rule lowers the rating.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from app.immutable import immutable
from app.pathway.decide_case import Case, Outcome, bounded_days
from app.pathway.decide_groups import advice
from app.pathway.model import (
    Advice,
    CardValue,
    Contrast,
    Facts,
    Indicator,
    Modality,
    Period,
    RedFlag,
    Study,
    SuggestionKind,
    Topic,
)
from app.pathway.policy import Policy

ModalityRule = Callable[[Case, Outcome], Outcome | None]
MRI_WITHOUT = Study(Modality.MRI, Contrast.WITHOUT)
MRI_WITHOUT_AND_WITH = Study(Modality.MRI, Contrast.WITHOUT_AND_WITH)


def _mri_instead(case: Case) -> tuple[Study, tuple[SuggestionKind, ...]]:
    """The MRI to suggest instead of CT/myelography/bone scan, and its one-click replacement.

    Infection or cancer (R7/R8, or R7b's raised ESR/CRP) want MRI without *and with* contrast; there is
    no one-click replacement for that, so the card names it and offers none.
    """
    if case.tumour_or_infection:
        return MRI_WITHOUT_AND_WITH, ()
    return MRI_WITHOUT, (SuggestionKind.REPLACE_WITH_MRI_WITHOUT,)


def r13_ct(case: Case, base: Outcome) -> Outcome | None:
    """R13: CT without fracture risk, prior surgery, OPLL or a contraindication to MRI → MRI;
    not-appropriate unless a red flag made it so. A contraindication the chart does not code is the
    override reason ``mri-contraindicated``."""
    facts = case.facts
    if case.order.modality is not Modality.CT or case.has(RedFlag.FRACTURE_RISK) or facts.prior_surgery:
        return None
    if facts.opll or case.mri_contraindicated:
        return None
    mri, suggestions = _mri_instead(case)
    card = advice(case, "R13", Topic.MODALITY, Indicator.WARNING, "ct_to_mri", suggestions, mri=mri)
    return Outcome("R13", None, card, lowers=not base.red_flag)


def r14_myelography(case: Case, base: Outcome) -> Outcome | None:
    """R14: (CT) myelography only if MRI is contraindicated or non-diagnostic → not-appropriate. With a
    contraindication on record it is the study R14 allows: no card. (A non-diagnostic MRI is not a fact
    the chart gives: the override reason ``mri-contraindicated`` says it.)"""
    if case.order.modality not in (Modality.MYELOGRAPHY, Modality.CT_MYELOGRAPHY) or case.mri_contraindicated:
        return None
    mri, suggestions = _mri_instead(case)
    card = advice(case, "R14", Topic.MODALITY, Indicator.WARNING, "myelography", suggestions, mri=mri)
    return Outcome("R14", None, card, lowers=not case.serious)


def r15_nuclear(case: Case, base: Outcome) -> Outcome | None:
    """R15: bone scan / PET is not part of the radiculopathy work-up → not-appropriate. With a
    contraindication to MRI on record the card names CT or CT myelography instead, and offers no MRI."""
    if case.order.modality is not Modality.NUCLEAR:
        return None
    if case.mri_contraindicated:
        card = advice(case, "R15", Topic.MODALITY, Indicator.WARNING, "nuclear_imaging_no_mri")
        return Outcome("R15", None, card, lowers=not case.serious)
    mri, suggestions = _mri_instead(case)
    card = advice(case, "R15", Topic.MODALITY, Indicator.WARNING, "nuclear_imaging", suggestions, mri=mri)
    return Outcome("R15", None, card, lowers=not case.serious)


def r16_contrast_only(case: Case, base: Outcome) -> Outcome | None:
    """R16: MRI with contrast only → without (or without-and-with for tumour/infection/post-op)."""
    if case.order.modality is not Modality.MRI or case.order.contrast is not Contrast.WITH:
        return None
    if case.tumour_infection_or_post_op:
        mri, kind = MRI_WITHOUT_AND_WITH, SuggestionKind.SWAP_TO_WITHOUT_AND_WITH_CONTRAST
    else:
        mri, kind = MRI_WITHOUT, SuggestionKind.SWAP_TO_WITHOUT_CONTRAST
    card = advice(case, "R16", Topic.CONTRAST, Indicator.WARNING, "contrast_only", (kind,), mri=mri)
    return Outcome("R16", None, card, lowers=not case.serious)


def r17_contrast_not_needed(case: Case, base: Outcome) -> Outcome | None:
    """R17: MRI without-and-with and no tumour/infection/post-op/CES → without preferred (info, unchanged)."""
    if case.order.modality is not Modality.MRI or case.order.contrast is not Contrast.WITHOUT_AND_WITH:
        return None
    if case.tumour_infection_or_post_op or case.has(RedFlag.CES):
        return None
    card = advice(case, "R17", Topic.CONTRAST, Indicator.INFO, "contrast_not_needed",
                  (SuggestionKind.SWAP_TO_WITHOUT_CONTRAST,))
    return Outcome("R17", None, card)


MODALITY_RULES: tuple[ModalityRule, ...] = (
    r13_ct, r14_myelography, r15_nuclear, r16_contrast_only, r17_contrast_not_needed,
)


def modality_rules(case: Case, base: Outcome) -> tuple[Outcome, ...]:
    found = (rule(case, base) for rule in MODALITY_RULES)
    return tuple(outcome for outcome in found if outcome is not None)


# --- R24 referral --------------------------------------------------------------------------------------


@immutable
class Referral:
    """The one spine referral R24 calls for; ``content`` is None when a red-flag card carries it."""

    kind: SuggestionKind
    content: str | None
    values: dict[str, CardValue]


_FLAG_REFERRALS: tuple[tuple[RedFlag, SuggestionKind], ...] = (
    (RedFlag.CES, SuggestionKind.CREATE_EMERGENCY_SPINE_REFERRAL),
    (RedFlag.MOTOR, SuggestionKind.CREATE_URGENT_SPINE_REFERRAL),
    (RedFlag.MYELOPATHY, SuggestionKind.CREATE_URGENT_SPINE_REFERRAL),
)
# The red-flag cards that carry the flag referral (R5, R6, R20 "… spine referral").
REFERRAL_CARDS = frozenset({"R5", "R6", "R20"})


def referral(facts: Facts, policy: Policy) -> Referral | None:
    """R24: the most urgent referral: CES → emergency; motor/myelopathy → urgent; disabling pain (policy
    hook, off by default) → urgent; symptoms ≥ ``referral_after_days`` → routine, unless a referral or
    plan (candidacy) already exists. The duration may be a lower bound: it proves "at least"."""
    for flag, kind in _FLAG_REFERRALS:
        if flag in facts.red_flags:
            return Referral(kind, None, {})
    pain = facts.pain_score
    if policy.disabling_pain_referral and pain is not None and pain >= policy.disabling_pain_threshold:
        return Referral(SuggestionKind.CREATE_URGENT_SPINE_REFERRAL, "referral_disabling_pain",
                        {"pain": pain})
    days = facts.duration_days
    if days is not None and days >= policy.referral_after_days and not facts.candidate:
        threshold = Period(policy.referral_after_days)
        return Referral(SuggestionKind.CREATE_ROUTINE_SPINE_REFERRAL, "referral_persistent",
                        {"days": days if facts.onset_verified else bounded_days(facts),
                         "referral_threshold": threshold})
    return None


def with_referral(case: Case, advices: tuple[Advice, ...]) -> tuple[tuple[Advice, ...], bool]:
    """Add the R24 referral: on the first R5/R6/R20 card when a flag calls for it, else as its own card.

    One referral suggestion per response, so a clinician cannot create two by clicking two cards.
    """
    found = referral(case.facts, case.policy)
    if found is None:
        return advices, False
    if found.content is None:
        return _on_red_flag_card(advices, found.kind), True
    card = advice(case, "R24", Topic.REFERRAL, Indicator.INFO, found.content, (found.kind,), **found.values)
    return (*advices, card), True


def _on_red_flag_card(advices: tuple[Advice, ...], kind: SuggestionKind) -> tuple[Advice, ...]:
    index = next(i for i, item in enumerate(advices) if item.rule in REFERRAL_CARDS)
    carried = replace(advices[index], suggestions=(*advices[index].suggestions, kind))
    return (*advices[:index], carried, *advices[index + 1:])

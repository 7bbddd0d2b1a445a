"""PATHWAY.md §4 rule groups R5 … R27, in the table's order.

Each group is a function ``Case -> Outcome | None``. ``rule_groups`` applies the precedence: the first group
that matches sets the rating; every matching red-flag group (R5-R8) adds its own card, so an infection
card (contrast, ESR/CRP) still shows beside a cauda equina card. After the first non-red-flag group nothing
else in this table adds a card: a later "defer" or "do not repeat" would contradict the deciding card.

PATHWAY.md v2: the red-flag rules (R5 CES, R6 motor, R20 myelopathy, R7 infection, R8 malignancy, R7b
raised markers) apply to an order of any region, thoracic included.
"""

from __future__ import annotations

from collections.abc import Callable

from app.pathway.decide_case import (
    ACP_2011,
    ACR_CERVICAL,
    ACR_LBP,
    Case,
    Outcome,
    base_values,
    latest,
    plus_days,
)
from app.pathway.model import (
    Advice,
    CardValue,
    Contrast,
    Indicator,
    Modality,
    Rating,
    RedFlag,
    Region,
    SuggestionKind,
    Topic,
)
from app.pathway.policy import CervicalEarlyMri

Group = Callable[[Case], Outcome | None]

_DEFER_SUGGESTIONS = (SuggestionKind.DELETE_ORDER, SuggestionKind.CREATE_PT_REFERRAL)


def advice(
    case: Case,
    rule: str,
    topic: Topic,
    indicator: Indicator,
    content: str,
    suggestions: tuple[SuggestionKind, ...] = (),
    **values: CardValue,
) -> Advice:
    """An Advice for ``cards/<content>.toml`` with the case's base values plus ``values``."""
    return Advice(rule, topic, indicator, content, base_values(case) | values, suggestions)


def _auc(case: Case, lumbar: str | None, cervical: str | None = None) -> str | None:
    return lumbar if case.lumbar else cervical if case.cervical else None


def _swap_to_without_and_with(case: Case) -> tuple[SuggestionKind, ...]:
    """R7/R8 want MRI without and with contrast: offer the swap when the order is MRI without."""
    plain_mri = case.order.modality is Modality.MRI and case.order.contrast is Contrast.WITHOUT
    return (SuggestionKind.SWAP_TO_WITHOUT_AND_WITH_CONTRAST,) if plain_mri else ()


def _red_flag(
    case: Case,
    rule: str,
    content: str,
    auc: str | None,
    suggestions: tuple[SuggestionKind, ...] = (),
    **values: CardValue,
) -> Outcome:
    """R5/R6/R20/R7: critical card, rating appropriate (safety invariant 1)."""
    card = advice(case, rule, Topic.RED_FLAG, Indicator.CRITICAL, content, suggestions, **values)
    return Outcome(rule, Rating.APPROPRIATE, card, auc, red_flag=True)


# --- red-flag groups -----------------------------------------------------------------------------------


def r5_cauda_equina(case: Case) -> Outcome | None:
    """R5: CES → emergency same-day MRI and emergency spine referral (ACR LBP 2021 variant 4). On a cervical
    or thoracic order the card asks for the lumbar spine: the cauda equina lies in the lumbar canal."""
    if not case.has(RedFlag.CES):
        return None
    auc = _auc(case, f"{ACR_LBP} variant 4")
    if case.region in (Region.CERVICAL, Region.THORACIC):
        return _red_flag(case, "R5", "red_flag_ces_elsewhere", auc)
    return _red_flag(case, "R5", "red_flag_ces", auc)


def r6_motor_deficit(case: Case) -> Outcome | None:
    """R6: severe or progressive motor deficit → urgent MRI without contrast, urgent referral (ACP 2011)."""
    if not case.has(RedFlag.MOTOR):
        return None
    return _red_flag(case, "R6", "red_flag_motor", ACP_2011)


def r20_myelopathy(case: Case) -> Outcome | None:
    """R20: myelopathy → urgent MRI of the cord (cervical/thoracic), urgent spine surgery referral.
    v2: with a lumbar order too (critical), whose card says a lumbar MRI does not image the cord."""
    if not case.has(RedFlag.MYELOPATHY):
        return None
    cord = case.region in (Region.CERVICAL, Region.THORACIC)
    if case.lumbar:
        return _red_flag(case, "R20", "red_flag_myelopathy_lumbar", None)
    elsewhere = case.facts.cord_regions - {case.region}  # a cervical myelopathy on a thoracic order
    target = case.region if cord and not elsewhere else None  # None: both cord regions (cards/labels.toml)
    return _red_flag(case, "R20", "red_flag_myelopathy", _auc(case, None, ACR_CERVICAL), target=target)


def r7_infection(case: Case) -> Outcome | None:
    """R7: infection → urgent MRI without and with contrast, ESR/CRP (ACR LBP v7, cervical v4)."""
    if not case.has(RedFlag.INFECTION):
        return None
    auc = _auc(case, f"{ACR_LBP} variant 7", f"{ACR_CERVICAL} variant 4")
    return _red_flag(case, "R7", "red_flag_infection", auc, suggestions=_swap_to_without_and_with(case))


def r8_malignancy(case: Case) -> Outcome | None:
    """R8 (L/C/T, v2): active or past cancer with new pain (or a weak flag with ESR ≥ 50) → imaging now,
    MRI without and with preferred; the card suggests whole-spine MRI (NICE QS56)."""
    if not case.has(RedFlag.MALIGNANCY_MAJOR):
        return None
    card = advice(case, "R8", Topic.RED_FLAG, Indicator.WARNING, "red_flag_malignancy",
                  suggestions=_swap_to_without_and_with(case))
    auc = _auc(case, f"{ACR_LBP} variant 7", ACR_CERVICAL)
    return Outcome("R8", Rating.APPROPRIATE, card, auc, red_flag=True)


def r7b_raised_markers(case: Case) -> Outcome | None:
    """R7b (L/C/T, v2): ESR ≥ 50 or CRP ≥ 50 that no risk factor or weak flag explains, and no other red
    flag → info card "look for a cause", rating appropriate, never a defer (CODES.md recommendation 2).

    Topic ``SpineRedFlag``: the card replaces the deferral because of a finding, like the red-flag cards,
    and sites that measure red-flag overrides (``redflag-chronic-baseline``) should see it there; it is
    not the optional "imaging appropriate" card that a site may switch off."""
    if not case.facts.raised_markers:
        return None
    markers = case.facts.raised_markers
    card = advice(case, "R7b", Topic.RED_FLAG, Indicator.INFO, "raised_markers", markers=markers)
    return Outcome("R7b", Rating.APPROPRIATE, card, None, red_flag=True)


# --- the other groups ----------------------------------------------------------------------------------


def r11_r21_post_surgical(case: Case) -> Outcome | None:
    """R11/R21 (L/C): prior spine surgery → imaging appropriate (ACR LBP 2021 variant 5).

    The facts cannot tell "new or progressing symptoms"; an active qualifying episode after spine surgery
    is taken as such (docs/pathway.md).
    """
    surgery = latest(case.facts.prior_surgery)
    if not case.lumbar_or_cervical or surgery is None:
        return None
    card = advice(case, "R11/R21", Topic.IMAGING_APPROPRIATE, Indicator.INFO, "post_surgical",
                  surgery_date=surgery.on)
    return Outcome("R11/R21", Rating.APPROPRIATE, card, _auc(case, f"{ACR_LBP} variant 5", ACR_CERVICAL))


def r10_fracture_risk(case: Case) -> Outcome | None:
    """R10 (L): fracture risk → radiographs first; MRI or CT without contrast acceptable (ACR LBP v6)."""
    if not case.lumbar or not case.has(RedFlag.FRACTURE_RISK):
        return None
    card = advice(case, "R10", Topic.IMAGING_APPROPRIATE, Indicator.INFO, "fracture_risk")
    return Outcome("R10", Rating.APPROPRIATE, card, f"{ACR_LBP} variant 6")


def r12_repeat_imaging(case: Case) -> Outcome | None:
    """R12 (L/C): an MRI of the region within 12 months, in this episode, no surgery since → do not repeat.

    "No new episode" needs the prior MRI on or after the episode onset; with only a lower bound of the onset
    that is certain only for an MRI on or after the lower bound, so an earlier MRI never warns.
    """
    prior = latest(case.facts.prior_imaging)
    onset = case.facts.onset
    if not case.lumbar_or_cervical or prior is None or case.facts.surgery_since_prior_imaging:
        return None
    if prior.on is None or onset is None or prior.on < onset:
        return None
    card = advice(case, "R12", Topic.REPEAT_IMAGING, Indicator.WARNING, "repeat_imaging",
                  prior_date=prior.on,
                  suggestions=(SuggestionKind.DELETE_ORDER,))
    return Outcome("R12", Rating.NOT_APPROPRIATE, card)


def _defer(case: Case, rule: str, content: str, auc: str | None, **values: CardValue) -> Outcome:
    card = advice(case, rule, Topic.DEFER_IMAGING, Indicator.WARNING, content, _DEFER_SUGGESTIONS, **values)
    return Outcome(rule, Rating.NOT_APPROPRIATE, card, auc)


def r1_r9_before_six_weeks(case: Case) -> Outcome | None:
    """R1/R9 (L): documented D < 42 → defer (ACR LBP 2021 variant 1).

    R9 refines R1 when only weak malignancy flags are present (age > 50, weight loss; ACP 2011): MRI/CT are
    deferred as in R1, radiographs are appropriate from D ≥ 28. R9 is tried first, else it could never
    match behind R1.
    """
    days = case.exact_days
    if not case.lumbar or days is None or days >= case.six_weeks:
        return None
    if not case.has(RedFlag.MALIGNANCY_WEAK):
        return _defer(case, "R1", "defer_imaging", f"{ACR_LBP} variant 1")
    xr_days = case.policy.weak_flag_radiograph_days
    xr_date = plus_days(case.facts.onset, xr_days)
    if case.order.modality is Modality.XR and days >= xr_days:
        card = advice(case, "R9", Topic.IMAGING_APPROPRIATE, Indicator.INFO, "radiographs_weak_flags",
                      xr_date=xr_date)
        return Outcome("R9", Rating.APPROPRIATE, card, ACP_2011)
    return _defer(case, "R9", "defer_imaging_weak_flags", ACP_2011, xr_date=xr_date)


def r3a_no_conservative_care(case: Case) -> Outcome | None:
    """R3a (L): documented D ≥ 42 with no conservative care → defer, start it (ACR LBP 2021 variant 2)."""
    days = case.exact_days
    if not case.lumbar or days is None or days < case.six_weeks or case.facts.conservative_care:
        return None
    return _defer(case, "R3a", "start_conservative_care", f"{ACR_LBP} variant 2")


def r3b_r2_after_conservative_care(case: Case) -> Outcome | None:
    """R3b / R2/R23 (L): D ≥ 42 with conservative care (ACR LBP 2021 variant 3).

    Not a candidate → R3b: rating none until the clinician attests candidacy (override reason
    ``candidate``). A candidate → R2/R23: appropriate; its card only when ``policy.show_appropriate_card``.
    """
    days = case.days_at_least
    if not case.lumbar or days is None or days < case.six_weeks or not case.facts.conservative_care:
        return None
    auc = f"{ACR_LBP} variant 3"
    if not case.facts.candidate:
        card = advice(case, "R3b", Topic.IMAGING_APPROPRIATE, Indicator.INFO, "imaging_if_changes_management")
        return Outcome("R3b", None, card, auc)
    shown = case.policy.show_appropriate_card
    card = advice(case, "R2/R23", Topic.IMAGING_APPROPRIATE, Indicator.INFO, "imaging_appropriate")
    return Outcome("R2/R23", Rating.APPROPRIATE, card if shown else None, auc)


def r19_cervical_early(case: Case) -> Outcome | None:
    """R19 (C): documented D < 42 → conservative care first; policy ``cervical_early_mri`` advise/defer."""
    days = case.exact_days
    if not case.cervical or days is None or days >= case.six_weeks:
        return None
    auc = f"{ACR_CERVICAL} variant 2"
    if case.policy.cervical_early_mri is CervicalEarlyMri.DEFER:
        return _defer(case, "R19", "defer_imaging", auc)
    card = advice(case, "R19", Topic.DEFER_IMAGING, Indicator.INFO, "cervical_early_advise",
                  suggestions=(SuggestionKind.CREATE_PT_REFERRAL,))
    return Outcome("R19", Rating.APPROPRIATE, card, auc)


def r19b_cervical_persistent(case: Case) -> Outcome | None:
    """R19b (C): D ≥ 42 → MRI without contrast appropriate (ACR cervical 2018 variant 2); card optional."""
    days = case.days_at_least
    if not case.cervical or days is None or days < case.six_weeks:
        return None
    card = advice(case, "R19b", Topic.IMAGING_APPROPRIATE, Indicator.INFO, "cervical_mri_appropriate")
    shown = case.policy.show_appropriate_card
    return Outcome("R19b", Rating.APPROPRIATE, card if shown else None, f"{ACR_CERVICAL} variant 2")


def r27_onset_unknown(case: Case) -> Outcome | None:
    """R27 (L/C): onset unknown → "record onset" info card, rating none, never a defer."""
    if not case.lumbar_or_cervical:
        return None
    card = advice(case, "R27", Topic.DATA_NEEDED, Indicator.INFO, "record_onset")
    return Outcome("R27", None, card)


RED_FLAG_GROUPS: tuple[Group, ...] = (
    r5_cauda_equina, r6_motor_deficit, r20_myelopathy, r7_infection, r8_malignancy,
)
OTHER_GROUPS: tuple[Group, ...] = (
    r7b_raised_markers, r11_r21_post_surgical, r10_fracture_risk, r12_repeat_imaging, r1_r9_before_six_weeks,
    r3a_no_conservative_care, r3b_r2_after_conservative_care, r19_cervical_early, r19b_cervical_persistent,
    r27_onset_unknown,
)


def rule_groups(case: Case) -> tuple[Outcome, ...]:
    """The matching groups: every red-flag group that matches, else the first other group, else none."""
    flagged = tuple(found for group in RED_FLAG_GROUPS if (found := group(case)) is not None)
    if flagged:
        return flagged
    first = next((found for group in OTHER_GROUPS if (found := group(case)) is not None), None)
    return (first,) if first is not None else ()

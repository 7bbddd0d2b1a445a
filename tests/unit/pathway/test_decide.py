"""PATHWAY.md §4: one table test per rule, built from Facts directly (facts_factory), no FHIR JSON.

Each test can fail if its rule were wrong: thresholds are tested on both sides (D 41/42, XR 27/28, 83/84).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from facts_factory import (
    ESR_HIGH,
    FLAG_EVIDENCE,
    MILD_WEAKNESS,
    NSAID,
    ORDER_DATE,
    REFERRAL,
    SURGERY,
    facts,
    order,
    prior_mri,
)

from app.chart.model import ChartCategory
from app.pathway.decide import decide_order, decide_patient
from app.pathway.model import (
    Advice,
    AtLeast,
    Contrast,
    Decision,
    Facts,
    Indicator,
    Modality,
    Note,
    OrderFacts,
    Period,
    Rating,
    RedFlag,
    Region,
    Study,
    SuggestionKind,
    Topic,
)
from app.pathway.policy import CervicalEarlyMri, Policy

CARE = (NSAID,)
CANDIDATE = (REFERRAL,)


def decide(f: Facts, o: OrderFacts | None = None, policy: Policy | None = None) -> Decision:
    return decide_order(f, o or order(), policy or Policy())


def card(decision: Decision, rule: str) -> Advice:
    found = [item for item in decision.advices if item.rule == rule]
    assert len(found) == 1, f"{rule} cards: {[a.rule for a in decision.advices]}"
    return found[0]


def topics(decision: Decision) -> list[Topic]:
    return [item.topic for item in decision.advices]


# --- R28 / §1 scope ------------------------------------------------------------------------------------


def test_r28_age_17_no_criteria_apply_no_card() -> None:
    decision = decide(facts(20, age_years=17))
    assert (decision.rating, decision.rules, decision.advices) == (Rating.NO_CRITERIA_APPLY, ("R28",), ())


def test_r28_age_18_is_in_scope() -> None:
    assert decide(facts(20, age_years=18)).rules == ("R1",)


def test_r28_no_qualifying_diagnosis() -> None:
    assert decide(facts(20, qualifying=())).rating is Rating.NO_CRITERIA_APPLY


def test_r28_high_energy_trauma() -> None:
    decision = decide(facts(20, high_energy_trauma=True, red_flags={RedFlag.CES: ()}))
    assert (decision.rating, decision.advices) == (Rating.NO_CRITERIA_APPLY, ())


def test_r28_unreadable_conditions_without_diagnosis_is_undetermined_not_out_of_scope() -> None:
    decision = decide(facts(20, qualifying=(), unavailable=frozenset({"conditions"})))
    assert decision.rating is None
    assert topics(decision) == [Topic.DATA_NEEDED]
    # v2 "red flag first": CES brings the order into scope by itself, so the rating is known.
    flagged = decide(facts(20, qualifying=(), flags=[RedFlag.CES], unavailable=frozenset({"conditions"})))
    assert (flagged.advices[0].indicator, flagged.rating) == (Indicator.CRITICAL, Rating.APPROPRIATE)


# --- red flags R5, R6, R20, R7, R8 ---------------------------------------------------------------------


def test_r5_ces_critical_appropriate() -> None:
    decision = decide(facts(10, flags=[RedFlag.CES]))
    first = decision.advices[0]
    assert (first.rule, first.indicator, first.topic) == ("R5", Indicator.CRITICAL, Topic.RED_FLAG)
    assert decision.rating is Rating.APPROPRIATE
    assert SuggestionKind.CREATE_EMERGENCY_SPINE_REFERRAL in first.suggestions
    assert Topic.DEFER_IMAGING not in topics(decision)
    assert decision.rules == ("R5", "R24")
    assert decision.auc_variant == "ACR LBP 2021 variant 4; PATHWAY R5, R24"


def test_r5_ces_applies_to_a_thoracic_order_too() -> None:
    decision = decide(facts(10, flags=[RedFlag.CES]), order(region=Region.THORACIC))
    assert decision.advices[0].indicator is Indicator.CRITICAL
    assert decision.rating is Rating.APPROPRIATE


def test_r6_motor_deficit_critical_with_urgent_referral() -> None:
    decision = decide(facts(5, flags=[RedFlag.MOTOR]))
    first = card(decision, "R6")
    assert first.indicator is Indicator.CRITICAL
    assert first.suggestions == (SuggestionKind.CREATE_URGENT_SPINE_REFERRAL,)
    assert decision.rating is Rating.APPROPRIATE


def test_r20_myelopathy_cervical_critical() -> None:
    decision = decide(facts(5, Region.CERVICAL, flags=[RedFlag.MYELOPATHY]), order(region=Region.CERVICAL))
    advice = card(decision, "R20")
    assert (advice.indicator, advice.values["target"]) == (Indicator.CRITICAL, Region.CERVICAL)
    assert advice.suggestions == (SuggestionKind.CREATE_URGENT_SPINE_REFERRAL,)


def test_r20_myelopathy_with_a_lumbar_order_points_at_the_cord() -> None:
    decision = decide(facts(5, flags=[RedFlag.MYELOPATHY]))
    advice = card(decision, "R20")
    assert (advice.content, advice.indicator) == ("red_flag_myelopathy_lumbar", Indicator.CRITICAL)
    assert decision.rating is Rating.APPROPRIATE


def test_r7_infection_critical_offers_contrast_for_mri_without_and_no_referral() -> None:
    decision = decide(facts(5, flags=[RedFlag.INFECTION]), order(contrast=Contrast.WITHOUT))
    advice = card(decision, "R7")
    assert advice.indicator is Indicator.CRITICAL
    assert advice.suggestions == (SuggestionKind.SWAP_TO_WITHOUT_AND_WITH_CONTRAST,)
    swap = SuggestionKind.SWAP_TO_WITHOUT_AND_WITH_CONTRAST
    assert decision.alternative_ratings == {swap: Rating.APPROPRIATE}
    assert "R24" not in decision.rules


def test_several_serious_flags_each_add_a_card_and_one_referral() -> None:
    decision = decide(facts(5, flags=[RedFlag.CES, RedFlag.MOTOR, RedFlag.INFECTION]))
    assert [a.rule for a in decision.advices] == ["R5", "R6", "R7"]
    referrals = [k for a in decision.advices for k in a.suggestions if "referral" in k and "pt" not in k]
    assert referrals == [SuggestionKind.CREATE_EMERGENCY_SPINE_REFERRAL]


def test_r8_malignancy_major_warning_appropriate() -> None:
    decision = decide(facts(5, flags=[RedFlag.MALIGNANCY_MAJOR]))
    advice = card(decision, "R8")
    assert (advice.indicator, advice.topic, decision.rating) == (Indicator.WARNING, Topic.RED_FLAG,
                                                                 Rating.APPROPRIATE)


def test_r8_applies_to_a_thoracic_order_v2() -> None:
    decision = decide(facts(5, flags=[RedFlag.MALIGNANCY_MAJOR]), order(region=Region.THORACIC))
    assert (card(decision, "R8").indicator, decision.rating) == (Indicator.WARNING, Rating.APPROPRIATE)


# --- R11/R21, R10, R12 ---------------------------------------------------------------------------------


def test_r11_prior_lumbar_surgery_appropriate_at_day_5() -> None:
    decision = decide(facts(5, prior_surgery=(SURGERY,)))
    advice = card(decision, "R11/R21")
    assert (advice.indicator, decision.rating) == (Indicator.INFO, Rating.APPROPRIATE)
    assert advice.values["surgery_date"] == date(2019, 3, 4)
    assert decision.auc_variant == "ACR LBP 2021 variant 5; PATHWAY R11/R21"


def test_r21_prior_cervical_surgery_appropriate() -> None:
    decision = decide(facts(5, Region.CERVICAL, prior_surgery=(SURGERY,)), order(region=Region.CERVICAL))
    assert (decision.rules[0], decision.rating) == ("R11/R21", Rating.APPROPRIATE)


def test_r10_fracture_risk_lumbar_radiographs_first_info_appropriate() -> None:
    decision = decide(facts(5, flags=[RedFlag.FRACTURE_RISK]))
    assert (card(decision, "R10").indicator, decision.rating) == (Indicator.INFO, Rating.APPROPRIATE)


def test_r10_is_lumbar_only() -> None:
    decision = decide(facts(5, Region.CERVICAL, flags=[RedFlag.FRACTURE_RISK]), order(region=Region.CERVICAL))
    assert decision.rules == ("R19",)


def test_r12_prior_mri_in_this_episode_do_not_repeat() -> None:
    decision = decide(facts(90, conservative_care=CARE, candidate=CANDIDATE, prior_imaging=(prior_mri(30),)))
    advice = card(decision, "R12")
    assert (advice.topic, advice.indicator, decision.rating) == (Topic.REPEAT_IMAGING, Indicator.WARNING,
                                                                 Rating.NOT_APPROPRIATE)
    assert advice.values["prior_date"] == ORDER_DATE - timedelta(days=30)
    assert advice.suggestions == (SuggestionKind.DELETE_ORDER,)


def test_r12_with_surgery_since_the_mri_is_not_a_repeat() -> None:
    f = facts(90, conservative_care=CARE, candidate=CANDIDATE, prior_imaging=(prior_mri(30),),
              prior_surgery=(replace(SURGERY, on=date(2025, 6, 15)),), surgery_since_prior_imaging=True)
    decision = decide(f)
    assert Topic.REPEAT_IMAGING not in topics(decision)
    assert (decision.rules[0], decision.rating) == ("R11/R21", Rating.APPROPRIATE)


def test_r12_mri_before_this_episode_began_is_a_new_episode() -> None:
    decision = decide(facts(60, conservative_care=CARE, candidate=CANDIDATE, prior_imaging=(prior_mri(200),)))
    assert (decision.rules[0], decision.rating) == ("R2/R23", Rating.APPROPRIATE)


def test_r12_never_warns_when_only_a_lower_bound_of_onset_precedes_the_mri_date() -> None:
    f = facts(20, verified=False, prior_imaging=(prior_mri(30),))
    assert Topic.REPEAT_IMAGING not in topics(decide(f))


def test_r12_cervical_applies() -> None:
    f = facts(60, Region.CERVICAL, prior_imaging=(prior_mri(30),))
    assert decide(f, order(region=Region.CERVICAL)).rules[0] == "R12"


# --- R1, R9 ---------------------------------------------------------------------------------------------


def test_r1_lumbar_day_20_defers() -> None:
    decision = decide(facts(20))
    advice = card(decision, "R1")
    assert (advice.topic, advice.indicator, decision.rating) == (Topic.DEFER_IMAGING, Indicator.WARNING,
                                                                 Rating.NOT_APPROPRIATE)
    assert advice.suggestions == (SuggestionKind.DELETE_ORDER, SuggestionKind.CREATE_PT_REFERRAL)
    assert advice.values["eligible_date"] == date(2025, 7, 22)  # onset 2025-06-10 + 42 days
    assert (advice.values["days"], advice.values["threshold"]) == (20, Period(42))
    assert decision.auc_variant == "ACR LBP 2021 variant 1; PATHWAY R1"


@pytest.mark.parametrize(("days", "rule"), [(41, "R1"), (42, "R3a")])
def test_r1_six_weeks_means_day_42(days: int, rule: str) -> None:
    assert decide(facts(days)).rules[0] == rule


def test_r1_radiographs_are_deferred_too() -> None:
    decision = decide(facts(30), order(Modality.XR, None))
    assert (decision.rules, decision.rating) == (("R1",), Rating.NOT_APPROPRIATE)


@pytest.mark.parametrize(("days", "rating", "content"), [
    (27, Rating.NOT_APPROPRIATE, "defer_imaging_weak_flags"),
    (28, Rating.APPROPRIATE, "radiographs_weak_flags"),
])
def test_r9_radiographs_from_day_28(days: int, rating: Rating, content: str) -> None:
    decision = decide(facts(days, flags=[RedFlag.MALIGNANCY_WEAK]), order(Modality.XR, None))
    advice = card(decision, "R9")
    assert (decision.rating, advice.content) == (rating, content)
    assert advice.values["xr_date"] == ORDER_DATE + timedelta(days=28 - days)  # onset + 28


def test_r9_mri_deferred_as_r1_with_weak_flags() -> None:
    decision = decide(facts(35, flags=[RedFlag.MALIGNANCY_WEAK]))
    advice = card(decision, "R9")
    assert (advice.topic, advice.indicator, decision.rating) == (Topic.DEFER_IMAGING, Indicator.WARNING,
                                                                 Rating.NOT_APPROPRIATE)


def test_r9_weak_flags_change_nothing_from_day_42() -> None:
    assert decide(facts(42, flags=[RedFlag.MALIGNANCY_WEAK])).rules[0] == "R3a"


# --- R3a, R3b, R2/R23 ---------------------------------------------------------------------------------


def test_r3a_day_42_without_conservative_care_defers() -> None:
    decision = decide(facts(42))
    advice = card(decision, "R3a")
    assert (advice.topic, advice.content, decision.rating) == (Topic.DEFER_IMAGING, "start_conservative_care",
                                                               Rating.NOT_APPROPRIATE)


def test_r3b_rating_none_until_attested() -> None:
    decision = decide(facts(60, conservative_care=CARE))
    advice = card(decision, "R3b")
    assert (advice.indicator, decision.rating) == (Indicator.INFO, None)
    assert advice.content == "imaging_if_changes_management"


def test_r2_r23_appropriate_and_no_card_by_default() -> None:
    decision = decide(facts(60, conservative_care=CARE, candidate=CANDIDATE))
    assert (decision.rules, decision.rating, decision.advices) == (("R2/R23",), Rating.APPROPRIATE, ())


def test_r2_r23_card_when_policy_shows_it() -> None:
    policy = Policy(show_appropriate_card=True)
    decision = decide(facts(60, conservative_care=CARE, candidate=CANDIDATE), policy=policy)
    assert card(decision, "R2/R23").topic is Topic.IMAGING_APPROPRIATE


# --- R19, R19b (cervical) -------------------------------------------------------------------------------


def cervical(days: int, **kw: object) -> tuple[Facts, OrderFacts]:
    return facts(days, Region.CERVICAL, **kw), order(region=Region.CERVICAL)  # type: ignore[arg-type]


def test_r19_advise_policy_info_appropriate() -> None:
    decision = decide(*cervical(20))
    advice = card(decision, "R19")
    assert (advice.indicator, advice.content, decision.rating) == (Indicator.INFO, "cervical_early_advise",
                                                                   Rating.APPROPRIATE)
    assert advice.suggestions == (SuggestionKind.CREATE_PT_REFERRAL,)


def test_r19_defer_policy_warning_not_appropriate() -> None:
    decision = decide(*cervical(20), policy=Policy(cervical_early_mri=CervicalEarlyMri.DEFER))
    advice = card(decision, "R19")
    assert (advice.indicator, advice.content, decision.rating) == (Indicator.WARNING, "defer_imaging",
                                                                   Rating.NOT_APPROPRIATE)


@pytest.mark.parametrize(("days", "rule"), [(41, "R19"), (42, "R19b")])
def test_r19_r19b_boundary(days: int, rule: str) -> None:
    assert decide(*cervical(days)).rules == (rule,)


def test_r19b_appropriate_card_optional() -> None:
    assert (decide(*cervical(60)).rating, decide(*cervical(60)).advices) == (Rating.APPROPRIATE, ())
    shown = decide(*cervical(60), policy=Policy(show_appropriate_card=True))
    assert card(shown, "R19b").content == "cervical_mri_appropriate"


# --- R27 -----------------------------------------------------------------------------------------------


def test_r27_lower_bound_onset_records_onset_never_defers() -> None:
    decision = decide(facts(20, verified=False))
    advice = card(decision, "R27")
    assert (advice.topic, advice.indicator, decision.rating) == (Topic.DATA_NEEDED, Indicator.INFO, None)
    assert Topic.DEFER_IMAGING not in topics(decision)


def test_r27_no_defer_from_a_lower_bound_past_six_weeks() -> None:
    assert decide(facts(60, verified=False)).rules == ("R27",)


def test_r27_lower_bound_past_six_weeks_still_proves_six_weeks_for_appropriate() -> None:
    decision = decide(facts(60, verified=False, conservative_care=CARE, candidate=CANDIDATE))
    assert (decision.rules, decision.rating) == (("R2/R23",), Rating.APPROPRIATE)


def test_r27_no_onset_at_all() -> None:
    assert decide(facts(None)).rules == ("R27",)


def test_r27_cervical() -> None:
    assert decide(*cervical(20, verified=False)).rules == ("R27",)


# --- modality and contrast R13-R17 ---------------------------------------------------------------------

AFTER_CARE = {"conservative_care": CARE, "candidate": CANDIDATE}


def test_r13_ct_switch_to_mri_without_contrast() -> None:
    decision = decide(facts(60, **AFTER_CARE), order(Modality.CT, Contrast.WITHOUT))
    advice = card(decision, "R13")
    assert (advice.topic, advice.indicator, decision.rating) == (Topic.MODALITY, Indicator.WARNING,
                                                                 Rating.NOT_APPROPRIATE)
    assert advice.suggestions == (SuggestionKind.REPLACE_WITH_MRI_WITHOUT,)
    assert decision.alternative_ratings == {SuggestionKind.REPLACE_WITH_MRI_WITHOUT: Rating.APPROPRIATE}


def test_r13_ct_with_fracture_risk_is_not_switched() -> None:
    decision = decide(facts(10, flags=[RedFlag.FRACTURE_RISK]), order(Modality.CT, Contrast.WITHOUT))
    assert (decision.rules, decision.rating) == (("R10",), Rating.APPROPRIATE)


def test_r13_ct_after_spine_surgery_is_not_switched() -> None:
    decision = decide(facts(10, prior_surgery=(SURGERY,)), order(Modality.CT, Contrast.WITHOUT))
    assert "R13" not in decision.rules


def test_r13_red_flag_keeps_the_ct_appropriate() -> None:
    decision = decide(facts(10, flags=[RedFlag.MALIGNANCY_MAJOR]), order(Modality.CT, Contrast.WITHOUT))
    advice = card(decision, "R13")
    assert decision.rating is Rating.APPROPRIATE
    assert (advice.values["mri"], advice.suggestions) == (Study(Modality.MRI, Contrast.WITHOUT_AND_WITH), ())


def test_r14_myelography_not_appropriate() -> None:
    decision = decide(facts(60, **AFTER_CARE), order(Modality.CT_MYELOGRAPHY, None))
    assert (card(decision, "R14").indicator, decision.rating) == (Indicator.WARNING, Rating.NOT_APPROPRIATE)


def test_r15_bone_scan_not_appropriate_but_never_with_a_serious_flag() -> None:
    plain = decide(facts(60, **AFTER_CARE), order(Modality.NUCLEAR, None))
    serious = decide(facts(60, flags=[RedFlag.INFECTION]), order(Modality.NUCLEAR, None))
    assert (plain.rating, card(plain, "R15").topic) == (Rating.NOT_APPROPRIATE, Topic.MODALITY)
    assert serious.rating is Rating.APPROPRIATE


def test_r16_contrast_only_swaps_to_without() -> None:
    decision = decide(facts(60, **AFTER_CARE), order(contrast=Contrast.WITH))
    advice = card(decision, "R16")
    assert (advice.topic, decision.rating) == (Topic.CONTRAST, Rating.NOT_APPROPRIATE)
    assert advice.suggestions == (SuggestionKind.SWAP_TO_WITHOUT_CONTRAST,)
    assert decision.alternative_ratings == {SuggestionKind.SWAP_TO_WITHOUT_CONTRAST: Rating.APPROPRIATE}


def test_r16_contrast_only_with_tumour_swaps_to_without_and_with() -> None:
    decision = decide(facts(60, flags=[RedFlag.MALIGNANCY_MAJOR]), order(contrast=Contrast.WITH))
    assert card(decision, "R16").suggestions == (SuggestionKind.SWAP_TO_WITHOUT_AND_WITH_CONTRAST,)
    assert decision.rating is Rating.NOT_APPROPRIATE


def test_r17_without_and_with_no_tumour_prefers_without_rating_unchanged() -> None:
    decision = decide(facts(60, **AFTER_CARE), order(contrast=Contrast.WITHOUT_AND_WITH))
    advice = card(decision, "R17")
    assert advice.indicator is Indicator.INFO
    assert advice.suggestions == (SuggestionKind.SWAP_TO_WITHOUT_CONTRAST,)
    assert decision.rating is Rating.APPROPRIATE


def test_r17_with_tumour_no_card() -> None:
    decision = decide(facts(60, flags=[RedFlag.MALIGNANCY_MAJOR]), order(contrast=Contrast.WITHOUT_AND_WITH))
    assert "R17" not in decision.rules


# --- R24 referral --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "referred"), [(83, False), (84, True)])
def test_r24_routine_referral_from_12_weeks(days: int, referred: bool) -> None:
    decision = decide(facts(days, conservative_care=CARE))
    assert ("R24" in decision.rules) is referred
    if referred:
        advice = card(decision, "R24")
        assert (advice.topic, advice.suggestions) == (Topic.REFERRAL,
                                                      (SuggestionKind.CREATE_ROUTINE_SPINE_REFERRAL,))


def test_r24_no_routine_referral_when_a_referral_or_plan_exists() -> None:
    assert "R24" not in decide(facts(120, **AFTER_CARE)).rules


def test_r24_disabling_pain_hook_is_off_by_default() -> None:
    f = facts(20, pain_score=9.0)
    assert "R24" not in decide(f).rules
    on = decide(f, policy=Policy(disabling_pain_referral=True))
    assert card(on, "R24").suggestions == (SuggestionKind.CREATE_URGENT_SPINE_REFERRAL,)
    assert card(on, "R24").values["pain"] == 9


# --- missing data ----------------------------------------------------------------------------------------


def test_unreadable_red_flag_data_never_builds_a_defer() -> None:
    decision = decide(facts(20, unavailable=frozenset({"observations"})))
    assert decision.rating is None
    assert topics(decision) == [Topic.DATA_NEEDED]
    assert decision.advices[0].values == {"missing": frozenset({"observations"})}


def test_unreadable_imaging_leaves_appropriate_undetermined() -> None:
    decision = decide(facts(60, unavailable=frozenset({"imaging"}), **AFTER_CARE))
    assert decision.rating is None
    assert Topic.DATA_NEEDED in topics(decision)


def test_unreadable_imaging_keeps_a_defer_from_duration() -> None:
    decision = decide(facts(20, unavailable=frozenset({"imaging"})))
    assert (decision.rules, decision.rating) == (("R1",), Rating.NOT_APPROPRIATE)


def test_unreadable_referrals_withhold_r3a() -> None:
    decision = decide(facts(60, unavailable=frozenset({ChartCategory.ORDERS})))
    assert decision.rating is None
    assert Topic.DEFER_IMAGING not in topics(decision)


def test_unreadable_patient_without_age_is_undetermined() -> None:
    decision = decide(facts(60, age_years=None, unavailable=frozenset({"patient"}), **AFTER_CARE))
    assert decision.rating is None


def test_serious_flag_is_critical_even_with_unreadable_data() -> None:
    decision = decide(facts(5, flags=[RedFlag.CES], unavailable=frozenset({"medications"})))
    assert (decision.advices[0].indicator, decision.rating) == (Indicator.CRITICAL, Rating.APPROPRIATE)


# --- regions ---------------------------------------------------------------------------------------------


def test_thoracic_order_without_serious_flag_no_criteria_apply() -> None:
    decision = decide(facts(20), order(region=Region.THORACIC))
    assert (decision.rating, decision.advices) == (Rating.NO_CRITERIA_APPLY, ())


def test_order_region_wins_over_diagnosis_region() -> None:
    assert decide(facts(20, Region.CERVICAL)).rules == ("R1",)


def test_order_without_region_uses_the_diagnosis_region() -> None:
    assert decide(facts(20), order(region=None)).rules == ("R1",)


def test_no_region_anywhere_asks_for_one() -> None:
    decision = decide(replace(facts(20), region=None), order(region=None))
    assert (decision.rating, [a.content for a in decision.advices]) == (None, ["region_unknown"])


# --- patient-view ---------------------------------------------------------------------------------------


def test_patient_view_none_without_qualifying_diagnosis() -> None:
    assert decide_patient(facts(20, qualifying=()), Policy()) is None


@pytest.mark.parametrize(("flag", "rule"), [(RedFlag.CES, "R5"), (RedFlag.MOTOR, "R6"),
                                            (RedFlag.MYELOPATHY, "R20")])
def test_patient_view_scope_red_flag_without_diagnosis_gets_only_its_critical_card(flag: RedFlag,
                                                                                    rule: str) -> None:
    """PATHWAY.md §1 v2: a CES, motor or myelopathy finding is a spine indication by itself — the chart
    that records only G83.4 still shows its unimaged red flag at chart open (no summary: no episode, and
    no diagnosis to give a region)."""
    decision = decide_patient(replace(facts(20, qualifying=(), flags=[flag]), region=None), Policy())
    assert decision is not None
    assert [(a.rule, a.indicator, a.content) for a in decision.advices] == [
        (rule, Indicator.CRITICAL, "patient_red_flag")]


@pytest.mark.parametrize("flag", [RedFlag.INFECTION, RedFlag.MALIGNANCY_MAJOR, RedFlag.MALIGNANCY_WEAK])
def test_patient_view_other_flags_without_diagnosis_stay_out_of_scope(flag: RedFlag) -> None:
    assert decide_patient(facts(20, qualifying=(), flags=[flag]), Policy()) is None


def test_patient_view_scope_red_flag_without_diagnosis_already_imaged_has_no_card() -> None:
    decision = decide_patient(facts(20, qualifying=(), flags=[RedFlag.CES], prior_imaging=(prior_mri(1),)),
                              Policy())
    assert decision is None


@pytest.mark.parametrize("mri_days_before", [3, 30, 150])
def test_patient_view_red_flag_found_after_the_last_mri_still_gets_its_critical_card(
        mri_days_before: int) -> None:
    """A cauda equina found 2 days ago is not imaged by a lumbar MRI taken before it began: the chart-open
    card stands (safety invariant 1: a serious red flag is never answered with silence)."""
    decision = decide_patient(facts(20, flags=[RedFlag.CES], prior_imaging=(prior_mri(mri_days_before),)),
                              Policy())
    assert decision is not None
    assert [(a.rule, a.indicator, a.content, a.values["prior_date"]) for a in decision.advices
            if a.topic is Topic.RED_FLAG] == [("R5", Indicator.CRITICAL, "patient_red_flag_after_mri",
                                               ORDER_DATE - timedelta(days=mri_days_before))]


@pytest.mark.parametrize("mri_days_before", [None, 1])
def test_patient_view_myelopathy_in_a_lumbar_episode_points_at_the_cord(mri_days_before: int | None) -> None:
    """PATHWAY.md R20 on a lumbar order (CODES.md recommendation 9): a lumbar MRI does not image the cord.
    Beside a lumbar episode the chart-open card asked for "urgent lumbar MRI", and a lumbar MRI taken after
    the myelopathy sign silenced it; it now asks for cervical (± thoracic) MRI whatever lumbar MRI exists."""
    prior = (prior_mri(mri_days_before),) if mri_days_before else ()
    decision = decide_patient(facts(20, flags=[RedFlag.MYELOPATHY], prior_imaging=prior), Policy())
    assert decision is not None
    assert [(a.rule, a.indicator, a.content) for a in decision.advices if a.topic is Topic.RED_FLAG] == [
        ("R20", Indicator.CRITICAL, "patient_red_flag_cord")]


def test_patient_view_ces_imaged_beside_an_unimaged_myelopathy_names_the_myelopathy() -> None:
    """The card is the first serious class *not yet imaged*: the lumbar MRI after the cauda equina imaged
    it, not the cord."""
    decision = decide_patient(facts(20, flags=[RedFlag.CES, RedFlag.MYELOPATHY],
                                    prior_imaging=(prior_mri(1),)), Policy())
    assert decision is not None
    assert [a.rule for a in decision.advices if a.topic is Topic.RED_FLAG] == ["R20"]


def test_patient_view_red_flag_with_an_undated_finding_is_never_shown_imaged() -> None:
    """PATHWAY.md §2 "less data never means a less safe answer": without a date the MRI cannot be shown
    to follow the finding."""
    undated = replace(FLAG_EVIDENCE[RedFlag.MOTOR], on=None)
    decision = decide_patient(facts(20, red_flags={RedFlag.MOTOR: (undated,)},
                                    prior_imaging=(prior_mri(1),)), Policy())
    assert decision is not None
    assert [a.rule for a in decision.advices if a.topic is Topic.RED_FLAG] == ["R6"]


def test_patient_view_none_under_18() -> None:
    assert decide_patient(facts(20, age_years=17), Policy()) is None


def test_patient_view_summary_states_day_flags_care_and_mri_date() -> None:
    decision = decide_patient(facts(20, conservative_care=CARE, flags=[RedFlag.MALIGNANCY_WEAK]), Policy())
    assert decision is not None
    assert decision.rating is None
    (summary,) = decision.advices
    assert (summary.topic, summary.indicator) == (Topic.PATHWAY_SUMMARY, Indicator.INFO)
    assert summary.values["day"] == 20
    assert summary.values["mri_date"] == date(2025, 7, 22)
    # §3: age over 50 or weight loss alone is "not a red flag for MRI"; the card lists it as a risk factor.
    assert (summary.values["flags_count"], summary.values["care_count"]) == (0, 1)


def test_patient_view_lower_bound_onset_has_no_mri_date() -> None:
    decision = decide_patient(facts(50, verified=False), Policy())
    assert decision is not None
    assert (decision.advices[0].values["day"], decision.advices[0].values["mri_date"]) == (
        AtLeast(50), Note.RECORD_ONSET)


@pytest.mark.parametrize("verified", [True, False])
def test_patient_view_thoracic_summary_dates_no_mri(verified: bool) -> None:
    """PATHWAY.md §1 v2: no criteria for thoracic radiculopathy, so no "MRI reasonable from onset + 6 weeks"
    (R1's six weeks are lumbar) and no "record onset" that would date nothing."""
    decision = decide_patient(facts(20, region=Region.THORACIC, verified=verified), Policy())
    assert decision is not None
    assert decision.advices[0].values["mri_date"] is Note.NO_CRITERIA


def test_patient_view_thoracic_red_flag_still_says_mri_now() -> None:
    decision = decide_patient(facts(20, region=Region.THORACIC, flags=[RedFlag.MALIGNANCY_MAJOR]), Policy())
    assert decision is not None
    assert decision.advices[0].values["mri_date"] is Note.NOW_RED_FLAG


@pytest.mark.parametrize("flag", [RedFlag.CES, RedFlag.INFECTION, RedFlag.MALIGNANCY_MAJOR])
def test_patient_view_summary_says_mri_now_when_a_red_flag_calls_for_it(flag: RedFlag) -> None:
    for verified in (True, False):
        decision = decide_patient(facts(20, flags=[flag], verified=verified), Policy())
        assert decision is not None
        assert decision.advices[0].values["mri_date"] is Note.NOW_RED_FLAG


def test_patient_view_serious_flag_without_mri_is_critical() -> None:
    decision = decide_patient(facts(20, flags=[RedFlag.CES]), Policy())
    assert decision is not None
    flag = card(decision, "R5")
    assert (flag.indicator, flag.suggestions) == (Indicator.CRITICAL,
                                                  (SuggestionKind.CREATE_EMERGENCY_SPINE_REFERRAL,))


def test_patient_view_serious_flag_already_imaged_no_red_flag_card() -> None:
    decision = decide_patient(facts(20, flags=[RedFlag.CES], prior_imaging=(prior_mri(1),)), Policy())
    assert decision is not None
    assert [a.rule for a in decision.advices] == ["summary"]


# --- PATHWAY.md v2: red flag first, R7b, new mild weakness ---------------------------------------------


def test_r28_v2_motor_deficit_brings_an_order_without_diagnosis_into_scope() -> None:
    assert decide(facts(20, qualifying=(), flags=[RedFlag.MOTOR])).rules[0] == "R6"


def test_r28_v2_infection_without_diagnosis_stays_out_of_scope() -> None:
    assert decide(facts(20, qualifying=(), flags=[RedFlag.INFECTION])).rules == ("R28",)


@pytest.mark.parametrize("region", [Region.LUMBAR, Region.CERVICAL, Region.THORACIC])
def test_r7b_info_card_rating_appropriate_never_defer(region: Region) -> None:
    decision = decide(facts(20, region, raised_markers=(ESR_HIGH,)), order(region=region))
    assert (decision.rules, decision.rating) == (("R7b",), Rating.APPROPRIATE)
    assert (decision.advices[0].indicator, decision.advices[0].topic) == (Indicator.INFO, Topic.RED_FLAG)
    assert decision.advices[0].values["markers"] == (ESR_HIGH,)


def test_r7b_gives_way_to_any_red_flag_rule() -> None:
    decision = decide(facts(20, flags=[RedFlag.MALIGNANCY_MAJOR], raised_markers=(ESR_HIGH,)))
    assert decision.rules == ("R8",)


def test_new_mild_weakness_is_an_info_card_beside_the_defer() -> None:
    decision = decide(facts(20, mild_weakness=(MILD_WEAKNESS,)))
    assert (decision.rules, decision.rating) == (("R1",), Rating.NOT_APPROPRIATE)
    assert [a.content for a in decision.advices if a.indicator is Indicator.INFO] == ["new_mild_weakness"]

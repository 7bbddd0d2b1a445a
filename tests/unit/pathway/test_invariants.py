"""PATHWAY.md §4 safety invariants 1-5, as hypothesis properties over generated facts, orders and policies.

Invariant 1 is stated for every order the pathway rates. An order out of scope (R28: under 18, high-energy
trauma, no qualifying diagnosis) gets no card by R28's own words; for those the property checked is the
part that keeps the patient safe: the rating is never not-appropriate and no card defers.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from facts_factory import (
    ESR_HIGH,
    FLAG_EVIDENCE,
    MILD_WEAKNESS,
    NSAID,
    ORDER_DATE,
    PT,
    REFERRAL,
    SURGERY,
    facts,
    order,
    prior_mri,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.chart.model import ChartCategory
from app.pathway.decide import decide_order
from app.pathway.model import (
    SCOPE_RED_FLAGS,
    SERIOUS_RED_FLAGS,
    Contrast,
    Decision,
    Evidence,
    Facts,
    Indicator,
    Modality,
    OrderFacts,
    Rating,
    RedFlag,
    Region,
    SuggestionKind,
    Topic,
)
from app.pathway.policy import CervicalEarlyMri, Policy
from app.render import RenderContext, load_card_library, render_cards

LIBRARY = load_card_library(Path(__file__).resolve().parents[3] / "cards")
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CATEGORIES = [ChartCategory.PATIENT, ChartCategory.CONDITIONS, ChartCategory.OBSERVATIONS,
              ChartCategory.PROCEDURES, ChartCategory.MEDICATIONS, ChartCategory.IMAGING,
              ChartCategory.ORDERS]
_REFERRAL_LEVEL = {
    SuggestionKind.CREATE_ROUTINE_SPINE_REFERRAL: 1,
    SuggestionKind.CREATE_URGENT_SPINE_REFERRAL: 2,
    SuggestionKind.CREATE_EMERGENCY_SPINE_REFERRAL: 3,
}
_DEFER_OR_REPEAT = {Topic.DEFER_IMAGING, Topic.REPEAT_IMAGING}

regions = st.sampled_from([Region.LUMBAR, Region.CERVICAL, Region.THORACIC, None])


@st.composite
def orders(draw: st.DrawFn) -> OrderFacts:
    modality = draw(st.sampled_from(list(Modality)))
    contrast = draw(st.sampled_from([*Contrast, None])) if modality in (Modality.MRI, Modality.CT) else None
    return order(modality, contrast, draw(regions), draw(st.sampled_from(["ServiceRequest/d", None])))


@st.composite
def facts_values(draw: st.DrawFn) -> Facts:
    region = draw(regions)
    days = draw(st.none() | st.integers(0, 400))
    f = facts(days, region or Region.LUMBAR, flags=draw(st.sets(st.sampled_from(list(RedFlag)))),
              verified=draw(st.booleans()))
    with_surgery = draw(st.booleans())
    return replace(
        f,
        region=region,
        age_years=draw(st.none() | st.integers(10, 95)),
        qualifying=f.qualifying if draw(st.integers(0, 9)) else (),
        conservative_care=draw(st.sampled_from([(), (NSAID,), (NSAID, PT)])),
        candidate=draw(st.sampled_from([(), (REFERRAL,)])),
        prior_imaging=(prior_mri(draw(st.integers(1, 365))),) if draw(st.booleans()) else (),
        prior_surgery=(SURGERY,) if with_surgery else (),
        surgery_since_prior_imaging=with_surgery and draw(st.booleans()),
        high_energy_trauma=draw(st.integers(0, 19)) == 0,
        pain_score=draw(st.none() | st.floats(0, 10)),
        raised_markers=(ESR_HIGH,) if draw(st.integers(0, 4)) == 0 else (),  # R7b (v2)
        mild_weakness=(MILD_WEAKNESS,) if draw(st.integers(0, 4)) == 0 else (),
        unavailable=frozenset(draw(st.sets(st.sampled_from(CATEGORIES), max_size=3))),
    )


policies = st.builds(
    Policy,
    cervical_early_mri=st.sampled_from(list(CervicalEarlyMri)),
    show_appropriate_card=st.booleans(),
    disabling_pain_referral=st.booleans(),
)


def in_scope(f: Facts, policy: Policy) -> bool:
    adult = f.age_years is None or f.age_years >= policy.minimum_age_years
    # PATHWAY.md §1 v2 "red flag first": CES, motor and myelopathy bring an order into scope themselves.
    by_flag = bool(f.red_flags.keys() & SCOPE_RED_FLAGS)
    diagnosis_possible = bool(f.qualifying) or "conditions" in f.unavailable or by_flag
    return adult and not f.high_energy_trauma and diagnosis_possible


def referral_level(decision: Decision) -> int:
    return max((_REFERRAL_LEVEL.get(k, 0) for a in decision.advices for k in a.suggestions), default=0)


def has_critical(decision: Decision) -> bool:
    return any(advice.indicator is Indicator.CRITICAL for advice in decision.advices)


@PROPERTY
@given(facts_values(), orders(), policies)
def test_invariant_1_serious_red_flag_is_critical_never_deferred_never_not_appropriate(
    f: Facts, o: OrderFacts, policy: Policy
) -> None:
    if not f.serious_red_flags:
        f = replace(f, red_flags={**f.red_flags, RedFlag.INFECTION: (FLAG_EVIDENCE[RedFlag.INFECTION],)})
    decision = decide_order(f, o, policy)
    assert decision.rating is not Rating.NOT_APPROPRIATE
    assert not {advice.topic for advice in decision.advices} & _DEFER_OR_REPEAT
    if in_scope(f, policy):
        first = decision.advices[0]
        assert (first.indicator, first.topic) == (Indicator.CRITICAL, Topic.RED_FLAG)
    else:
        assert decision.advices == ()


@PROPERTY
@given(facts_values(), orders(), policies, st.sampled_from(list(RedFlag)))
def test_invariant_2_adding_a_red_flag_never_lowers_urgency_or_appropriateness(
    f: Facts, o: OrderFacts, policy: Policy, flag: RedFlag
) -> None:
    before = decide_order(f, o, policy)
    added = replace(f, red_flags={**f.red_flags, flag: (FLAG_EVIDENCE[flag],)})
    after = decide_order(added, o, policy)
    if before.rating is Rating.APPROPRIATE:
        assert after.rating is not Rating.NOT_APPROPRIATE
    assert referral_level(after) >= referral_level(before)
    assert has_critical(after) >= has_critical(before)
    if flag in SERIOUS_RED_FLAGS and in_scope(f, policy):
        assert has_critical(after)


@PROPERTY
@given(facts_values(), orders(), policies)
def test_invariant_3_unknown_duration_never_defers(f: Facts, o: OrderFacts, policy: Policy) -> None:
    unknown = replace(f, onset_verified=False) if f.duration_days is not None else f
    decision = decide_order(unknown, o, policy)
    assert Topic.DEFER_IMAGING not in {advice.topic for advice in decision.advices}


def shuffled(f: Facts, seed: int) -> Facts:
    rng = random.Random(seed)

    def mix(items: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
        return tuple(rng.sample(items, len(items)))

    flags = list(f.red_flags.items())
    rng.shuffle(flags)
    return replace(
        f,
        qualifying=mix(f.qualifying),
        conservative_care=mix(f.conservative_care),
        candidate=mix(f.candidate),
        prior_imaging=mix(f.prior_imaging),
        prior_surgery=mix(f.prior_surgery),
        red_flags={flag: mix(items) for flag, items in flags},
    )


def with_more_evidence(f: Facts) -> Facts:
    """Several pieces of evidence per fact, so that shuffling has something to reorder."""
    later = [replace(item, reference=f"{item.reference}-b", on=ORDER_DATE - timedelta(days=3)) for item in
             (NSAID, REFERRAL, SURGERY)]
    return replace(
        f,
        conservative_care=(*f.conservative_care, later[0]),
        candidate=(*f.candidate, later[1]) if f.candidate else (),
        prior_imaging=(*f.prior_imaging, prior_mri(3)) if f.prior_imaging else (),
        prior_surgery=(*f.prior_surgery, later[2]) if f.prior_surgery else (),
        red_flags={flag: (*items, replace(items[0], reference="Condition/other")) for flag, items in
                   f.red_flags.items() if items},
    )


def rendered(decision: Decision) -> list[dict[str, object]]:
    ids = iter(range(10_000))
    context = RenderContext("p", None, lambda: f"00000000-0000-4000-8000-{next(ids):012d}", "c")
    return render_cards(decision, LIBRARY, context)


@PROPERTY
@given(facts_values(), orders(), policies, st.integers(0, 2**32))
def test_invariant_4_bundle_order_never_changes_the_decision(
    f: Facts, o: OrderFacts, policy: Policy, seed: int
) -> None:
    richer = with_more_evidence(f)
    first, second = decide_order(richer, o, policy), decide_order(shuffled(richer, seed), o, policy)
    assert (first.rating, first.rules, first.advices, first.auc_variant, first.alternative_ratings) == (
        second.rating, second.rules, second.advices, second.auc_variant, second.alternative_ratings)
    assert rendered(first) == rendered(replace(second, facts=shuffled(richer, seed + 1)))


@PROPERTY
@given(facts_values(), orders(), policies)
def test_invariant_5_every_summary_under_140_states_its_reason(
    f: Facts, o: OrderFacts, policy: Policy
) -> None:
    for card in rendered(decide_order(f, o, policy)):
        summary = str(card["summary"])
        assert len(summary) < 140
        assert not summary.endswith("…"), "never cut: the reason would be lost"
        action, _, reason = summary.partition(": ")
        assert action
        assert reason

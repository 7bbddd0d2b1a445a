"""Facts + order → Decision: the radiculopathy pathway rules of PATHWAY.md §4 (and patient-view).

PURE (STYLE.md habit 1): values in, a Decision out; no clock, no I/O. The words of every card live in
``cards/``; a Decision only names the content key and fills its placeholders (STYLE.md habit 6).

Order of work for one order: scope (R28) → rule groups R5 … R27 (``decide_groups``) → modality and
contrast R13-R17 (``decide_modality``) → missing data → referral R24 → "could not check" card.

Missing data (``Facts.unavailable``), PATHWAY.md is silent; the choice made here:

* red-flag sources (conditions, observations, medications, procedures, visits, orders) unreadable and
  no serious flag found: no defer or do-not-repeat card is built (their premise "no red flags" is
  unknown) and a not-appropriate rating becomes none — a serious flag could hide in the missing data
  (invariant 1);
* imaging unreadable: an *appropriate* rating from a rule after R12 becomes none (a prior MRI could have
  made it not-appropriate);
* conservative-care sources unreadable and none found: R3a is withheld, rating none;
* patient unreadable, or read without a birth date, so no age: rating none (R28's age test could not run);
* conditions unreadable and no qualifying diagnosis found: not R28 (the diagnosis is unknown, not absent):
  the rules run, so a serious red flag still shows, and the rating is none;
* whenever anything is unreadable, a ``SpineDataNeeded`` info card names it.
"""

from __future__ import annotations

from dataclasses import replace

from app.chart.model import ChartCategory
from app.pathway.decide_case import (
    CONSERVATIVE_CARE_SOURCES,
    IMAGING_SOURCES,
    RED_FLAG_SOURCES,
    Case,
    Outcome,
    data_needed,
)
from app.pathway.decide_groups import rule_groups
from app.pathway.decide_modality import modality_rules, with_referral
from app.pathway.decide_patient import decide_patient
from app.pathway.model import (
    ORDER_UPDATES,
    Advice,
    CardValue,
    Decision,
    Facts,
    Indicator,
    OrderFacts,
    Rating,
    RedFlag,
    Region,
    SuggestionKind,
    Topic,
)
from app.pathway.policy import Policy

__all__ = ["decide_order", "decide_patient"]

# Rules after R12 in the table: an unreadable imaging history could have stopped them with R12.
_AFTER_R12 = frozenset({"R1", "R9", "R3a", "R3b", "R2/R23", "R19", "R19b", "R27"})
_WITHHELD_TOPICS = frozenset({Topic.DEFER_IMAGING, Topic.REPEAT_IMAGING})
# Without them the age is unknown, so R28's age test could not run.
_AGE_SOURCES = frozenset({ChartCategory.PATIENT, ChartCategory.BIRTH_DATE})


def decide_order(facts: Facts, order: OrderFacts, policy: Policy) -> Decision:
    """PATHWAY.md §4 for one spine imaging order, with the rating of each one-click alternative."""
    case = Case(facts, order, policy)
    decision = _decide(case)
    return replace(decision, alternative_ratings=_alternatives(case, decision))


def _decide(case: Case) -> Decision:
    out_of_scope = _scope(case)
    if out_of_scope is not None:
        return out_of_scope
    groups = rule_groups(case)
    if not groups:
        return _no_region_rule(case)
    outcomes = (*groups, *modality_rules(case, groups[0]))
    rating = _rating(outcomes)
    kept, rating = _missing_data(case, outcomes, rating)
    advices, referred = with_referral(case, tuple(o.advice for o in kept if o.advice is not None))
    rules = (*(o.rule for o in kept), *(("R24",) if referred else ()))
    first = groups[0] if groups[0] in kept else None
    extra = (*_mild_weakness(case), *_region_disputed(case), *data_needed(case.facts))
    return Decision(case.order, case.facts, rating, rules, (*advices, *extra), _auc_variant(first, rules))


def _mild_weakness(case: Case) -> tuple[Advice, ...]:
    """PATHWAY.md §3 v2: a single one-grade fall above MRC 3 (5 → 4) is an info-level finding, beside
    whatever the rules decided; it changes no rating."""
    found = case.facts.mild_weakness
    if not found or case.has(RedFlag.MOTOR):
        return ()
    values: dict[str, CardValue] = {"weakness": found, "region": case.region}
    return (Advice("mild-weakness", Topic.RED_FLAG, Indicator.INFO, "new_mild_weakness", values),)


def _region_disputed(case: Case) -> tuple[Advice, ...]:
    """The order's code names one region and its name or bodySite another (CPT lumbar, "MRI CERVICAL
    SPINE"): the code's region is read (PATHWAY.md §1) and the red-flag rules apply whatever the region, but
    a defer or a "not appropriate" rating built on that region's episode is withheld (never defer on doubt),
    and this card says why."""
    if not case.order.region_disputed:
        return ()
    values: dict[str, CardValue] = {"region": case.region}
    card = Advice("order-region-disputed", Topic.DATA_NEEDED, Indicator.INFO, "order_region_disputed", values)
    return (card,)


def _scope(case: Case) -> Decision | None:
    """PATHWAY.md §1 / R28: under-age, high-energy trauma or no qualifying diagnosis → no-criteria-apply.
    v2 "red flag first": a CES, motor or myelopathy finding is itself a spine indication."""
    facts = case.facts
    too_young = facts.age_years is not None and facts.age_years < case.policy.minimum_age_years
    conditions_read = ChartCategory.CONDITIONS not in facts.unavailable
    unqualified = not facts.qualifying and conditions_read and not case.indicated_by_flag
    return _r28(case) if too_young or facts.high_energy_trauma or unqualified else None


def _r28(case: Case) -> Decision:
    return Decision(case.order, case.facts, Rating.NO_CRITERIA_APPLY, ("R28",), (), "PATHWAY R28")


def _no_region_rule(case: Case) -> Decision:
    """No rule of the table covers the region (docs/pathway.md): thoracic → no-criteria-apply, no card;
    an order without any region → rating none and a card asking for one."""
    if case.region is Region.THORACIC:
        return Decision(case.order, case.facts, Rating.NO_CRITERIA_APPLY, (), data_needed(case.facts))
    card = Advice("region-unknown", Topic.DATA_NEEDED, Indicator.INFO, "region_unknown")
    return Decision(case.order, case.facts, None, (), (card, *data_needed(case.facts)))


def _rating(outcomes: tuple[Outcome, ...]) -> Rating | None:
    """The first group sets the rating; a modality rule that ``lowers`` makes it not-appropriate."""
    if any(outcome.lowers for outcome in outcomes):
        return Rating.NOT_APPROPRIATE
    return outcomes[0].rating


def _missing_data(
    case: Case, outcomes: tuple[Outcome, ...], rating: Rating | None
) -> tuple[tuple[Outcome, ...], Rating | None]:
    """Never a defer/do-not-repeat card built on unreadable data; rating none where that data decides it."""
    facts = case.facts
    # the order's own parts name two regions: no defer stands on the one read (``_region_disputed``)
    unsure = bool(case.missing(RED_FLAG_SOURCES)) or case.order.region_disputed
    screen_incomplete = unsure and not case.serious
    care_unknown = bool(case.missing(CONSERVATIVE_CARE_SOURCES)) and not facts.conservative_care
    undetermined = (
        (screen_incomplete and rating is Rating.NOT_APPROPRIATE)
        or (care_unknown and outcomes[0].rule == "R3a")
        or (bool(case.missing(IMAGING_SOURCES)) and outcomes[0].rule in _AFTER_R12
            and rating is Rating.APPROPRIATE)
        or (facts.age_years is None and bool(facts.unavailable & _AGE_SOURCES))
        or (not facts.qualifying and not case.indicated_by_flag)  # only when conditions were unreadable
    )
    kept = tuple(o for o in outcomes if not _withheld(o, screen_incomplete, care_unknown))
    return kept, None if undetermined else rating


def _withheld(outcome: Outcome, screen_incomplete: bool, care_unknown: bool) -> bool:
    """A warning to defer or not repeat whose premise ("no red flags", "no conservative care") is unknown."""
    card = outcome.advice
    warns = card is not None and card.indicator is Indicator.WARNING and card.topic in _WITHHELD_TOPICS
    return (screen_incomplete and warns) or (care_unknown and outcome.rule == "R3a")


def _auc_variant(first: Outcome | None, rules: tuple[str, ...]) -> str | None:
    """E.g. "ACR LBP 2021 variant 1; PATHWAY R1, R13" (the criteria of the deciding group, then rules)."""
    parts = [first.auc] if first is not None and first.auc else []
    if rules:
        parts.append("PATHWAY " + ", ".join(rules))
    return "; ".join(parts) or None


def _alternatives(case: Case, decision: Decision) -> dict[SuggestionKind, Rating]:
    """Rate the order as each one-click update would leave it; unratable alternatives are left out."""
    kinds = sorted({kind for item in decision.advices for kind in item.suggestions if kind in ORDER_UPDATES})
    ratings: dict[SuggestionKind, Rating] = {}
    for kind in kinds:
        modality, contrast = ORDER_UPDATES[kind]
        altered = replace(case.order, modality=modality, contrast=contrast, coding=None)
        rating = _decide(replace(case, order=altered)).rating
        if rating is not None:
            ratings[kind] = rating
    return ratings

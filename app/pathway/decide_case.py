"""The pieces every decision rule reads: one order's case, one rule's outcome, and the cards' base values.

PURE (STYLE.md habit 1): stdlib and ``app.pathway`` only. Durations follow PATHWAY.md §2: "six weeks means
D ≥ 42", and a duration measured from a *lower bound* of the onset (``onset_verified=False``) proves only
``D ≥ value``. So rules that need ``D < n`` (R1, R9, R19) or that would warn to defer (R3a) read
``exact_days``; rules that need ``D ≥ n`` and never defer (R3b, R2/R23, R19b, R24) read ``days_at_least``
(safety invariant 3: an unknown duration never produces a defer warning).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from app.chart.model import ChartCategory
from app.immutable import immutable
from app.pathway.model import (
    SCOPE_RED_FLAGS,
    Advice,
    AtLeast,
    CardValue,
    Evidence,
    Facts,
    Finding,
    Indicator,
    OnOrBefore,
    OrderFacts,
    Period,
    Rating,
    RedFlag,
    Region,
    Study,
    Topic,
)
from app.pathway.policy import Policy

# Data in which a red flag or prior spine surgery could hide: without it "no red flags" is not known. Visits
# and other orders too: a finding stated as a visit's or a referral's reason is read as a red flag (PATHWAY.md
# §2 v2; docs/pathway-facts.md "Eighth pass"), and spine imaging reports, whose coded conclusion is read as
# one ("Tenth pass: the same chart through every hook"). ImagingStudy is not: it states no finding.
RED_FLAG_SOURCES = frozenset({ChartCategory.CONDITIONS, ChartCategory.OBSERVATIONS, ChartCategory.MEDICATIONS,
                              ChartCategory.PROCEDURES, ChartCategory.VISITS, ChartCategory.ORDERS,
                              ChartCategory.REPORTS})
# Data in which a prior MRI could hide (R12): studies and their reports.
IMAGING_SOURCES = frozenset({ChartCategory.IMAGING, ChartCategory.REPORTS})
# Data in which conservative care could hide (R3a): medications, PT procedures and visits, PT referrals.
CONSERVATIVE_CARE_SOURCES = frozenset({ChartCategory.MEDICATIONS, ChartCategory.PROCEDURES,
                                       ChartCategory.VISITS, ChartCategory.ORDERS})

# Criteria named in Decision.auc_variant (PATHWAY.md §7); app/render maps each name to its guideline URL.
ACR_LBP = "ACR LBP 2021"
ACR_CERVICAL = "ACR Cervical 2018"
ACP_2011 = "ACP 2011"


@immutable
class Case:
    """One order to rate, with the facts and policy it is rated under."""

    facts: Facts
    order: OrderFacts
    policy: Policy

    @property
    def region(self) -> Region | None:
        """PATHWAY.md §1: the order's region wins; the diagnoses' region only when the order has none."""
        return self.order.region or self.facts.region

    @property
    def lumbar(self) -> bool:
        return self.region is Region.LUMBAR

    @property
    def cervical(self) -> bool:
        return self.region is Region.CERVICAL

    @property
    def lumbar_or_cervical(self) -> bool:
        return self.region in (Region.LUMBAR, Region.CERVICAL)

    def has(self, flag: RedFlag) -> bool:
        return flag in self.facts.red_flags

    @property
    def indicated_by_flag(self) -> bool:
        """PATHWAY.md §1 v2: a red flag that is a spine indication brings the order into scope by itself."""
        return spine_indication(self.facts)

    @property
    def serious(self) -> bool:
        return bool(self.facts.serious_red_flags)

    @property
    def tumour_or_infection(self) -> bool:
        """Tumour or infection suspected: R8, R7, or R7b's unexplained raised ESR/CRP, whose card asks for
        MRI without and with contrast too — no other card may then call contrast unneeded."""
        suspected = self.has(RedFlag.MALIGNANCY_MAJOR) or self.has(RedFlag.INFECTION)
        return suspected or bool(self.facts.raised_markers)

    @property
    def tumour_infection_or_post_op(self) -> bool:
        """R16/R17: the indications for contrast."""
        return self.tumour_or_infection or bool(self.facts.prior_surgery)

    @property
    def mri_contraindicated(self) -> bool:
        """R13/R14: a contraindication to MRI is on record (``facts_modality``)."""
        return bool(self.facts.mri_contraindications)

    @property
    def exact_days(self) -> int | None:
        """D from a documented onset, else ``None`` (a lower bound cannot show D < n)."""
        return self.facts.duration_days if self.facts.onset_verified else None

    @property
    def days_at_least(self) -> int | None:
        """D, or the least D can be when only a lower bound of the onset is known."""
        return self.facts.duration_days

    @property
    def six_weeks(self) -> int:
        return self.policy.conservative_care_days

    def missing(self, categories: frozenset[ChartCategory]) -> frozenset[ChartCategory]:
        return self.facts.unavailable & categories


@immutable
class Outcome:
    """What one rule concluded: its rating (``None`` = undetermined), its card and the criteria applied.

    ``lowers`` is for modality rules only: the rule makes the order not-appropriate.
    """

    rule: str
    rating: Rating | None
    advice: Advice | None
    auc: str | None = None
    red_flag: bool = False
    lowers: bool = False


def spine_indication(facts: Facts) -> bool:
    """PATHWAY.md §1 v2 "a red flag comes before scope": a CES, motor or myelopathy finding — or an infection
    of the spine itself (vertebral osteomyelitis, discitis, an epidural abscess: §3 infection), which §1 does
    not name but which is a spine disease, not a risk factor — is a spine indication by itself ("only age
    under 18 and high-energy trauma keep an order out of scope despite a red flag"; the safe reading,
    docs/pathway-facts.md "Ninth pass: scope, qualifying diagnoses and region"). A risk factor alone (drug
    use, a cancer elsewhere) is not: without a qualifying diagnosis there is no spine complaint to rate."""
    if facts.red_flags.keys() & SCOPE_RED_FLAGS:
        return True
    return any(e.finding is Finding.SPINAL_INFECTION for e in facts.red_flags.get(RedFlag.INFECTION, ()))


# --- values --------------------------------------------------------------------------------------------


def plus_days(day: date | None, days: int) -> date | None:
    return day + timedelta(days=days) if day is not None else None


def base_values(case: Case) -> dict[str, CardValue]:
    """Placeholders every order card may use (cards/*.toml); app/render words them (cards/labels.toml).
    From a lower bound of the onset the days and the onset say so ("100 or more days", "on or before
    2025-12-01"): PATHWAY.md §5 "a fact read as a lower bound says so"."""
    return {
        "region": case.region,
        "study": Study(case.order.modality),
        "order": Study(case.order.modality, case.order.contrast),
        "days": case.days_at_least if case.exact_days is not None else bounded_days(case.facts),
        "threshold": Period(case.six_weeks),
        "onset_date": onset_value(case.facts),
        "eligible_date": plus_days(case.facts.onset, case.six_weeks),
    }


def bounded_days(facts: Facts) -> AtLeast | None:
    return AtLeast(facts.duration_days) if facts.duration_days is not None else None


def onset_value(facts: Facts) -> date | OnOrBefore | None:
    """The onset a card names: the day, or the day symptoms began on or before (a lower bound)."""
    if facts.onset is None or facts.onset_verified:
        return facts.onset
    return OnOrBefore(facts.onset)


def latest(items: Iterable[Evidence]) -> Evidence | None:
    return max(items, key=Evidence.sort_key, default=None)


def data_needed(facts: Facts) -> tuple[Advice, ...]:
    """The ``SpineDataNeeded`` card naming every data category that could not be read (docs/pathway.md).
    Another patient's records set aside (invariant 7) are no missing data once this patient's were read
    (fetched again from the FHIR server): the card then says only that they were set aside — "advice
    incomplete … no defer is built on missing data" beside a defer built on complete data contradicted it."""
    if not facts.unavailable:
        return ()
    missing = facts.unavailable - {ChartCategory.OTHER_PATIENT}
    if not missing:
        return (Advice("data-needed", Topic.DATA_NEEDED, Indicator.INFO, "other_patient_set_aside"),)
    return (Advice("data-needed", Topic.DATA_NEEDED, Indicator.INFO, "data_needed", {"missing": missing}),)

"""Values that flow through the pure pathway: facts in, a decision out (PATHWAY.md §2, §4, §5).

These types are the contract between ``facts.py`` (chart → Facts), ``decide.py`` (Facts → Decision)
and the card renderer (Decision → CDS Hooks cards). Every fact keeps its evidence (resource reference
and date) so a card can cite it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import field
from datetime import date
from enum import StrEnum
from typing import TypeAlias

from app.chart.model import ChartCategory
from app.immutable import immutable
from app.terminology.coding import Coding

# One enum per concept, owned by the terminology (the value sets name them); re-exported for the pathway.
from app.terminology.valuesets import Contrast as Contrast
from app.terminology.valuesets import Modality as Modality
from app.terminology.valuesets import Region as Region


class Indicator(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Rating(StrEnum):
    """Argonaut PAMA rating codes; a Decision with ``rating=None`` means "cannot be determined"."""

    APPROPRIATE = "appropriate"
    NOT_APPROPRIATE = "not-appropriate"
    NO_CRITERIA_APPLY = "no-criteria-apply"


class Topic(StrEnum):
    """PATHWAY.md §5: fixed alphanumeric topic codes, one per kind of advice (EHR overrides key on it)."""

    RED_FLAG = "SpineRedFlag"
    DEFER_IMAGING = "SpineDeferImaging"
    REPEAT_IMAGING = "SpineRepeatImaging"
    MODALITY = "SpineModality"
    CONTRAST = "SpineContrast"
    IMAGING_APPROPRIATE = "SpineImagingAppropriate"
    DATA_NEEDED = "SpineDataNeeded"
    REFERRAL = "SpineReferral"
    PATHWAY_SUMMARY = "SpinePathwaySummary"


class RedFlag(StrEnum):
    """PATHWAY.md §3 classes."""

    CES = "ces"
    MOTOR = "motor"
    MYELOPATHY = "myelopathy"
    INFECTION = "infection"
    MALIGNANCY_MAJOR = "malignancy_major"
    MALIGNANCY_WEAK = "malignancy_weak"
    FRACTURE_RISK = "fracture_risk"


# PATHWAY.md §1 v2 "red flag first": these classes bring an order into scope without a qualifying diagnosis.
SCOPE_RED_FLAGS = frozenset({RedFlag.CES, RedFlag.MOTOR, RedFlag.MYELOPATHY})

# Safety invariant 1: these classes make the decision card critical and forbid "defer".
SERIOUS_RED_FLAGS = frozenset({RedFlag.CES, RedFlag.MOTOR, RedFlag.MYELOPATHY, RedFlag.INFECTION})


class SuggestionKind(StrEnum):
    """One-click suggestions of PATHWAY.md §5; each renders to exactly one action."""

    DELETE_ORDER = "delete-order"
    CREATE_PT_REFERRAL = "create-pt-referral"
    REPLACE_WITH_MRI_WITHOUT = "replace-with-mri-without"
    SWAP_TO_WITHOUT_CONTRAST = "swap-to-without-contrast"
    SWAP_TO_WITHOUT_AND_WITH_CONTRAST = "swap-to-without-and-with-contrast"
    CREATE_EMERGENCY_SPINE_REFERRAL = "create-emergency-spine-referral"
    CREATE_URGENT_SPINE_REFERRAL = "create-urgent-spine-referral"
    CREATE_ROUTINE_SPINE_REFERRAL = "create-routine-spine-referral"


# The draft order as each one-click update leaves it: decide rates that order, render writes its code.
ORDER_UPDATES: Mapping[SuggestionKind, tuple[Modality, Contrast]] = {
    SuggestionKind.REPLACE_WITH_MRI_WITHOUT: (Modality.MRI, Contrast.WITHOUT),
    SuggestionKind.SWAP_TO_WITHOUT_CONTRAST: (Modality.MRI, Contrast.WITHOUT),
    SuggestionKind.SWAP_TO_WITHOUT_AND_WITH_CONTRAST: (Modality.MRI, Contrast.WITHOUT_AND_WITH),
}


class Finding(StrEnum):
    """What a piece of evidence found: a value-set concept (its key, app/terminology/data) or a measurement.
    ``cards/labels.toml [evidence.findings]`` words each one (STYLE.md habit 6)."""

    RADICULOPATHY_LUMBAR = "radiculopathy_lumbar"
    RADICULOPATHY_CERVICAL = "radiculopathy_cervical"
    RADICULOPATHY_THORACIC = "radiculopathy_thoracic"
    BACK_PAIN = "back_pain"
    NECK_PAIN = "neck_pain"
    THORACIC_PAIN = "thoracic_pain"
    SPINE_PAIN_UNSPECIFIED = "spine_pain_unspecified"  # radiculopathy or back pain, region not given
    CES = "ces"
    CES_IF_NEW = "ces_if_new"
    MOTOR_DEFICIT = "motor_deficit"
    MYELOPATHY = "myelopathy"
    ABNORMAL_REFLEX = "abnormal_reflex"
    GAIT_DISTURBANCE = "gait_disturbance"
    SPINAL_INFECTION = "spinal_infection"
    IVDU = "ivdu"
    IMMUNOSUPPRESSION = "immunosuppression"
    LONG_TERM_STEROIDS = "long_term_steroids"
    FEVER = "fever"
    INFECTION_RISK_FACTOR = "infection_risk_factor"
    CANCER_ACTIVE = "cancer_active"
    CANCER_HISTORY = "cancer_history"
    NEOPLASM_UNCERTAIN = "neoplasm_uncertain"
    CANCER_TREATMENT = "cancer_treatment"  # a cancer drug or radiotherapy/chemotherapy (facts_cancer)
    CANCER_STAGING = "cancer_staging"  # a staging or breast cancer specimen Observation (facts_cancer)
    ONCOLOGY_CARE = "oncology_care"  # an oncology visit or referral (facts_oncology)
    WEIGHT_LOSS = "weight_loss"
    OSTEOPOROSIS = "osteoporosis"
    VERTEBRAL_FRACTURE = "vertebral_fracture"
    LOW_VELOCITY_TRAUMA = "low_velocity_trauma"
    HIGH_ENERGY_TRAUMA = "high_energy_trauma"
    PRIOR_SPINE_SURGERY = "prior_spine_surgery"
    MRI_CONTRAINDICATION = "mri_contraindication"  # R13/R14: an implanted device or magnetic metal
    OPLL = "opll"  # R13: ossification of the posterior longitudinal ligament, which CT shows
    PHYSICAL_THERAPY = "physical_therapy"
    CHIROPRACTIC = "chiropractic"
    OSTEOPATHIC_MANIPULATION = "osteopathic_manipulation"
    EPIDURAL_INJECTION = "epidural_injection"
    CONSERVATIVE_MEDICATION = "conservative_medication"
    SPINE_SPECIALTY = "spine_specialty"
    SPINE_IMAGING = "spine_imaging"
    # Measurements (``Evidence.value``) and facts no single code states.
    TEMPERATURE = "temperature"  # °C
    AGE = "age"  # whole years, over 50 (§3 malignancy weak)
    ESR = "esr"  # mm/h
    CRP = "crp"  # mg/L
    MUSCLE_STRENGTH = "muscle_strength"  # MRC grade 0-5, quarter grades for "4+"/"4-"
    SPINAL_PROCEDURE = "spinal_procedure"  # within SPINAL_PROCEDURE_DAYS (R7 risk factor)
    DXA_T_SCORE = "dxa_t_score"  # a T-score of -2.5 or lower: osteoporosis (facts_fracture)
    FRAX = "frax"  # a FRAX 10-year probability at a treatment threshold: osteoporosis (facts_fracture_rows)
    OSTEOPOROSIS_DRUG = "osteoporosis_drug"  # a bisphosphonate or denosumab (facts_fracture)
    # How long the symptoms have lasted as a row or the order's reason states it (``Evidence.text``: the
    # chart's words, "3 mo"): shown where it made a written onset a lower bound (facts_duration).
    SYMPTOM_DURATION = "symptom_duration"


class State(StrEnum):
    """What the record adds to its finding; ``cards/labels.toml [evidence.states]`` words each one."""

    FOUND = "found"
    RESOLVED = "resolved"
    RESOLVED_ON = "resolved_on"  # ``Evidence.when`` is the abatement date
    DATE_NOT_RECORDED = "date_not_recorded"  # a serious finding the card must not present as dated
    FLAGGED = "flagged"  # a temperature or marker with no number, flagged high by its interpretation
    OBSERVATION = "observation"  # a qualifying finding recorded as an Observation
    ORDER_REASON = "order_reason"  # read from the order's reasons
    VISIT_REASON = "visit_reason"  # a qualifying diagnosis read from a visit's reasonCode
    VISIT_CARRIED = "visit_carried"  # a diagnosis a visit carried (its diagnosis or reasonReference)
    RECORD_REASON = "record_reason"  # a diagnosis stated as a referral's, drug's or procedure's reason
    RECORDED_EARLIER = "recorded_earlier"  # a diagnosis recorded or asserted before its written onset
    PLANNED = "planned"  # a planned injection (candidate)
    VISIT = "visit"  # a therapy visit (conservative care)
    REFERRAL_VISITED = "referral_visited"  # a therapy referral a finished visit carried out
    REFERRAL_NO_VISIT = "referral_no_visit"  # a therapy referral old enough, no visit on record
    NEW = "new"  # a new MRC grade <= 3
    FELL = "fell"  # an MRC grade fell from ``Evidence.before`` (serious)
    FELL_MILD = "fell_mild"  # one grade above 3: new mild weakness (info)


EvidenceKey: TypeAlias = tuple[date, str, str, str, str, str, float, float, date, str, str]


@immutable
class Evidence:
    """One fact's provenance: what was found, where (``Condition/123``), and when — as values.

    A card words it (app/render/evidence.py, cards/labels.toml [evidence]): the finding, the chart's own
    ``name`` of a coded finding (its display), the record's ``text`` (a drug's name, an exam's text), a
    measured ``value`` (and the ``before`` value it fell from), and the record's ``state`` (``when``:
    the day it was resolved on).
    """

    finding: Finding
    reference: str | None
    on: date | None
    coding: Coding | None = None
    state: State = State.FOUND
    name: str | None = None
    text: str | None = None
    value: float | None = None
    before: float | None = None
    when: date | None = None

    def sort_key(self) -> EvidenceKey:
        """Date, reference, then every value: a total order, so bundle order never shows (invariant 4).
        A card lists evidence in its own order (by its words, app/render/evidence.py)."""
        system, code = (self.coding.system, self.coding.code) if self.coding is not None else ("", "")
        values = (self.finding, self.state, self.name or "", self.text or "")
        numbers = (_number(self.value), _number(self.before), self.when or date.min)
        return (self.on or date.min, self.reference or "", *values, *numbers, system, code)


def _number(value: float | None) -> float:
    return -math.inf if value is None else value


@immutable
class OrderFacts:
    """The imaging order being rated (a draft ServiceRequest), classified by the spine-imaging value set."""

    reference: str | None
    region: Region | None
    modality: Modality | None
    contrast: Contrast | None
    coding: Coding | None
    order_date: date
    order_date_from_order: bool
    reason_codings: tuple[Coding, ...] = ()
    reason_references: tuple[str, ...] = ()
    reason_texts: tuple[str, ...] = ()  # its reasons in words ("r/o cauda equina"): read by facts_named
    region_disputed: bool = False  # its code, name and bodySite name different regions (facts.py)


@immutable
class Facts:
    """PATHWAY.md §2 facts for one patient and one order date. ``None`` means *unknown*, never *absent*."""

    order_date: date
    region: Region | None
    age_years: int | None
    qualifying: tuple[Evidence, ...]
    onset: date | None
    onset_verified: bool
    onset_evidence: Evidence | None
    duration_days: int | None
    conservative_care: tuple[Evidence, ...]
    candidate: tuple[Evidence, ...]
    red_flags: Mapping[RedFlag, tuple[Evidence, ...]]
    prior_imaging: tuple[Evidence, ...]
    prior_surgery: tuple[Evidence, ...]
    surgery_since_prior_imaging: bool = False
    # R13/R14 (facts_modality): a contraindication to MRI on record, and an OPLL of the region.
    mri_contraindications: tuple[Evidence, ...] = ()
    opll: tuple[Evidence, ...] = ()
    high_energy_trauma: bool = False
    pain_score: float | None = None
    # R7b (v2): ESR/CRP raised with neither an infection risk factor nor a weak malignancy flag.
    raised_markers: tuple[Evidence, ...] = ()
    # §3 v2 motor: a single one-grade fall above MRC 3 (e.g. 5 → 4) is only an info-level finding.
    mild_weakness: tuple[Evidence, ...] = ()
    # The current episode's diagnoses in the region (§2 episode): what a card names as "Diagnosis";
    # ``qualifying`` (every era and region) decides scope only.
    episode_diagnoses: tuple[Evidence, ...] = ()
    # R20: the cord levels the myelopathy codes name (facts_cord; myelopathy.json attribute ``region``).
    cord_regions: frozenset[Region] = field(default_factory=frozenset)
    skipped_resources: int = 0
    unavailable: frozenset[ChartCategory] = field(default_factory=frozenset)
    # An exact onset the chart wrote for this episode that is not the onset (``onset_verified`` False), and
    # the record that says the episode may have begun earlier: a visit, a referral or symptom row of an
    # earlier day, a stated duration (docs/pathway-facts.md "Eleventh pass: onset"). A card names both.
    onset_written: date | None = None
    onset_doubt: Evidence | None = None
    onset_vague: bool = False  # an onset was written for the episode's first diagnosis, but not as a day

    @property
    def serious_red_flags(self) -> frozenset[RedFlag]:
        return frozenset(flag for flag in self.red_flags if flag in SERIOUS_RED_FLAGS)


class Note(StrEnum):
    """A card value that is neither a date nor a count; ``cards/labels.toml [notes]`` words each one."""

    NOW_RED_FLAG = "now_red_flag"  # imaging is indicated now, whatever the day (R5-R8)
    RECORD_ONSET = "record_onset"  # the day cannot be known until the onset is recorded (R27)
    NO_CRITERIA = "no_criteria"  # thoracic, no red flag: the pathway has no criteria to date MRI by (§1 v2)
    # patient-view summary, as the order hooks rate an MRI today (decide_patient._mri_date):
    NOW_RAISED_MARKERS = "now_raised_markers"  # R7b
    NOW_PRIOR_SURGERY = "now_prior_surgery"  # R11/R21
    NOW_FRACTURE_RISK = "now_fracture_risk"  # R10: radiographs first, MRI acceptable
    SCREEN_INCOMPLETE = "screen_incomplete"  # a red-flag source could not be read: no date is given
    NO_REPEAT = "no_repeat"  # R12: an MRI of this episode within the repeat window
    CARE_FIRST = "care_first"  # R3a: six weeks passed, no conservative care yet


@immutable
class Study:
    """An imaging study as a card names it: modality and contrast (``None``: not stated)."""

    modality: Modality | None
    contrast: Contrast | None = None


@immutable
class Period:
    """A policy threshold in days (PATHWAY.md §2 "six weeks means D ≥ 42"); a card says whole weeks."""

    days: int


@immutable
class AtLeast:
    """A number of days known only as a lower bound (the onset is not documented, PATHWAY.md §2)."""

    days: int


@immutable
class OnOrBefore:
    """A day known only as a lower bound of the onset: symptoms began on or before it (PATHWAY.md §2)."""

    day: date


# What a card placeholder is filled from: values, never words (STYLE.md habit 6) — no plain ``str``, so the
# pathway cannot hand a card a phrase. app/render words each kind with cards/labels.toml; ``None`` is "not
# known", worded per placeholder there; evidence by its finding, state and values, and a set of
# ``ChartCategory`` (Facts.unavailable) by cards/labels.toml [categories].
CardValue: TypeAlias = (
    int | float | date | Region | Study | Period | AtLeast | OnOrBefore | Note | frozenset[ChartCategory]
    | tuple[Evidence, ...] | None
)


@immutable
class Advice:
    """One card the renderer must produce.

    ``content`` names the card content in ``cards/`` (summary/detail templates); ``values`` fills its
    placeholders with typed values the renderer words (cards/labels.toml). The decision chooses the words
    by key, never writes them (STYLE.md habit 6).
    """

    rule: str
    topic: Topic
    indicator: Indicator
    content: str
    values: Mapping[str, CardValue] = field(default_factory=dict)
    suggestions: tuple[SuggestionKind, ...] = ()


@immutable
class Decision:
    """The outcome for one order (or, for patient-view, for the patient with ``order=None``)."""

    order: OrderFacts | None
    facts: Facts
    rating: Rating | None
    rules: tuple[str, ...]
    advices: tuple[Advice, ...]
    auc_variant: str | None = None
    # The rating the order would get after each one-click update (swap contrast, CT → MRI): Argonaut PAMA
    # alternatives carry a rating, and the sandbox needs one on every ServiceRequest update. A kind
    # missing here could not be rated, so the renderer offers no one-click update for it.
    alternative_ratings: Mapping[SuggestionKind, Rating] = field(default_factory=dict)

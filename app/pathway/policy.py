"""Site-configurable thresholds of the pathway: every value PATHWAY.md marks *policy*, with its default.

One frozen object, passed into the pure engine; settings (and later a policy file) build it. Nothing in
the engine reads the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CervicalEarlyMri(StrEnum):
    """PATHWAY.md R19: how to answer a cervical MRI before six weeks without red flags."""

    ADVISE = "advise"
    DEFER = "defer"


@dataclass(frozen=True, slots=True)
class Policy:
    version: str = "default-1"
    conservative_care_days: int = 42          # R1: six weeks means D >= 42
    prior_imaging_lookback_days: int = 365    # R12: 12 months
    episode_gap_days: int = 180               # §2 episode
    fever_window_days: int = 7                # §2 red flags (temperature >= 38.0 °C)
    fever_threshold_celsius: float = 38.0
    minimum_age_years: int = 18               # §1 out of scope below
    long_term_steroid_days: int = 90          # §3 infection / fracture risk
    weak_flag_radiograph_days: int = 28       # R9: radiographs from D >= 28
    cervical_early_mri: CervicalEarlyMri = CervicalEarlyMri.ADVISE   # R19
    show_appropriate_card: bool = False       # R2/R23 card optional
    referral_after_days: int = 84             # R24: 12 weeks
    disabling_pain_referral: bool = False     # R24 policy hook (pain >= 9/10), off by default
    disabling_pain_threshold: float = 9.0
    redflag_resolved_window_days: int = 30    # §2 v2: a resolved serious red flag still counts this long
    care_referral_min_days: int = 14          # §2 v2: a therapy referral counts as care from 14 days

"""Site-configurable thresholds of the pathway: every value PATHWAY.md marks *policy*, with its default.

The one definition of the site policy: each value, its default and its bounds are declared here once.
The bounds are plain ``annotated_types`` metadata (no validation library in the pure pathway); the
settings (``SPINE_CDS_POLICY__<NAME>``) and the site policy file (``app.policyfile``) validate against
this very class with pydantic and hand the engine the frozen object. Nothing here reads the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from annotated_types import Interval


class CervicalEarlyMri(StrEnum):
    """PATHWAY.md R19: how to answer a cervical MRI before six weeks without red flags."""

    ADVISE = "advise"
    DEFER = "defer"


def _days(low: int, high: int) -> Interval:
    return Interval(ge=low, le=high)


@dataclass(frozen=True, slots=True)
class Policy:
    version: str = "default-1"
    conservative_care_days: Annotated[int, _days(1, 365)] = 42           # R1: six weeks means D >= 42
    prior_imaging_lookback_days: Annotated[int, _days(1, 3650)] = 365    # R12: 12 months
    episode_gap_days: Annotated[int, _days(1, 3650)] = 180               # §2 episode
    fever_window_days: Annotated[int, _days(1, 90)] = 7                  # §2 red flags (>= 38.0 °C)
    fever_threshold_celsius: Annotated[float, Interval(ge=36.0, le=42.0)] = 38.0
    minimum_age_years: Annotated[int, Interval(ge=0, le=120)] = 18       # §1 out of scope below
    long_term_steroid_days: Annotated[int, _days(1, 3650)] = 90          # §3 infection / fracture risk
    weak_flag_radiograph_days: Annotated[int, _days(0, 365)] = 28        # R9: radiographs from D >= 28
    cervical_early_mri: CervicalEarlyMri = CervicalEarlyMri.ADVISE       # R19
    show_appropriate_card: bool = False                                  # R2/R23 card optional
    referral_after_days: Annotated[int, _days(1, 3650)] = 84             # R24: 12 weeks
    disabling_pain_referral: bool = False      # R24 policy hook (pain >= 9/10), off by default
    disabling_pain_threshold: Annotated[float, Interval(ge=0, le=10)] = 9.0
    redflag_resolved_window_days: Annotated[int, _days(1, 365)] = 30     # §2 v2: resolved flag counts
    care_referral_min_days: Annotated[int, _days(0, 365)] = 14           # §2 v2: therapy referral as care

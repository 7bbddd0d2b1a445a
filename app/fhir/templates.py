"""Prefetch templates (CONTRACT.md P1-P3): relative FHIR R4 searches in the spec's query subset.

Only ``{{context.patientId}}`` is used as a token (P2). No date tokens (P11 is not 2.0.1): date windows
are computed in the service. ``_count`` is sized for a real chart; larger results are completed by
following ``next`` links. Why each search is filtered the way it is (docs/fhir-access.md):

* ``observations`` — by code: the labs and vitals the pathway reads by value (§6.3, hs-CRP), LOINC
  75325-1 "Symptom", whose SNOMED CT value is a finding, and every SNOMED CT finding of the red-flag
  value sets (``FINDING_VALUE_SETS``): an Observation whose code *is* the finding (267064002 retention
  of urine) counts in any category or none (PATHWAY.md §2 "Where a finding is read"), so it is fetched
  whatever its category. A Synthea-sized chart holds thousands of vitals we would only discard; Epic
  refuses an Observation search without ``code`` or ``category``.
* ``findings`` — by category: exam, survey and social-history Observations, whatever their code (local
  flowsheet rows, motor grades, structured CES screens, drug use). Vital signs and laboratory results,
  the bulk of a chart, stay out; the ones we read come by code above.
* ``diagnosticreports`` — by code: the spine imaging codes of §6.4 and CODES.md §1d (bare codes, any
  system, to keep the URL short; matching is by system and code afterwards). No category
  (CODES.md recommendation 10).
* ``encounters``, ``medicationstatements`` — unfiltered, paged: no code a server could filter on says
  "physical therapy visit" (CODES.md §1e is read from type and serviceType after the fetch).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from app.chart.model import ChartCategory
from app.terminology import load_value_sets

_PATIENT = "{{context.patientId}}"
_LOINC = "http://loinc.org"
_SNOMED = "http://snomed.info/sct"
# Value sets of the measurements the pathway reads (temperature, pain score, ESR, CRP, WBC, a blood culture's
# organism, a cancer's stage, a DXA T-score, how long the symptoms have lasted and since when), by LOINC code;
# then LOINC 75325-1 "Symptom", the code under which a SNOMED CT finding is recorded as the value.
MEASURED_VALUE_SETS = (
    "body_temperature", "pain_score", "esr", "crp", "wbc", "blood_culture", "cancer_staging", "dxa_t_score",
    "symptom_duration", "symptom_onset_date",
)
_SYMPTOM = "75325-1"
# US Core / R4 observation-category codes, system left out: Epic and others use their own category systems.
_FINDING_CATEGORIES = "exam,survey,social-history"
# Value sets whose codes a DiagnosticReport may carry to count as prior spine imaging (PATHWAY.md §2).
REPORT_VALUE_SETS = ("spine_imaging", "spine_imaging_every_region")
# Value sets the pathway reads from an Observation's code or value (PATHWAY.md §2 v2, §3): every
# red-flag concept of app.pathway.facts_flags.TRIGGERS, the infection risk factors of facts_markers, and
# the contraindication to MRI and OPLL of facts_modality (R13, R14) (a unit test keeps this list and those
# in step; app.fhir may not import the pathway).
FINDING_VALUE_SETS = (
    "ces", "ces_if_new", "motor_deficit", "myelopathy", "abnormal_reflex", "gait_disturbance",
    "spinal_infection", "ivdu", "immunosuppression", "long_term_steroids", "fever", "infection_risk_factor",
    "cancer_active", "cancer_history", "neoplasm_uncertain", "weight_loss", "osteoporosis",
    "vertebral_fracture", "low_velocity_trauma", "high_energy_trauma", "mri_contraindication", "opll",
)


# The ``search`` attribute values of a member the Observation search leaves out (``_codes``).
_UNSEARCHED = frozenset({"condition", "no"})
# Read once, at import, for both code lists below (the templates are constants).
_VALUE_SETS = load_value_sets()


def _codes(value_sets: tuple[str, ...], system: str | None = None) -> tuple[str, ...]:
    """Every code of ``value_sets`` (of ``system`` only, when given), once, in file order — but for a code
    marked ``search`` (``_UNSEARCHED``), read when it is sent but not searched for, as the URL has a budget:
    ``condition``, a diagnosis charted as a Condition (fetched unfiltered; the osteoporosis kinds of the
    eCQM value set, whose root 64859006 is searched); ``no``, a rarer variant of a searched code (the
    forearm DXA T-score of one side)."""
    members = (m for name in value_sets for m in _VALUE_SETS.get(name).members
               if m.attributes.get("search") not in _UNSEARCHED)
    return tuple(dict.fromkeys(m.coding.code for m in members if system is None or m.coding.system == system))


def _report_codes() -> str:
    """Every code of ``REPORT_VALUE_SETS`` as bare codes."""
    return ",".join(_codes(REPORT_VALUE_SETS))


def _observation_codes() -> str:
    """The measured LOINC codes, then the SNOMED CT codes of the measured value sets (a body temperature
    coded 386725007) and the SNOMED CT findings of ``FINDING_VALUE_SETS``, bare (about 1 KB).

    SNOMED CT only: an ICD-10-CM code is a diagnosis, charted as a Condition; its headers (M21.37 for
    M21.371) and ranges (C00-C96) could not be searched anyway, as a FHIR token matches whole codes."""
    measured = (*_codes(MEASURED_VALUE_SETS, _LOINC), _SYMPTOM)
    return ",".join(dict.fromkeys((*measured, *_codes((*MEASURED_VALUE_SETS, *FINDING_VALUE_SETS), _SNOMED))))


PREFETCH_TEMPLATES = MappingProxyType({
    "patient": f"Patient/{_PATIENT}",
    "conditions": f"Condition?patient={_PATIENT}&_count=250",
    "observations": f"Observation?patient={_PATIENT}&code={_observation_codes()}&_count=250",
    "findings": f"Observation?patient={_PATIENT}&category={_FINDING_CATEGORIES}&_count=250",
    "procedures": f"Procedure?patient={_PATIENT}&_count=250",
    "medications": f"MedicationRequest?patient={_PATIENT}&_count=250",
    "medicationstatements": f"MedicationStatement?patient={_PATIENT}&_count=250",
    "encounters": f"Encounter?patient={_PATIENT}&_count=250",
    "imaging": f"ImagingStudy?patient={_PATIENT}&_count=100",
    "diagnosticreports": f"DiagnosticReport?patient={_PATIENT}&code={_report_codes()}&_count=100",
    "servicerequests": f"ServiceRequest?patient={_PATIENT}&_count=100",
})

# Keys without which no decision is possible: their absence (no prefetch, no FHIR access) is a 412 (P9).
REQUIRED_KEYS = frozenset({"patient", "conditions"})

# The chart category each key fills, as named in Chart.unavailable (worded on "could not check" cards).
KEY_CATEGORIES: Mapping[str, ChartCategory] = MappingProxyType({
    "patient": ChartCategory.PATIENT,
    "conditions": ChartCategory.CONDITIONS,
    "observations": ChartCategory.OBSERVATIONS,
    "findings": ChartCategory.OBSERVATIONS,
    "procedures": ChartCategory.PROCEDURES,
    "medications": ChartCategory.MEDICATIONS,
    "medicationstatements": ChartCategory.MEDICATIONS,
    "encounters": ChartCategory.VISITS,
    "imaging": ChartCategory.IMAGING,
    "diagnosticreports": ChartCategory.REPORTS,
    "servicerequests": ChartCategory.ORDERS,
})
# Named in Chart.unavailable when resources of another patient were set aside (PATHWAY.md invariant 7).
OTHER_PATIENT = ChartCategory.OTHER_PATIENT


def fill_template(template: str, context: dict[str, str]) -> str:
    """Replace ``{{context.X}}`` tokens; a template whose token has no value raises KeyError."""
    result = template
    for name, value in context.items():
        result = result.replace("{{context." + name + "}}", value)
    if "{{" in result:
        raise KeyError(f"unfilled prefetch token in {template!r}")
    return result

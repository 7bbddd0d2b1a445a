"""Red flags recorded as Conditions the way problem lists keep them (PATHWAY.md §2 "Status of red-flag
Conditions", §3): each shape below was once read as nothing, and a 19-day lumbar radiculopathy with it was
deferred (R1). ``raw_decision.decide`` adds the resource to that chart and decides a lumbar MRI ordered on
2026-03-11; the controls beside each shape are what must stay as it was.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import RedFlag
from app.terminology import ICD10CM, LOINC, SNOMED

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
OLD_ONSET = "2025-01-15"  # 420 days before the order: older than any "new" window (episode_gap_days)


def problem(system: str, code: str, status: str | None = "active", **dates: Any) -> dict[str, Any]:
    status_field = {"clinicalStatus": coded(CLINICAL, status)} if status is not None else {}
    return {"resourceType": "Condition", "id": "c1", "code": coded(system, code), **status_field, **dates}


@pytest.mark.parametrize("concept", [
    problem(ICD10CM, "G83.4", onsetDateTime=OLD_ONSET),
    problem(ICD10CM, "g834", status=None, recordedDate=OLD_ONSET),  # no status: active; dated by its record
    problem(SNOMED, "192970008", onsetDateTime=OLD_ONSET),
    problem(SNOMED, "782388003", onsetDateTime=OLD_ONSET),  # incomplete cauda equina syndrome
    problem(SNOMED, "16846261000119106", onsetDateTime=OLD_ONSET),  # compression of cauda equina
])
def test_an_active_cauda_equina_syndrome_begun_long_ago_is_still_an_emergency(
    concept: dict[str, Any]
) -> None:
    """§3 names G83.4 without "new", and §2 keeps even a *resolved* one for 30 days: an active cauda equina
    syndrome counts whatever its onset, as an active foot drop or myelopathy does (invariant 1); a known,
    stable one is what the override ``redflag-chronic-baseline`` is for."""
    decision = decide(concept)

    assert RedFlag.CES in decision.facts.red_flags
    assert decision.rules[0] == "R5"


@pytest.mark.parametrize("concept", [
    problem(ICD10CM, "R33.9", onsetDateTime=OLD_ONSET),  # retention: a CES sign only when new (§3)
    problem(ICD10CM, "G83.4", status="resolved", onsetDateTime=OLD_ONSET, abatementDateTime="2025-02-01"),
])
def test_an_old_retention_and_a_syndrome_resolved_long_ago_still_raise_nothing(
    concept: dict[str, Any]
) -> None:
    decision = decide(concept)

    assert RedFlag.CES not in decision.facts.red_flags
    assert decision.rules == ("R1",)


ICD10_WHO = "http://hl7.org/fhir/sid/icd-10"
ICD10_WHO_OID = "urn:oid:2.16.840.1.113883.6.3"
CRP_30 = {"resourceType": "Observation", "id": "crp", "status": "final", "code": coded(LOINC, "1988-5"),
          "effectiveDateTime": "2026-03-05", "valueQuantity": {"value": 30, "unit": "mg/L", "code": "mg/L"}}


@pytest.mark.parametrize("system", [ICD10_WHO, ICD10_WHO_OID])
@pytest.mark.parametrize(("code", "rule"), [
    ("B24", "R7"),  # unspecified HIV disease: ICD-10-CM B20 (immunosuppression, §3 infection)
    ("B22.7", "R7"),  # HIV disease resulting in multiple diseases classified elsewhere
    ("C97", "R8"),  # malignant neoplasms of independent (primary) multiple sites (§3 malignancy major)
])
def test_a_who_only_icd10_category_raises_its_red_flag(system: str, code: str, rule: str) -> None:
    """ICD-10 (WHO) codes are read as ICD-10-CM, whose categories they share — except where WHO has a
    category ICD-10-CM lacks: HIV disease is B20-B24 in WHO (B20 alone in ICD-10-CM), C97 exists only in
    WHO. Those categories cannot mean anything else under ICD-10-CM."""
    decision = decide(problem(system, code, onsetDateTime="2025-06-01"))

    assert decision.rules[0] == rule


@pytest.mark.parametrize("system", [ICD10_WHO, ICD10_WHO_OID])
def test_who_unspecified_diabetes_with_a_raised_crp_is_an_infection_risk(system: str) -> None:
    """§3 infection: diabetes with CRP > 10 mg/L within 14 days. Diabetes is E10-E14 in ICD-10 (WHO), E14
    unspecified diabetes mellitus having no ICD-10-CM code; alone it is nothing (R1)."""
    diabetes = problem(system, "E14.9", onsetDateTime="2020-06-01")

    assert decide(diabetes, CRP_30).rules[0] == "R7"
    assert decide(diabetes).rules == ("R1",)


@pytest.mark.parametrize("code", ["M51.04", "M51.05", "M51.06"])
def test_a_disc_disorder_with_myelopathy_below_the_neck_is_myelopathy(code: str) -> None:
    """§3 myelopathy lists M50.0x, the cervical disc disorder with myelopathy; M51.0x is the same diagnosis
    at the thoracic, thoracolumbar and lumbar levels (SNOMED CT 34139004 already counts): R20, which on a
    lumbar order suggests imaging the cord, never R1's defer."""
    decision = decide(problem(ICD10CM, code, onsetDateTime="2026-01-10"))

    assert RedFlag.MYELOPATHY in decision.facts.red_flags
    assert decision.rules[0] == "R20"


def test_tuberculosis_of_the_spine_is_a_spinal_infection() -> None:
    """§3 infection: vertebral osteomyelitis or discitis. A18.01 (Pott disease) is both, and the ICD-10-CM
    code of SNOMED CT 35984006 tuberculosis of vertebral column, which already counts: R7, not R1."""
    decision = decide(problem(ICD10CM, "A18.01", onsetDateTime="2026-01-10"))

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert decision.rules[0] == "R7"


@pytest.mark.parametrize(("code", "also"), [
    ("312444006", RedFlag.MYELOPATHY),  # spastic paraparesis
    ("60389000", RedFlag.MOTOR),  # paraplegia
])
def test_new_weakness_of_both_legs_coded_as_codes_1f_lists_it_is_a_cauda_equina_emergency(
    code: str, also: RedFlag
) -> None:
    """CODES.md §1f, the cauda equina findings PATHWAY.md §6.2 points to, lists spastic paraparesis and
    paraplegia as "leg weakness" beside spinal paraparesis: a new one is R5 (emergency), and still raises
    the class it raised before (R20, R6) beside it."""
    decision = decide(problem(SNOMED, code, onsetDateTime="2026-03-08"))

    assert {RedFlag.CES, also} <= set(decision.facts.red_flags)
    assert decision.rules[0] == "R5"


def test_paraplegia_begun_long_ago_is_a_motor_deficit_not_a_cauda_equina_emergency() -> None:
    """Leg weakness is a cauda equina sign only when new (§3); an old paraplegia still raises R6."""
    decision = decide(problem(SNOMED, "60389000", onsetDateTime=OLD_ONSET))

    assert RedFlag.CES not in decision.facts.red_flags
    assert decision.rules[0] == "R6"


@pytest.mark.parametrize("code", ["Z85.810", "Z85.818", "Z85.819"])
def test_a_history_of_head_and_neck_cancer_is_a_history_of_cancer(code: str) -> None:
    """§3 malignancy (major): a history of cancer (Z85.x), never Z85.828. Z85 is listed by its children so
    that Z85.828 stays out; Z85.81x (tongue, lip, oral cavity and pharynx) was the child left off: R8."""
    decision = decide(problem(ICD10CM, code, status="inactive", onsetDateTime="2019-04-01"))

    assert RedFlag.MALIGNANCY_MAJOR in decision.facts.red_flags
    assert decision.rules[0] == "R8"


def test_a_history_of_non_melanoma_skin_cancer_is_still_not() -> None:
    decision = decide(problem(ICD10CM, "Z85.828", status="inactive", onsetDateTime="2019-04-01"))

    assert RedFlag.MALIGNANCY_MAJOR not in decision.facts.red_flags
    assert decision.rules == ("R1",)


@pytest.mark.parametrize(("answer", "rule"), [(True, "R7"), (False, "R1")])
def test_injection_drug_use_recorded_as_a_social_history_answer(answer: bool, rule: str) -> None:
    """An HIV-screening CDS records injection-drug use as an Observation of SNOMED CT 228388006
    "intravenous drug user" with the value true (§2 v2: an Observation asserts its finding; false negates)."""
    category = coded("http://terminology.hl7.org/CodeSystem/observation-category", "social-history")
    screen = {"resourceType": "Observation", "id": "ivdu", "status": "final", "category": [category],
              "code": coded(SNOMED, "228388006"), "effectiveDateTime": "2026-02-01", "valueBoolean": answer}

    assert decide(screen).rules[0] == rule


# A sciatica on record since 1 February with no onset: the episode had certainly begun by then, and
# earlier than the exact onset of 20 February the chart also holds — so the onset is that lower bound,
# unverified (docs/pathway-facts.md §5), and the duration is unknown (R27, never a defer).
SCIATICA_SINCE = {"resourceType": "Condition", "id": "dx0", "code": coded(ICD10CM, "M54.16"),
                  "clinicalStatus": coded(CLINICAL, "active"), "recordedDate": "2026-02-01"}


@pytest.mark.parametrize("recorded", ["2026-01-25", "2025-10-01"])
def test_incontinence_recorded_before_an_unverified_onset_may_be_new(recorded: str) -> None:
    """§3: unspecified incontinence is a CES sign when new — begun in the episode. An unverified onset is
    only the day the episode had begun *by*; it may have begun earlier, so an incontinence recorded before
    it is not certainly older than the episode (a date raising concern is dropped only when certainly
    outside, docs/pathway-facts.md §1): within episode_gap_days it counts, as it would with no onset."""
    incontinence = problem(ICD10CM, "R32", status=None, recordedDate=recorded)

    decision = decide(SCIATICA_SINCE, incontinence)

    assert not decision.facts.onset_verified
    assert RedFlag.CES in decision.facts.red_flags
    assert decision.rules[0] == "R5"


def test_incontinence_older_than_any_episode_is_still_not_new() -> None:
    decision = decide(SCIATICA_SINCE, problem(ICD10CM, "R32", status=None, recordedDate="2025-06-01"))

    assert RedFlag.CES not in decision.facts.red_flags
    assert decision.rules == ("R27",)

"""Conservative care, candidate, prior MRI, prior surgery and pain score (PATHWAY.md §2, §6.4-§6.6)."""

from __future__ import annotations

from datetime import date

import pytest

from app.pathway.model import Finding, State
from app.terminology import CPT, ICD10CM, LOINC, NUCC, SNOMED

AUTHORED = "2026-03-01"


def with_sciatica(chart, onset="2026-01-10"):
    return chart.condition("M54.16", onset=onset)


# --- conservative care: medications -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "counts"), [("2026-01-05", False), ("2026-01-10", True), ("2026-01-15", True)]
)
def test_naproxen_by_product_text_counts_only_on_or_after_onset(chart, order, extract, start, counts):
    c = with_sciatica(chart).medication(text="Naproxen 500 MG Oral Tablet", start=start)

    care = extract(c, order(authored=AUTHORED)).conservative_care

    assert bool(care) is counts
    if counts:
        assert care[0].reference == "MedicationRequest/m1"
        assert care[0].coding is not None
        assert care[0].coding.code == "7258"


def test_medication_by_ingredient_code(chart, order, extract):
    c = with_sciatica(chart).medication("5640", start="2026-01-20")

    assert [e.on for e in extract(c, order(authored=AUTHORED)).conservative_care] == [date(2026, 1, 20)]


def test_medication_statement_counts(chart, order, extract):
    c = with_sciatica(chart)
    c.medication(text="gabapentin 300 MG Oral Capsule", start="2026-02-01", kind="MedicationStatement")

    assert [e.reference for e in extract(c, order(authored=AUTHORED)).conservative_care] == [
        "MedicationStatement/m1"
    ]


@pytest.mark.parametrize("status", ["entered-in-error", "cancelled", "not-taken", "draft"])
def test_void_medication_is_not_care(chart, order, extract, status):
    c = with_sciatica(chart).medication("5640", start="2026-01-20", status=status)

    assert extract(c, order(authored=AUTHORED)).conservative_care == ()


def test_medication_after_the_order_is_not_care(chart, order, extract):
    c = with_sciatica(chart).medication("5640", start="2026-03-02")

    assert extract(c, order(authored=AUTHORED), today=date(2026, 3, 5)).conservative_care == ()


def test_unrelated_medication_is_not_care(chart, order, extract):
    c = with_sciatica(chart).medication(text="Lisinopril 10 MG Oral Tablet", start="2026-01-20")

    assert extract(c, order(authored=AUTHORED)).conservative_care == ()


def test_care_window_starts_at_the_lower_bound_when_onset_is_unverified(chart, order, extract):
    c = chart.condition("M54.16", recorded="2026-01-10").medication("5640", start="2026-01-09")
    c.medication("5640", start="2026-01-11")

    care = extract(c, order(authored=AUTHORED)).conservative_care

    assert [e.reference for e in care] == ["MedicationRequest/m2"]


@pytest.mark.parametrize(("start", "counts"), [("2025-09-02", True), ("2025-09-01", False)])
def test_care_window_is_180_days_when_no_diagnosis_is_dated(chart, order, extract, start, counts):
    c = chart.medication("5640", start=start)

    facts = extract(c, order(authored=AUTHORED, reasons=[(ICD10CM, "M54.16")]))

    assert bool(facts.conservative_care) is counts


# --- conservative care: procedures and referrals ------------------------------------------------------------


def test_physical_therapy_procedure(chart, order, extract):
    c = with_sciatica(chart).procedure("97110", on="2026-02-03")

    care = extract(c, order(authored=AUTHORED)).conservative_care

    assert [(e.finding, e.state, e.reference, e.on) for e in care] == [
        (Finding.PHYSICAL_THERAPY, State.FOUND, "Procedure/p1", date(2026, 2, 3))
    ]


@pytest.mark.parametrize(("status", "on"), [("not-done", "2026-02-03"), ("completed", "2026-01-02")])
def test_pt_not_done_or_before_onset_is_not_care(chart, order, extract, status, on):
    c = with_sciatica(chart).procedure("97110", on=on, status=status)

    assert extract(c, order(authored=AUTHORED)).conservative_care == ()


def test_chiropractic_manipulation_is_care(chart, order, extract):
    c = with_sciatica(chart).procedure("98940", on="2026-02-03")

    care = extract(c, order(authored=AUTHORED)).conservative_care

    assert [e.finding for e in care] == [Finding.CHIROPRACTIC]


@pytest.mark.parametrize(("status", "counts"), [("active", True), ("completed", True), ("draft", False)])
def test_physical_therapy_referral(chart, order, extract, status, counts):
    c = with_sciatica(chart).request("308447003", SNOMED, authored="2026-01-20", status=status)

    assert bool(extract(c, order(authored=AUTHORED)).conservative_care) is counts


def test_done_epidural_injection_is_care_and_candidacy(chart, order, extract):
    c = with_sciatica(chart).procedure("64483", on="2026-02-15")

    facts = extract(c, order(authored=AUTHORED))

    assert [e.reference for e in facts.conservative_care] == ["Procedure/p1"]
    assert [e.reference for e in facts.candidate] == ["Procedure/p1"]


# --- candidate ----------------------------------------------------------------------------------------------


def test_referral_to_neurosurgery_makes_a_candidate(chart, order, extract):
    c = with_sciatica(chart).request("308482002", SNOMED, authored="2026-02-20")

    candidate = extract(c, order(authored=AUTHORED)).candidate

    assert [(e.reference, e.on) for e in candidate] == [("ServiceRequest/s1", date(2026, 2, 20))]
    assert extract(c, order(authored=AUTHORED)).conservative_care == ()


def test_referral_by_performer_type_makes_a_candidate(chart, order, extract):
    c = with_sciatica(chart)
    c.request(None, authored="2026-02-20", performer="207XS0117X", performer_system=NUCC)  # spine surgeon

    assert len(extract(c, order(authored=AUTHORED)).candidate) == 1


def test_planned_epidural_injection_makes_a_candidate(chart, order, extract):
    c = with_sciatica(chart).request("64483", CPT, authored="2026-02-20", occurrence="2026-03-20")

    candidate = extract(c, order(authored=AUTHORED)).candidate

    assert [(e.finding, e.state) for e in candidate] == [(Finding.EPIDURAL_INJECTION, State.PLANNED)]


@pytest.mark.parametrize("status", ["revoked", "entered-in-error"])
def test_revoked_referral_is_not_a_candidate(chart, order, extract, status):
    c = with_sciatica(chart).request("308482002", SNOMED, authored="2026-02-20", status=status)

    assert extract(c, order(authored=AUTHORED)).candidate == ()


def test_completed_referral_still_makes_a_candidate(chart, order, extract):
    c = with_sciatica(chart).request("308482002", SNOMED, authored="2026-02-20", status="completed")

    assert len(extract(c, order(authored=AUTHORED)).candidate) == 1


def test_referral_from_an_earlier_episode_is_not_a_candidate(chart, order, extract):
    c = with_sciatica(chart).request("308482002", SNOMED, authored="2024-02-20", status="completed")

    assert extract(c, order(authored=AUTHORED)).candidate == ()


@pytest.mark.parametrize(("status", "counts"), [("draft", True), ("active", True), ("completed", False)])
def test_undated_referral_counts_only_while_live(chart, order, extract, status, counts):
    c = with_sciatica(chart).request("308482002", SNOMED, status=status)

    assert bool(extract(c, order(authored=AUTHORED)).candidate) is counts


def test_physical_therapy_referral_is_not_a_candidate(chart, order, extract):
    c = with_sciatica(chart).request("308447003", SNOMED, authored="2026-01-20")

    assert extract(c, order(authored=AUTHORED)).candidate == ()


# --- prior imaging ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "counts"),
    [
        ("2025-05-01", True),  # 10 months before
        ("2025-03-01", True),  # exactly 365 days
        ("2025-02-28", False),  # 366 days
        ("2025-02-01", False),  # 13 months
        ("2026-03-01", False),  # the order date itself is not "before"
    ],
)
def test_prior_lumbar_mri_within_12_months(chart, order, extract, on, counts):
    c = with_sciatica(chart).imaging("72148", on=on)

    prior = extract(c, order("72148", authored=AUTHORED), today=date(2026, 3, 2)).prior_imaging

    assert bool(prior) is counts


def test_prior_imaging_evidence_cites_the_study(chart, order, extract):
    c = with_sciatica(chart).imaging("72148", on="2025-05-01")

    prior = extract(c, order("72158", authored=AUTHORED)).prior_imaging

    assert [(e.reference, e.on) for e in prior] == [("ImagingStudy/i1", date(2025, 5, 1))]


@pytest.mark.parametrize(
    ("code", "system"),
    # cervical MRI, lumbar radiograph, lumbar CT, cervical MRI by LOINC
    [("72141", CPT), ("72100", CPT), ("72131", CPT), ("30667-0", LOINC)],
)
def test_other_region_or_modality_is_not_a_prior_lumbar_mri(chart, order, extract, code, system):
    c = with_sciatica(chart).imaging(code, system, on="2025-10-01")

    assert extract(c, order("72148", authored=AUTHORED)).prior_imaging == ()


def test_prior_cervical_mri_counts_for_a_cervical_order(chart, order, extract):
    c = chart.condition("M54.12", onset="2026-01-10").imaging("72141", on="2025-10-01")

    assert len(extract(c, order("72141", authored=AUTHORED)).prior_imaging) == 1


def test_diagnostic_report_with_generic_lumbar_mr_code_counts(chart, order, extract):
    c = with_sciatica(chart).imaging("24968-0", LOINC, on="2025-10-01", kind="DiagnosticReport")

    prior = extract(c, order(authored=AUTHORED)).prior_imaging

    assert [e.reference for e in prior] == ["DiagnosticReport/i1"]


def test_imaging_study_with_only_dicom_mr_modality_has_no_region(chart, order, extract):
    c = with_sciatica(chart).imaging(None, on="2025-10-01", modalities=("MR",))

    assert extract(c, order(authored=AUTHORED)).prior_imaging == ()


@pytest.mark.parametrize("status", ["cancelled", "entered-in-error"])
def test_cancelled_study_is_not_prior_imaging(chart, order, extract, status):
    c = with_sciatica(chart).imaging("72148", on="2025-10-01", status=status)

    assert extract(c, order(authored=AUTHORED)).prior_imaging == ()


def test_patient_view_prior_imaging_uses_the_diagnosis_region(chart, extract):
    c = with_sciatica(chart).imaging("72148", on="2025-10-01")

    assert len(extract(c, today=date(2026, 3, 1)).prior_imaging) == 1


@pytest.mark.parametrize(("surgery", "since"), [("2025-11-15", True), ("2025-09-15", False)])
def test_surgery_after_the_prior_mri(chart, order, extract, surgery, since):
    c = with_sciatica(chart).imaging("72148", on="2025-10-01").procedure("63030", on=surgery)

    facts = extract(c, order(authored=AUTHORED))

    assert facts.surgery_since_prior_imaging is since
    assert [e.reference for e in facts.prior_surgery] == ["Procedure/p1"]


def test_surgery_since_needs_a_prior_mri(chart, order, extract):
    c = with_sciatica(chart).procedure("63030", on="2025-11-15")

    assert extract(c, order(authored=AUTHORED)).surgery_since_prior_imaging is False


# --- prior surgery ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["Z98.1", "M96.1"])
def test_post_surgical_status_codes_are_prior_surgery(chart, order, extract, code):
    c = chart.condition(code, recorded="2020-01-01", clinical="inactive")

    assert [e.reference for e in extract(c, order(authored=AUTHORED)).prior_surgery] == ["Condition/c1"]


@pytest.mark.parametrize("status", ["not-done", "entered-in-error", "preparation"])
def test_surgery_not_done_is_not_prior_surgery(chart, order, extract, status):
    c = chart.procedure("22612", on="2024-01-01", status=status)

    assert extract(c, order(authored=AUTHORED)).prior_surgery == ()


# --- pain score ---------------------------------------------------------------------------------------------


def test_pain_score_is_the_latest_in_the_episode(chart, order, extract):
    c = with_sciatica(chart).observation("72514-3", on="2026-02-25", value=9)
    c.observation("72514-3", on="2026-02-10", value=6)
    c.observation("72514-3", on="2026-03-02", value=3)  # after the order
    c.observation("72514-3", on="2026-02-27", value=12)  # not a 0-10 score

    assert extract(c, order(authored=AUTHORED), today=date(2026, 3, 3)).pain_score == 9


def test_no_pain_score(chart, order, extract):
    assert extract(with_sciatica(chart), order(authored=AUTHORED)).pain_score is None

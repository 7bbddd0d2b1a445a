"""PATHWAY.md §2 v2 sources of conservative care, prior imaging and prior surgery
(CODES.md recommendation 10, 11, 13).

Order authored 2026-03-01; sciatica since 2026-01-10 (D = 50) unless a test says otherwise.
"""

from __future__ import annotations

from datetime import date

import pytest

from app.pathway.model import Finding, State
from app.pathway.policy import Policy
from app.terminology import CPT, LOINC, SNOMED
from app.terminology.valuesets import SERVICE_TYPE

AUTHORED = "2026-03-01"
CERVICAL_SITE, THORACIC_SITE, LUMBAR_SITE = "122494005", "122495006", "122496007"


def with_sciatica(chart, onset="2026-01-10"):
    return chart.condition("M54.16", onset=onset)


def care_of(extract, c, order, **kwargs):
    return extract(c, order(authored=AUTHORED), **kwargs).conservative_care


# --- MedicationStatement ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "counts"),
    [
        ("active", True),
        ("completed", True),
        ("intended", False),
        ("not-taken", False),
        ("entered-in-error", False),
        ("stopped", False),
    ],
)
def test_medication_statement_counts_only_when_active_or_completed(chart, order, extract, status, counts):
    c = with_sciatica(chart).medication(
        text="Naproxen 500 MG Oral Tablet", start="2026-01-20", status=status, kind="MedicationStatement"
    )

    assert bool(care_of(extract, c, order)) is counts


def test_medication_request_statuses_are_unchanged(chart, order, extract):
    c = with_sciatica(chart).medication("5640", start="2026-01-20", status="stopped")

    assert [e.reference for e in care_of(extract, c, order)] == ["MedicationRequest/m1"]


# --- Encounter ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "system", "field", "care"),
    [
        ("65", SERVICE_TYPE, "service_type", Finding.PHYSICAL_THERAPY),
        ("52", SERVICE_TYPE, "service_type", Finding.CHIROPRACTIC),
        ("63", SERVICE_TYPE, "service_type", Finding.OSTEOPATHIC_MANIPULATION),
        ("410158009", SNOMED, "type", Finding.PHYSICAL_THERAPY),
        ("97161", CPT, "type", Finding.PHYSICAL_THERAPY),
        ("98940", CPT, "type", Finding.CHIROPRACTIC),
    ],
)
def test_therapy_visit_by_type_or_service_type_is_care(chart, order, extract, code, system, field, care):
    c = with_sciatica(chart).encounter(code, system, on="2026-02-01T09:00:00-05:00", field=field)

    found = care_of(extract, c, order)

    assert [(e.finding, e.state, e.reference) for e in found] == [(care, State.VISIT, "Encounter/e1")]


@pytest.mark.parametrize(
    ("status", "counts"),
    [
        ("finished", True),
        ("in-progress", True),
        ("arrived", False),
        ("planned", False),
        ("cancelled", False),
        ("entered-in-error", False),
    ],
)
def test_therapy_visit_counts_only_finished_or_in_progress(chart, order, extract, status, counts):
    c = with_sciatica(chart).encounter("65", on="2026-02-01", status=status)

    assert bool(care_of(extract, c, order)) is counts


@pytest.mark.parametrize(
    ("code", "system"), [("185349003", SNOMED), ("164", SERVICE_TYPE), ("181", SERVICE_TYPE)]
)
def test_other_visits_are_not_care(chart, order, extract, code, system):
    """A check-up, pain medicine (candidacy, not care) or rehabilitation medicine visit."""
    c = with_sciatica(chart).encounter(code, system, on="2026-02-01")

    assert care_of(extract, c, order) == ()


@pytest.mark.parametrize(
    ("on", "counts"), [("2026-01-05", False), (None, False), ("2026-03-02", False), ("2026-02-28", True)]
)
def test_visit_counts_only_dated_within_the_episode(chart, order, extract, on, counts):
    c = with_sciatica(chart).encounter("65", on=on)

    assert bool(care_of(extract, c, order)) is counts


# --- referrals ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("authored", "counts"), [("2026-02-15", True), ("2026-02-16", False)])
def test_referral_counts_from_14_days_old(chart, order, extract, authored, counts):
    c = with_sciatica(chart).request("308447003", SNOMED, authored=authored)

    care = care_of(extract, c, order)

    assert bool(care) is counts
    if counts:
        assert (care[0].finding, care[0].state) == (Finding.PHYSICAL_THERAPY, State.REFERRAL_NO_VISIT)
        assert care[0].on == date(2026, 2, 15)


def test_referral_age_is_policy(chart, order, extract):
    c = with_sciatica(chart).request("308447003", SNOMED, authored="2026-02-25")

    assert care_of(extract, c, order, policy=Policy(care_referral_min_days=3))


def test_fresh_referral_carried_out_by_a_finished_visit_counts(chart, order, extract):
    c = with_sciatica(chart).request("308447003", SNOMED, authored="2026-02-25")
    c.encounter(
        "185349003", SNOMED, on="2026-02-27", based_on=("https://ehr.example.org/fhir/ServiceRequest/s1",)
    )

    care = care_of(extract, c, order)

    assert [(e.finding, e.state, e.reference) for e in care] == [
        (Finding.PHYSICAL_THERAPY, State.REFERRAL_VISITED, "ServiceRequest/s1")
    ]


def test_fresh_referral_with_a_visit_not_finished_does_not_count(chart, order, extract):
    c = with_sciatica(chart).request("308447003", SNOMED, authored="2026-02-25")
    c.encounter("185349003", SNOMED, on="2026-02-27", status="planned", based_on=("ServiceRequest/s1",))

    assert care_of(extract, c, order) == ()


# --- prior imaging from DiagnosticReport ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "counts"),
    [
        ("final", True),
        ("amended", True),
        ("corrected", True),
        ("preliminary", False),
        ("registered", False),
        ("cancelled", False),
        ("entered-in-error", False),
    ],
)
def test_report_counts_only_when_released(chart, order, extract, status, counts):
    c = with_sciatica(chart).imaging(
        "30679-5", LOINC, on="2025-12-01", kind="DiagnosticReport", status=status
    )

    assert bool(extract(c, order(authored=AUTHORED)).prior_imaging) is counts


@pytest.mark.parametrize("order_code", ["72148", "72141", "72146"])
def test_whole_spine_mri_is_a_prior_mri_of_every_region(chart, order, extract, order_code):
    c = chart.condition("M54.16", onset="2026-01-10").condition("M54.12", onset="2026-01-10")
    c.imaging("30854-4", LOINC, on="2025-12-01", kind="DiagnosticReport")

    prior = extract(c, order(order_code, authored=AUTHORED)).prior_imaging

    assert [e.reference for e in prior] == ["DiagnosticReport/i1"]


def test_region_unknown_ct_or_radiograph_is_never_a_prior_mri(chart, order, extract):
    c = with_sciatica(chart).imaging("28566-8", LOINC, on="2025-12-01", kind="DiagnosticReport")
    c.imaging("28613-8", LOINC, on="2025-12-01", kind="DiagnosticReport")

    assert extract(c, order(authored=AUTHORED)).prior_imaging == ()


def test_report_of_another_region_is_not_a_prior_mri(chart, order, extract):
    c = with_sciatica(chart).imaging("30667-0", LOINC, on="2025-12-01", kind="DiagnosticReport")

    assert extract(c, order(authored=AUTHORED)).prior_imaging == ()


@pytest.mark.parametrize(
    "link",
    [
        {"identifiers": ("urn:acc|A77",)},
        {"based_on": ("ServiceRequest/mri-order",)},
        {"studies": ("ImagingStudy/i1",)},
    ],
)
def test_report_of_a_counted_study_is_the_same_examination(chart, order, extract, link):
    c = with_sciatica(chart).imaging(
        "72148", on="2025-12-01", identifiers=("urn:acc|A77",), based_on=("ServiceRequest/mri-order",)
    )
    c.imaging("30679-5", LOINC, on="2025-12-01", kind="DiagnosticReport", **link)

    assert [e.reference for e in extract(c, order(authored=AUTHORED)).prior_imaging] == ["ImagingStudy/i1"]


def test_report_counts_when_its_study_has_no_classifiable_code(chart, order, extract):
    c = with_sciatica(chart).imaging(None, on="2025-12-01", modalities=("MR",), identifiers=("urn:acc|A77",))
    c.imaging("30679-5", LOINC, on="2025-12-01", kind="DiagnosticReport", identifiers=("urn:acc|A77",))

    assert [e.reference for e in extract(c, order(authored=AUTHORED)).prior_imaging] == [
        "DiagnosticReport/i2"
    ]


def test_unrelated_report_and_study_both_count(chart, order, extract):
    c = with_sciatica(chart).imaging("72148", on="2025-10-01", identifiers=("urn:acc|A1",))
    c.imaging("30679-5", LOINC, on="2025-12-01", kind="DiagnosticReport", identifiers=("urn:acc|B2",))

    assert len(extract(c, order(authored=AUTHORED)).prior_imaging) == 2


# --- prior surgery by region -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "sites", "order_code", "counts"),
    [
        ("22551", (), "72148", False),  # cervical CPT, lumbar order
        ("22551", (), "72141", True),
        ("22612", (), "72148", True),
        ("22612", (CERVICAL_SITE,), "72148", False),  # body site first: it names cervical
        ("22551", (LUMBAR_SITE,), "72148", True),
        ("22551", (CERVICAL_SITE, THORACIC_SITE), "72146", True),  # a cervicothoracic construct: both regions
        ("22551", (CERVICAL_SITE, THORACIC_SITE), "72141", True),
        ("22551", (CERVICAL_SITE, THORACIC_SITE), "72148", False),
    ],
)
def test_surgery_counts_only_in_the_orders_region(chart, order, extract, code, sites, order_code, counts):
    c = chart.condition("M54.16", onset="2026-01-10").condition("M54.12", onset="2026-01-10")
    c.procedure(code, on="2020-05-05", sites=sites)

    surgery = extract(c, order(order_code, authored=AUTHORED)).prior_surgery

    assert bool(surgery) is counts


@pytest.mark.parametrize("code", ["Z98.1", "M96.1"])
def test_region_unknown_status_codes_count_for_every_region(chart, order, extract, code):
    c = with_sciatica(chart).condition(code, onset="2020-05-05")

    assert extract(c, order(authored=AUTHORED)).prior_surgery

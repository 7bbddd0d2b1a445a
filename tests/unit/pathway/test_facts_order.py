"""classify_order: which draft orders are ours (PATHWAY.md §1, §6.4) and what date they carry."""

from __future__ import annotations

from datetime import date

import pytest

from app.pathway.facts import classify_order
from app.pathway.model import Contrast, Modality, Region
from app.terminology import CPT, ICD10CM, LOINC, SNOMED, Coding

TODAY = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("system", "code", "region", "modality", "contrast"),
    [
        (CPT, "72148", Region.LUMBAR, Modality.MRI, Contrast.WITHOUT),
        (CPT, "72156", Region.CERVICAL, Modality.MRI, Contrast.WITHOUT_AND_WITH),
        (CPT, "72100", Region.LUMBAR, Modality.XR, None),
        (CPT, "72131", Region.LUMBAR, Modality.CT, Contrast.WITHOUT),
        (LOINC, "30679-5", Region.LUMBAR, Modality.MRI, Contrast.WITHOUT),
        (LOINC, "24938-3", Region.CERVICAL, Modality.MRI, Contrast.WITH),
        (SNOMED, "394451000119106", Region.LUMBAR, Modality.MRI, Contrast.WITHOUT),
        (SNOMED, "241645008", None, Modality.MRI, None),
        (CPT, "72265", Region.LUMBAR, Modality.MYELOGRAPHY, None),
    ],
)
def test_spine_imaging_orders_are_classified(vs, order, system, code, region, modality, contrast):
    facts = classify_order(order(code, system, authored="2026-02-20"), TODAY, vs)

    assert facts is not None
    assert (facts.region, facts.modality, facts.contrast) == (region, modality, contrast)
    assert facts.coding == Coding(system, code)
    assert facts.reference == "ServiceRequest/draft-1"


def test_chest_ct_is_not_ours(vs, order):
    assert classify_order(order("71250"), TODAY, vs) is None


def test_sandbox_empty_first_order_is_not_ours(vs, order):
    # code {"coding": [{}]} parses to no codings at all
    assert classify_order(order(None, oid=None), TODAY, vs) is None


def test_order_date_is_authored_on_when_exact(vs, order):
    facts = classify_order(order(authored="2026-02-20T16:00:00-08:00"), TODAY, vs)

    assert facts is not None
    assert facts.order_date == date(2026, 2, 20)
    assert facts.order_date_from_order is True


@pytest.mark.parametrize("authored", [None, "2026-02"])
def test_order_date_falls_back_to_today_without_an_exact_authored_on(vs, order, authored):
    facts = classify_order(order(authored=authored), TODAY, vs)

    assert facts is not None
    assert facts.order_date == TODAY
    assert facts.order_date_from_order is False


def test_reason_codes_are_carried(vs, order):
    order = order(authored="2026-02-20", reasons=[(ICD10CM, "M54.16")])
    facts = classify_order(order, TODAY, vs)

    assert facts is not None
    assert facts.reason_codings == (Coding(ICD10CM, "M54.16"),)

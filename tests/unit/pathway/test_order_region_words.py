"""The region of a draft order named only in words (PATHWAY.md §1 "the order code gives the region", §6.4;
docs/pathway-facts.md "Ninth pass: scope, qualifying diagnoses and region"): catalogue names as Epic and
Oracle Health send them. An order not read as spine imaging gets no card at all; one read without its region
is rated on the diagnoses' region, which may be another one."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide_order

from app.pathway.model import Indicator, Rating, Region
from app.terminology import ICD10CM
from app.terminology.imaging_text import imaging_from_text
from app.terminology.valuesets import Contrast, Modality

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def condition(code: str, onset: str, cid: str) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": cid, "code": coded(ICD10CM, code),
            "clinicalStatus": coded(CLINICAL, "active"), "onsetDateTime": onset}


def named(name: str) -> dict[str, Any]:
    """A draft order under an Epic procedure code, its name the only thing that says what it is."""
    coding = {"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.696580", "code": "IMG123", "display": name}
    return {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
            "code": {"coding": [coding], "text": name}, "authoredOn": "2026-03-11"}


CERVICAL_19_DAYS = condition("M54.12", "2026-02-20", "cx")  # cervical radiculopathy, the newest diagnosis
LUMBAR_100_DAYS = condition("M54.16", "2025-12-01", "lx")


@pytest.mark.parametrize("name", ["MRI LUMBAR WO CONTRAST", "MRI LUMBOSACRAL W/O CONTRAST"])
def test_an_mri_named_lumbar_without_the_word_spine_is_a_spine_study(name: str) -> None:
    """A cauda equina syndrome beside it gets R5's emergency card; before, the order was not ours: no card."""
    decision = decide_order(named(name), LUMBAR_100_DAYS, condition("G83.4", "2026-03-10", "ces"))

    assert decision.rules[0] == "R5"
    assert decision.advices[0].indicator is Indicator.CRITICAL
    assert decision.facts.region is Region.LUMBAR


@pytest.mark.parametrize(("name", "region"), [
    ("CT SPINE LUMBAR WO CONTRAST", Region.LUMBAR),  # Oracle Health's word order
    ("CT L-SPINE WO", Region.LUMBAR),  # not "C-T-L", a whole spine
    ("MRI SPINE LUMB WO", Region.LUMBAR),
    ("MRI LUMB-SACRAL SPINE WO CONTRAST", Region.LUMBAR),
    ("MRI CERV SPINE WO", Region.CERVICAL),
    ("MRI SPINE THOR WO", Region.THORACIC),
])
def test_the_region_an_order_name_abbreviates_is_the_orders(name: str, region: Region) -> None:
    """§1: the order's region, never the newest diagnosis's. The lumbar orders were read with no region, so
    the newest diagnosis (a day-19 cervical radiculopathy) made them cervical orders (R19)."""
    decision = decide_order(named(name), CERVICAL_19_DAYS, LUMBAR_100_DAYS)

    assert decision.facts.region is region
    assert decision.order is not None and decision.order.region is region


def test_a_lumbar_ct_named_ct_l_spine_is_rated_on_the_lumbar_episode() -> None:
    """Lumbar radiculopathy for 100 days: R3a (no care yet) and R13 (prefer MRI), not the cervical R19."""
    decision = decide_order(named("CT L-SPINE WO"), CERVICAL_19_DAYS, LUMBAR_100_DAYS)

    assert decision.rules[:2] == ("R3a", "R13")
    assert decision.rating is Rating.NOT_APPROPRIATE


@pytest.mark.parametrize(("name", "expected"), [
    ("MRI LUMBAR WO CONTRAST", (Region.LUMBAR, Modality.MRI, Contrast.WITHOUT)),
    ("CT SPINE CERVICAL WO", (Region.CERVICAL, Modality.CT, Contrast.WITHOUT)),
    ("CT L SPINE MYELOGRAM", (Region.LUMBAR, Modality.CT_MYELOGRAPHY, None)),
    ("MRI C/T/L SPINE WO", (None, Modality.MRI, Contrast.WITHOUT)),  # a whole spine: no one region
    ("CT THORACOLUMBAR SPINE", (None, Modality.CT, None)),
    ("MRI LUMBAR PLEXUS WO", None),  # a plexus, not the spine
    ("MRI CERVICAL WO", None),  # cervical alone may be the cervix
    ("MRI THORACIC WO", None),  # thoracic alone may be the chest
])
def test_what_an_order_name_says(name: str, expected: object) -> None:
    assert imaging_from_text([name]) == expected


# --- an order of no one region (whole spine, a generic "MRI of spine") on a chart of two regions ---------

# SNOMED CT 241645008 "MRI of spine": a code of no region (PATHWAY.md §6.4)
GENERIC_MRI = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
               "code": coded("http://snomed.info/sct", "241645008"), "authoredOn": "2026-03-11"}


@pytest.mark.parametrize("order", [named("MRI WHOLE SPINE WO"), named("MRI C/T/L SPINE WO"), GENERIC_MRI])
def test_a_study_of_no_one_region_is_not_deferred_on_one_regions_episode(order: dict[str, Any]) -> None:
    """Cervical radiculopathy of 19 days, lumbar of 100: the order covers both, so neither episode decides
    it. Before, the newest diagnosis made it a cervical order (R19); a lumbar one of 19 days beside a
    cervical one of 100 was deferred (R1). Now: unrated, and a card asks for the region (§1, safety side)."""
    decision = decide_order(order, CERVICAL_19_DAYS, LUMBAR_100_DAYS)

    assert decision.facts.region is None
    assert decision.rating is None
    assert [advice.rule for advice in decision.advices] == ["region-unknown"]


def test_a_whole_spine_study_beside_a_newer_lumbar_episode_is_not_deferred() -> None:
    lumbar_19_days = condition("M54.16", "2026-02-20", "lx")
    cervical_100_days = condition("M54.12", "2025-12-01", "cx")

    decision = decide_order(named("MRI WHOLE SPINE WO"), lumbar_19_days, cervical_100_days)

    assert "R1" not in decision.rules
    assert decision.rating is None


def test_a_study_of_no_one_region_still_gets_its_red_flag_card() -> None:
    decision = decide_order(named("MRI WHOLE SPINE WO"), CERVICAL_19_DAYS, LUMBAR_100_DAYS,
                            condition("G83.4", "2026-03-10", "ces"))

    assert decision.rules[0] == "R5"
    assert decision.rating is Rating.APPROPRIATE


def test_a_study_of_no_one_region_on_a_chart_of_one_region_is_rated_on_it() -> None:
    decision = decide_order(named("MRI WHOLE SPINE WO"), condition("M54.16", "2026-02-20", "lx"))

    assert decision.facts.region is Region.LUMBAR
    assert decision.rules == ("R1",)


def test_the_orders_reason_names_the_region_of_a_study_of_no_one_region() -> None:
    """The clinician stated why: a lumbar radiculopathy given as the order's reason decides (R3a at 100
    days, no care), as the order's reason always came first (docs/pathway-facts.md §4)."""
    order = {**GENERIC_MRI, "reasonCode": [coded(ICD10CM, "M54.16")]}

    decision = decide_order(order, CERVICAL_19_DAYS, LUMBAR_100_DAYS)

    assert decision.facts.region is Region.LUMBAR
    assert decision.rules[0] == "R3a"

"""A cancer recorded as the care it gets: an oncology visit or a referral to oncology (PATHWAY.md §3
malignancy major, R8; docs/pathway-facts.md "Tenth pass: malignancy as oncology records show it").
``raw_decision.decide`` decides a lumbar MRI ordered on 2026-03-11 for a 40-year-old man with a 19-day
radiculopathy: R1 (defer) when nothing raises a flag. Every shape read as a cancer here was deferred (R1)
before this pass."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import decide

from app.pathway.model import Finding, RedFlag
from app.terminology import NUCC, SNOMED

EPIC_LOCAL = "urn:oid:1.2.840.114350.1.13.0.1.7.10.698084.30"


def visit(display: str, status: str = "finished", start: str = "2025-06-01") -> dict[str, Any]:
    """An Encounter whose type is a site's local code named ``display``, as Epic exports a visit type."""
    return {"resourceType": "Encounter", "id": "v", "status": status, "period": {"start": start},
            "type": [{"coding": [{"system": EPIC_LOCAL, "code": "101", "display": display}]}]}


def referral(text: str | None = None, performer: str | None = None, status: str = "active",
             **fields: Any) -> dict[str, Any]:
    """A referral ServiceRequest named ``text`` (under a local code), or to a NUCC ``performer`` type."""
    request: dict[str, Any] = {"resourceType": "ServiceRequest", "id": "ref", "status": status,
                               "intent": "order", "authoredOn": "2026-02-01",
                               "code": {"coding": [{"system": SNOMED, "code": "3457005"}]}, **fields}
    if text is not None:
        request["code"] = {"coding": [{"system": EPIC_LOCAL, "code": "REF1", "display": text}], "text": text}
    if performer is not None:
        request["performerType"] = {"coding": [{"system": NUCC, "code": performer}]}
    return request


@pytest.mark.parametrize("display", ["HEM ONC OFFICE VISIT", "Oncology Follow Up",
                                     "Radiation Oncology Consult", "Cancer Center Visit"])
def test_an_oncology_visit_is_r8(display: str) -> None:
    decision = decide(visit(display))

    assert decision.rules[0] == "R8"
    (evidence,) = decision.facts.red_flags[RedFlag.MALIGNANCY_MAJOR]
    assert (evidence.finding, evidence.name) == (Finding.ONCOLOGY_CARE, display)


@pytest.mark.parametrize("shape", [
    referral("AMB REFERRAL TO ONCOLOGY"),
    referral("Referral to Radiation Oncology", status="completed"),
    referral(performer="207RX0202X"),   # medical oncology
    referral(performer="207RH0003X"),   # haematology and oncology
])
def test_a_referral_to_oncology_is_r8(shape: dict[str, Any]) -> None:
    assert decide(shape).rules[0] == "R8"


@pytest.mark.parametrize("shape", [
    visit("Office Visit"),
    visit("HEM ONC OFFICE VISIT", status="entered-in-error"),
    visit("Oncology Follow Up", start="2026-04-01"),             # after the order
    referral("AMB REFERRAL TO ONCOLOGY", status="entered-in-error"),
    referral("AMB REFERRAL TO ONCOLOGY", doNotPerform=True),
    referral("Referral to oncology declined"),
    referral(performer="207X00000X"),                            # orthopaedic surgery
])
def test_another_visit_a_void_or_later_one_still_defers(shape: dict[str, Any]) -> None:
    assert decide(shape).rules == ("R1",)


def test_a_booked_oncology_visit_counts_whatever_its_date() -> None:
    """A planned visit is booked for a cancer there now, like a booked radiotherapy (eighth pass)."""
    assert decide(visit("Oncology New Patient", status="planned", start="2026-04-01")).rules[0] == "R8"

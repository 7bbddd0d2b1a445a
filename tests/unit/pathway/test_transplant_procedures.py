"""A transplant known only by its operation (PATHWAY.md §3 infection: immunosuppression, transplant Z94.x;
docs/pathway-facts.md §11 "Twelfth pass: whole charts where facts meet"). Synthea records a kidney
transplant as the Procedure 70536003, not always as a Z94.0 status: a recipient's 19-day sciatica got R1's
defer."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import Rating
from app.terminology import CPT, SNOMED


def transplant(system: str, code: str, **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Procedure",
        "id": "tx",
        "status": "completed",
        "code": coded(system, code),
        "performedDateTime": "2016-09-14",
        **fields,
    }


@pytest.mark.parametrize(
    "resource",
    [
        transplant(SNOMED, "70536003"),  # Synthea's kidney transplant
        transplant(SNOMED, "175902000"),  # cadaveric renal transplant
        transplant(SNOMED, "18027006"),  # liver
        transplant(CPT, "50360"),
        transplant(CPT, "33945"),  # heart
        transplant(CPT, "32853"),  # both lungs
        transplant(CPT, "38240"),  # allogeneic stem cells
        {
            key: value for key, value in transplant(CPT, "47135").items() if key != "performedDateTime"
        },  # undated
    ],
)
def test_r7_the_recipient_of_a_transplant_known_by_its_operation_is_immunosuppressed(
    resource: dict[str, Any],
) -> None:
    decision = decide(resource)

    assert (decision.rules[0], decision.rating) == ("R7", Rating.APPROPRIATE)


@pytest.mark.parametrize(
    "resource",
    [
        transplant(SNOMED, "70536003", status="not-done"),
        transplant(SNOMED, "70536003", status="entered-in-error"),
        transplant(SNOMED, "70536003", performedDateTime="2026-05-01"),  # after the order
        transplant(SNOMED, "175899003"),  # autotransplantation of kidney: her own organ
        transplant(CPT, "38241"),  # autologous stem cells
    ],
)
def test_r1_defers_beside_no_transplant_from_another_body(resource: dict[str, Any]) -> None:
    assert decide(resource).rules == ("R1",)

"""R20's card names the cord to image, on charts written as EHR exports write them (PATHWAY.md R20, §5;
docs/pathway-facts.md "Ninth pass: myelopathy and the cord"). Each chart is raw FHIR JSON decided as the
hooks do (tests/raw_decision.py), then rendered.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide_order
from render_fixtures import context, draft_order

from app.render import CardLibrary, render_cards
from app.terminology import CPT, ICD10CM

Card = dict[str, Any]


def myelopathy_card(order_code: str, *codes: str, library: CardLibrary) -> Card:
    """The first card for an order of ``order_code`` on a neck-pain chart with the Conditions ``codes``."""
    neck = {"resourceType": "Condition", "id": "neck", "code": coded(ICD10CM, "M54.2"),
            "onsetDateTime": "2026-02-20"}
    found = [{"resourceType": "Condition", "id": f"m{n}", "code": coded(ICD10CM, code)}
             for n, code in enumerate(codes)]
    order = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
             "code": coded(CPT, order_code)}
    decision = decide_order(order, neck, *found)
    assert decision.rules[0] == "R20"
    return render_cards(decision, library, context(draft_order(order_code)))[0]


@pytest.mark.parametrize(("order_code", "codes"), [
    ("72146", ("M50.020",)),   # thoracic MRI; cervical disc disorder with myelopathy
    ("72146", ("M47.12",)),    # thoracic MRI; cervical spondylosis with myelopathy
    ("72141", ("M47.14",)),    # cervical MRI; thoracic spondylosis with myelopathy
    ("72141", ("M51.04",)),    # cervical MRI; thoracic disc disorder with myelopathy
    ("72146", ("M50.020", "M47.14")),
])
def test_the_cord_card_names_both_cord_regions_for_a_myelopathy_at_another_level(
        order_code: str, codes: tuple[str, ...], library: CardLibrary) -> None:
    """A thoracic MRI does not show a cervical myelopathy: the card said "urgent thoracic MRI" for a
    cervical disc disorder with myelopathy (M50.020), leaving the compressed cord unimaged. It now names
    both cord regions, as the lumbar card does; still critical and appropriate."""
    card = myelopathy_card(order_code, *codes, library=library)

    assert card["indicator"] == "critical"
    assert "cervical or thoracic MRI" in card["summary"]


@pytest.mark.parametrize(("order_code", "codes", "region"), [
    ("72141", ("M50.020",), "cervical"),
    ("72146", ("M47.14",), "thoracic"),
    ("72146", ("G95.20",), "thoracic"),  # a code naming no level: the order's region
    ("72141", ("M47.13",), "cervical"),  # cervicothoracic: no single level named
])
def test_the_cord_card_names_the_ordered_region_for_a_myelopathy_at_that_level(
        order_code: str, codes: tuple[str, ...], region: str, library: CardLibrary) -> None:
    card = myelopathy_card(order_code, *codes, library=library)

    assert f"urgent {region} MRI" in card["summary"]

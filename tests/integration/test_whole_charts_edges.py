"""Whole charts whose red flags sit at the edges of time and status (tests/integration/edge_charts.py) get
the answer decided by hand from docs/spec/PATHWAY.md, at order-select, by prefetch and by fallback
against SEKMET (invariant 4)."""

from __future__ import annotations

from typing import Any

import pytest
from chart_both_ways import evaluate_both_ways, rules
from edge_charts import CHARTS, LUMBAR_MRI
from hook_answers import rating, topics

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Cds = Any


@pytest.mark.parametrize("name", sorted(CHARTS))
async def test_edge_chart_gets_the_hand_decided_answer_both_ways(cds: Cds, name: str) -> None:
    resources, expected = CHARTS[name]()

    answers = await evaluate_both_ways(cds, resources, order=expected.order or LUMBAR_MRI, on=expected.on,
                                      hook="order-select")

    assert answers.same, answers.difference()
    got = answers.prefetch
    said = (expected.about, rules(got), topics(got))
    assert rating(got) == expected.rating, said
    assert set(expected.rules) <= set(rules(got)), said
    assert not set(expected.absent) & {code for code, _ in topics(got)}, said
    if expected.topic is not None:
        assert (expected.topic, expected.indicator) in topics(got), said

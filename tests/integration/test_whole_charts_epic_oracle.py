"""Whole Epic and Oracle Health charts where facts meet (tests/integration/epic_oracle_charts.py) get the
answer decided by hand from docs/spec/PATHWAY.md, at order-select, by prefetch and by fallback against
SEKMET (invariant 4)."""

from __future__ import annotations

from typing import Any

import pytest
from chart_both_ways import evaluate_both_ways, rules
from epic_oracle_charts import CHARTS, LUMBAR_MRI, ORDER_DATE
from hook_answers import rating, topics

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Cds = Any


@pytest.mark.parametrize("name", sorted(CHARTS))
async def test_epic_oracle_chart_gets_the_hand_decided_answer_both_ways(cds: Cds, name: str) -> None:
    resources, expected = CHARTS[name]()
    assert 30 <= len(resources) <= 80, len(resources)

    answers = await evaluate_both_ways(cds, resources, order=expected.order or LUMBAR_MRI, on=ORDER_DATE,
                                      hook="order-select")

    assert answers.same, answers.difference()
    got = answers.prefetch
    said = (expected.about, rules(got), topics(got))
    assert rating(got) == expected.rating, said
    assert set(expected.rules) <= set(rules(got)), said
    assert not set(expected.absent) & {code for code, _ in topics(got)}, said
    if expected.topic is None:
        assert all(indicator == "info" for _, indicator in topics(got)), said
        return
    assert (expected.topic, expected.indicator) in topics(got), said

"""Hostile sizes cost bounded work and bounded memory (docs/security.md, "Bounded input").

A value-set match is bounded by the longest listed code, not the code sent; over-long codes, ids and
displays are dropped when the chart is read, before they become memo keys that outlive the call.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import httpx

from app.terminology import Coding, load_value_sets
from app.terminology.valuesets import ICD10CM

ORDER_SELECT = "/cds-services/spine-imaging-order-select"
Example = Callable[[str], dict[str, Any]]


def test_an_icd10_match_costs_the_same_for_a_code_of_any_length() -> None:
    """It sliced the code at every length: a 40,000-character code cost ~4 s, 100,000 ~22 s."""
    radiculopathy = load_value_sets().get("radiculopathy_lumbar")
    started = time.perf_counter()
    assert radiculopathy.contains(Coding(ICD10CM, "M5416" + "9" * 40_000))
    assert time.perf_counter() - started < 0.2  # microseconds; the quadratic scan took seconds


async def test_a_hostile_reason_code_is_answered_at_once(client: httpx.AsyncClient, example: Example) -> None:
    body = example("order-select-lumbar-day20.json")
    order = body["context"]["draftOrders"]["entry"][0]["resource"]
    order["reasonCode"] = [{"coding": [{"system": ICD10CM, "code": "M" * 40_000}]}]
    started = time.perf_counter()
    response = await client.post(ORDER_SELECT, json=body)
    assert response.status_code == 200
    assert time.perf_counter() - started < 1.0  # milliseconds; it took ~4 s of event loop before


async def test_distinct_huge_displays_leave_no_memory_behind(client: httpx.AsyncClient,
                                                             example: Example) -> None:
    """80 calls with distinct 4.5 MB displays once kept ~360 MB in the Coding and value-set memos."""

    async def call(index: int) -> None:
        body = example("order-select-lumbar-day20.json")
        display = f"{index}-" + "x" * 400_000
        condition = body["prefetch"]["conditions"]["entry"][0]["resource"]
        condition["code"]["coding"][0]["display"] = display
        medication = body["prefetch"]["medications"]["entry"][0]["resource"]
        coding = {"system": "x", "code": "1", "display": display}
        medication["medicationCodeableConcept"] = {"coding": [coding]}
        response = await client.post(ORDER_SELECT, json=body)
        assert response.status_code == 200

    await call(-1)  # the first call's one-off allocations (imports, pools) are not what is measured
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for index in range(10):
            await call(index)
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert retained < 1_000_000  # ten 400 kB displays would be 4 MB

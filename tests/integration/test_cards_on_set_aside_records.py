"""Another patient's records in the prefetch, this patient's read again from the FHIR server (PATHWAY.md
invariant 7): the advice stands on complete data, and the cards say what was set aside without calling
the advice incomplete. Before, a defer card stood beside "Imaging advice incomplete: could not read
records of another patient (set aside) … No advice to defer is built on missing data"."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from chart_both_ways import topics

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
SET_ASIDE = "records of another patient (set aside)"  # how a card names them (cards/labels.toml)


async def test_set_aside_records_refetched_do_not_call_a_defer_incomplete(cds: Any) -> None:
    patient = "spine-lumbar-day20"  # R1: defer at day 20
    prefetch = cds.server.prefetch(patient)
    prefetch["observations"] = copy.deepcopy(cds.server.prefetch("spine-fever")["observations"])
    body = cds.order_sign(patient, prefetch=prefetch, fhir_server=cds.server.base)
    answer = (await cds.call(body)).json()

    assert topics(answer)[0] == ("SpineDeferImaging", "warning")
    details = [str(card.get("detail", "")) for card in answer["cards"]]
    summaries = [str(card["summary"]) for card in answer["cards"]]
    assert not any("incomplete" in summary or "could not read" in summary for summary in summaries), summaries
    assert not any("Could not read" in detail or "missing data" in detail for detail in details), details
    assert all(f"Sent by the EHR and not used: {SET_ASIDE}." in detail for detail in details), details

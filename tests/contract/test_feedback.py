"""CONTRACT.md §1.6 feedback (F1–F6), including Epic's non-spec ``overrideReasons``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from feedback_rows import stored_for_card

FEEDBACK = "/cds-services/spine-imaging-order-select/feedback"


def accepted(card: str = "7f3e1c1e-4f0e-4d1e-9a53-5b0e0c7f0a11") -> dict[str, Any]:
    return {
        "card": card,
        "outcome": "accepted",
        "outcomeTimestamp": "2026-11-20T14:05:00Z",
        "acceptedSuggestions": [{"id": "e56e1945-20b3-4393-8503-a1a20fd73152"}],
    }


def overridden(card: str = "9a8b7c6d-0000-4000-8000-000000000001", **extra: Any) -> dict[str, Any]:
    return {"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-11-20T14:06:00-05:00", **extra}


async def test_f1_f2_feedback_endpoint_accepts_a_feedback_array(client: httpx.AsyncClient) -> None:
    response = await client.post(FEEDBACK, json={"feedback": [accepted()]})
    assert response.status_code == 200
    assert response.json() == {"received": 1, "stored": 1}


async def test_f3_outcome_must_be_accepted_or_overridden(client: httpx.AsyncClient) -> None:
    item = {**accepted(), "outcome": "ignored"}
    response = await client.post(FEEDBACK, json={"feedback": [item]})
    assert response.status_code == 400
    assert "outcome" in response.json()["issue"][0]["diagnostics"]


async def test_f3_timestamp_is_required(client: httpx.AsyncClient) -> None:
    item = accepted()
    del item["outcomeTimestamp"]
    response = await client.post(FEEDBACK, json={"feedback": [item]})
    assert response.status_code == 400
    assert "outcomeTimestamp" in response.json()["issue"][0]["diagnostics"]


async def test_f4_accepted_without_suggestions_is_422(client: httpx.AsyncClient) -> None:
    item = accepted()
    del item["acceptedSuggestions"]
    response = await client.post(FEEDBACK, json={"feedback": [item]})
    assert response.status_code == 422
    assert "acceptedSuggestions" in response.json()["issue"][0]["diagnostics"]


async def test_f5_override_reason_is_stored(client: httpx.AsyncClient, app: Any) -> None:
    reason = {
        "reason": {
            "system": "https://spine-cds.example/override",
            "code": "candidate",
            "display": "Surgery or injection candidate",
        },
        "userComment": "seen by spine surgeon",
    }
    item = overridden(overrideReason=reason)
    assert (await client.post(FEEDBACK, json={"feedback": [item]})).status_code == 200
    (stored,) = stored_for_card(app.state.runtime.database, item["card"])
    assert (stored.override_reason_code, stored.override_comment) == ("candidate", "seen by spine surgeon")
    assert stored.service_id == "spine-imaging-order-select"


async def test_f5_empty_override_reason_is_kept_as_a_plain_dismissal(
    client: httpx.AsyncClient, app: Any
) -> None:
    item = overridden(card="dismissed-without-reason", overrideReason={})
    assert (await client.post(FEEDBACK, json={"feedback": [item]})).json()["stored"] == 1
    (stored,) = stored_for_card(app.state.runtime.database, "dismissed-without-reason")
    assert (stored.outcome, stored.override_reason_code, stored.override_comment) == (
        "overridden",
        None,
        None,
    )


async def test_epic_plural_override_reasons_are_accepted(client: httpx.AsyncClient, app: Any) -> None:
    item = overridden(
        card="epic-card-1",
        overrideReasons={"reason": {"code": "patient-preference", "system": "https://x.example/r"}},
    )
    assert (await client.post(FEEDBACK, json={"feedback": [item]})).status_code == 200
    (stored,) = stored_for_card(app.state.runtime.database, "epic-card-1")
    assert stored.override_reason_code == "patient-preference"


async def test_sandbox_override_with_only_code_and_system(client: httpx.AsyncClient) -> None:
    item = overridden(overrideReason={"reason": {"code": "outside-imaging", "system": "https://x.example/r"}})
    assert (await client.post(FEEDBACK, json={"feedback": [item]})).status_code == 200


async def test_f6_same_feedback_twice_is_stored_once(client: httpx.AsyncClient, app: Any) -> None:
    body = {"feedback": [accepted(), accepted()]}
    first = await client.post(FEEDBACK, json=body)
    again = await client.post(FEEDBACK, json=body)
    assert first.json()["stored"] == 1
    assert again.json() == {"received": 2, "stored": 0}
    assert app.state.runtime.feedback.count() == 1


async def test_f6_several_outcomes_for_one_card_are_all_kept(client: httpx.AsyncClient, app: Any) -> None:
    card = "b1b2b3b4-0000-4000-8000-000000000002"
    body = {"feedback": [overridden(card=card, overrideReason={"userComment": "no"}), accepted(card)]}
    assert (await client.post(FEEDBACK, json=body)).json()["stored"] == 2
    assert len(stored_for_card(app.state.runtime.database, card)) == 2


@pytest.mark.parametrize("body", [{}, {"feedback": []}, {"feedback": "x"}])
async def test_malformed_feedback_is_400(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    assert (await client.post(FEEDBACK, json=body)).status_code == 400


async def test_feedback_for_unknown_service_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/cds-services/nope/feedback", json={"feedback": [accepted()]})
    assert response.status_code == 404

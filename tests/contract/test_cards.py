"""CONTRACT.md §1.5 (C3–C15) and §1.1 (G2, G3) checked on real responses to the example requests."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

Example = Callable[[str], dict[str, Any]]
CASES = [
    ("spine-imaging-order-select", "order-select-lumbar-day20.json"),
    ("spine-imaging-order-select", "order-select-cauda-equina.json"),
    ("spine-pathway-patient-view", "patient-view-lumbar.json"),
]


@pytest.fixture(params=CASES, ids=[name for _, name in CASES])
async def response(
    request: pytest.FixtureRequest, client: httpx.AsyncClient, example: Example
) -> dict[str, Any]:
    service, name = request.param
    answer = await client.post(f"/cds-services/{service}", json=example(name))
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    assert body["cards"], f"{name} should produce cards"
    return body


def walk(value: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def test_g2_g3_no_null_or_empty_values(response: dict[str, Any]) -> None:
    for path, value in walk(response):
        if path == "$.cards":
            continue
        assert value is not None, path
        assert value not in ("", [], {}), path


def test_c3_every_card_and_suggestion_has_a_uuid(response: dict[str, Any]) -> None:
    for card in response["cards"]:
        assert is_uuid(card["uuid"])
        for suggestion in card.get("suggestions", []):
            assert is_uuid(suggestion["uuid"])
    uuids = [c["uuid"] for c in response["cards"]]
    assert len(set(uuids)) == len(uuids)


def test_c4_summary_is_one_sentence_under_140_chars(response: dict[str, Any]) -> None:
    for card in response["cards"]:
        assert 0 < len(card["summary"]) < 140
        assert "{" not in card["summary"], "every placeholder filled"


def test_c5_detail_is_markdown_text(response: dict[str, Any]) -> None:
    for card in response["cards"]:
        assert isinstance(card.get("detail", ""), str)
        assert "{" not in card.get("detail", "")


def test_c6_indicator_is_one_of_the_three(response: dict[str, Any]) -> None:
    assert all(card["indicator"] in {"info", "warning", "critical"} for card in response["cards"])


def test_c7_source_has_label_absolute_url_and_static_topic(response: dict[str, Any]) -> None:
    for card in response["cards"]:
        source = card["source"]
        assert source["label"]
        assert source.get("url", "https://").startswith("https://")
        topic = source["topic"]
        assert re.fullmatch(r"[A-Za-z0-9]{1,100}", topic["code"]), "Epic: alphanumeric, static per advice"
        assert topic["system"].startswith(("http://", "https://", "urn:"))


def test_c8_suggestions_come_with_selection_behavior(response: dict[str, Any]) -> None:
    for card in response["cards"]:
        if card.get("suggestions"):
            assert card["selectionBehavior"] == "any", "Epic supports only 'any'"
        else:
            assert "selectionBehavior" not in card


def test_c9_c15_override_reasons_are_codings_with_display(response: dict[str, Any]) -> None:
    for card in response["cards"]:
        for reason in card.get("overrideReasons", []):
            assert reason["code"] and reason["system"] and reason["display"]


def test_c10_c11_one_action_per_suggestion_with_description(response: dict[str, Any]) -> None:
    for card in response["cards"]:
        for suggestion in card.get("suggestions", []):
            assert suggestion["label"]
            (action,) = suggestion["actions"]
            assert action["type"] in {"create", "update", "delete"}
            assert action["description"]
            if action["type"] == "delete":
                assert re.fullmatch(r"ServiceRequest/[A-Za-z0-9\-.]+", action["resourceId"])
                assert "resource" not in action, "resource-for-delete is deprecated (cds-resp-2)"
            else:
                assert action["resource"]["resourceType"]


def test_c12_links_are_absolute_with_label(response: dict[str, Any]) -> None:
    """Guidelines are https; the last link is this service's "How this was decided" page (its own base)."""
    for card in response["cards"]:
        *guidelines, explain = card["links"]
        for link in card["links"]:
            assert link["label"] and link["type"] == "absolute"
            assert "appContext" not in link
        assert all(link["url"].startswith("https://") for link in guidelines)
        assert explain["label"] == "How this was decided"
        assert re.fullmatch(r"https?://[^/]+/explain/[0-9a-f-]{36}", explain["url"])


def test_c13_system_actions_mirrored_for_the_sandbox(response: dict[str, Any]) -> None:
    if "systemActions" not in response:
        return
    assert response["extension"]["systemActions"] == response["systemActions"]
    for action in response["systemActions"]:
        assert action["type"] == "update"
        urls = {ext["url"] for ext in action["resource"].get("extension", [])}
        # The sandbox reads only the current Argonaut URL form (docs/pathway.md, "PAMA").
        assert "http://fhir.org/argonaut/Extension/pama-rating" in urls

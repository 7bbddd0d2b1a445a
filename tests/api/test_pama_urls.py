"""PATHWAY.md §5 v2 through HTTP: PAMA extensions under http://fhir.org/argonaut/Extension/ by default; the
older StructureDefinition/ form as well only with the site option (PAMA_LEGACY_EXTENSION_URLS)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.settings import Settings

ORDER_SELECT = "/cds-services/spine-imaging-order-select"
LEGACY = "http://fhir.org/argonaut/StructureDefinition/"


async def pama_urls(settings: Settings, body: dict[str, Any]) -> list[str]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as http:
            answer = (await http.post(ORDER_SELECT, json=body)).json()
    resources = [a["resource"] for a in answer["systemActions"]]
    resources += [
        action["resource"]
        for card in answer["cards"]
        for s in card.get("suggestions", [])
        for action in s["actions"]
        if action["type"] == "update"
    ]
    return [e["url"] for r in resources for e in r.get("extension", []) if "pama-rating" in e["url"]]


@pytest.mark.parametrize(("legacy", "forms"), [(False, 1), (True, 2)])
async def test_pama_extension_urls_follow_the_site_option(
    settings_factory: Callable[..., Settings],
    example: Callable[[str], dict[str, Any]],
    legacy: bool,
    forms: int,
) -> None:
    urls = await pama_urls(
        settings_factory(pama_legacy_extension_urls=legacy), example("order-select-lumbar-day20.json")
    )
    current = [url for url in urls if url.startswith("http://fhir.org/argonaut/Extension/")]
    assert current
    assert len(urls) == forms * len(current)
    assert any(url.startswith(LEGACY) for url in urls) is legacy

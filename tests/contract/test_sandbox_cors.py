"""CONTRACT.md S9 and §2 "The CDS Hooks sandbox": a browser app on another origin preflights discovery,
service and feedback calls (``Authorization``, ``Content-Type``); Chrome adds Private Network Access to the
preflight when a public page calls a loopback server (the demo: sandbox → 127.0.0.1)."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from app.hooks.cors import PrivateNetworkAccess

SANDBOX = "https://sandbox.cds-hooks.org"
PATHS = {
    "discovery": ("/cds-services", "GET"),
    "service": ("/cds-services/spine-imaging-order-select", "POST"),
    "feedback": ("/cds-services/spine-imaging-order-select/feedback", "POST"),
}


def preflight(method: str, *, origin: str = SANDBOX, private_network: bool = True) -> dict[str, str]:
    headers = {"Origin": origin, "Access-Control-Request-Method": method,
               "Access-Control-Request-Headers": "authorization,content-type"}
    if private_network:
        headers["Access-Control-Request-Private-Network"] = "true"
    return headers


@pytest.mark.parametrize("call", sorted(PATHS))
async def test_s9_sandbox_preflight_gets_cors_and_private_network_grant(
    client: httpx.AsyncClient, call: str
) -> None:
    path, method = PATHS[call]
    response = await client.options(path, headers=preflight(method))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SANDBOX
    assert method in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert response.headers["access-control-allow-private-network"] == "true"


async def test_s9_no_private_network_grant_unless_the_preflight_asks(client: httpx.AsyncClient) -> None:
    response = await client.options("/cds-services", headers=preflight("GET", private_network=False))
    assert response.status_code == 200
    assert "access-control-allow-private-network" not in response.headers


async def test_s9_unknown_origin_gets_neither_cors_nor_private_network_grant(
    client: httpx.AsyncClient,
) -> None:
    response = await client.options("/cds-services", headers=preflight("GET", origin="https://evil.example"))
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-private-network" not in response.headers


async def test_s9_private_network_header_on_a_plain_request_is_ignored(client: httpx.AsyncClient) -> None:
    response = await client.get("/cds-services", headers={
        "Origin": SANDBOX, "Access-Control-Request-Private-Network": "true"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SANDBOX
    assert "access-control-allow-private-network" not in response.headers


async def test_s9_actual_post_from_the_sandbox_origin_is_readable(client: httpx.AsyncClient) -> None:
    """The preflight is not enough: the POST's own answer must carry the origin grant too."""
    body = {"feedback": [{"card": "0b6f8d7e-2f0c-4c59-9c61-4f1d2b9e8a10", "outcome": "overridden",
                          "outcomeTimestamp": "2026-11-24T10:00:00Z"}]}
    response = await client.post(PATHS["feedback"][0], json=body, headers={"Origin": SANDBOX})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SANDBOX


async def test_private_network_grant_with_a_wildcard_origin_list() -> None:
    """How the demo wraps SEKMET, whose own CORS allows every origin."""

    async def metadata(request: object) -> PlainTextResponse:
        return PlainTextResponse("ok")

    inner = CORSMiddleware(Starlette(routes=[Route("/fhir/metadata", metadata)]), allow_origins=["*"],
                           allow_methods=["*"], allow_headers=["*"])
    transport = httpx.ASGITransport(app=PrivateNetworkAccess(inner, allow_origins=["*"]))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8090") as http:
        granted = await http.options("/fhir/metadata", headers=preflight("GET"))
        plain = await http.get("/fhir/metadata", headers={"Origin": SANDBOX})
    assert granted.headers["access-control-allow-private-network"] == "true"
    assert plain.text == "ok"
    assert "access-control-allow-private-network" not in plain.headers

"""Abuse limits: body cap 413, body-read deadline 408, per-client concurrency 429.

The middleware is exercised on a two-route app whose handler can be held open, so "requests in flight"
is exact rather than timing-dependent; the body cap is also checked on the real app.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Request

from app.hooks.auth import authenticate
from app.hooks.errors import register_error_handlers
from app.hooks.limits import ADMISSION, Admission, Ledger, RequestLimits, admit
from app.security import ClientIdentity
from app.settings import Settings

CAP = 2


class Gate:
    def __init__(self) -> None:
        self.entered = 0
        self.release = asyncio.Event()


def limited_app(gate: Gate, *, max_body_bytes: int = 1_000, timeout: float = 5.0) -> FastAPI:
    app = FastAPI()
    register_error_handlers(app)
    app.add_middleware(RequestLimits, max_body_bytes=max_body_bytes, body_read_timeout_seconds=timeout,
                       per_client_concurrency=CAP)

    def client_slot(request: Request) -> None:
        admit(request, request.headers.get("x-client", "anonymous"))

    @app.post("/held", dependencies=[Depends(client_slot)])
    async def held(request: Request) -> dict[str, int]:
        gate.entered += 1
        await gate.release.wait()
        return {"bytes": len(await request.body())}

    @app.post("/alone")
    async def alone(request: Request) -> dict[str, bool]:
        return {"alone": request.scope[ADMISSION].alone}

    @app.post("/echo", dependencies=[Depends(client_slot)])
    async def echo(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    return app


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
async def http(gate: Gate) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=limited_app(gate))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_body_under_the_cap_reaches_the_app_whole(http: httpx.AsyncClient) -> None:
    response = await http.post("/echo", content=b"x" * 1_000)
    assert response.json() == {"bytes": 1_000}


async def test_declared_length_over_the_cap_is_413(http: httpx.AsyncClient) -> None:
    response = await http.post("/echo", content=b"x" * 1_001)
    assert response.status_code == 413
    assert response.json()["resourceType"] == "OperationOutcome"


async def test_chunked_body_over_the_cap_is_413(http: httpx.AsyncClient) -> None:
    response = await http.post("/echo", content=chunks(b"x" * 600, b"x" * 600))
    assert response.status_code == 413


async def test_chunked_body_under_the_cap_is_reassembled(http: httpx.AsyncClient) -> None:
    response = await http.post("/echo", content=chunks(b"x" * 400, b"x" * 400))
    assert response.json() == {"bytes": 800}


async def test_body_that_trickles_past_the_deadline_is_408(gate: Gate) -> None:
    async def trickle() -> AsyncIterator[bytes]:
        yield b"{"
        await asyncio.sleep(1)
        yield b"}"

    transport = httpx.ASGITransport(app=limited_app(gate, timeout=0.05))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/echo", content=trickle())
    assert response.status_code == 408


async def test_client_over_its_concurrency_cap_gets_429_and_others_do_not(
    http: httpx.AsyncClient, gate: Gate
) -> None:
    held = [asyncio.create_task(http.post("/held", headers={"x-client": "a"})) for _ in range(CAP)]
    while gate.entered < CAP:
        await asyncio.sleep(0.001)
    refused = await http.post("/echo", headers={"x-client": "a"})
    other_client = await http.post("/echo", headers={"x-client": "b"})
    gate.release.set()
    assert [r.status_code for r in await asyncio.gather(*held)] == [200] * CAP
    assert refused.status_code == 429
    assert other_client.status_code == 200


async def test_a_call_is_alone_only_while_no_other_request_is_in_flight(
    http: httpx.AsyncClient, gate: Gate
) -> None:
    """What the replay store's direct write goes by (docs/performance.md, "Signed tokens, round three")."""
    assert (await http.post("/alone")).json() == {"alone": True}
    held = asyncio.create_task(http.post("/held", headers={"x-client": "a"}))
    while gate.entered < 1:
        await asyncio.sleep(0.001)
    assert (await http.post("/alone")).json() == {"alone": False}
    gate.release.set()
    await held
    assert (await http.post("/alone")).json() == {"alone": True}


class RecordingVerifier:
    def __init__(self) -> None:
        self.alone: list[bool] = []

    async def verify(self, token: str, audience: str | tuple[str, ...], *,
                     alone: bool = True) -> ClientIdentity:
        self.alone.append(alone)
        return ClientIdentity(iss="https://ehr.example.org")


@pytest.mark.parametrize("calls", [1, 2])
async def test_the_gate_tells_the_verifier_whether_the_call_is_alone(calls: int) -> None:
    ledger = Ledger(max_requests=CAP, max_bytes=None)
    ledger.calls = calls
    scope = {"type": "http", "method": "POST", "path": "/cds-services/x", "query_string": b"",
             "headers": [(b"authorization", b"Bearer t")], ADMISSION: Admission(ledger)}
    verifier = RecordingVerifier()
    await authenticate(Request(scope), verifier, "http://test", required=True)
    assert verifier.alone == [calls == 1]


async def test_slots_are_released_when_requests_end(http: httpx.AsyncClient, gate: Gate) -> None:
    gate.release.set()
    for _ in range(CAP * 3):
        assert (await http.post("/held", headers={"x-client": "a"})).status_code == 200


async def test_slot_is_released_when_the_handler_fails(gate: Gate) -> None:
    app = limited_app(gate)

    def slot_for_a(request: Request) -> None:
        admit(request, "a")

    @app.post("/boom", dependencies=[Depends(slot_for_a)])
    async def boom() -> None:
        raise RuntimeError("handler failed")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for _ in range(CAP + 1):
            assert (await client.post("/boom")).status_code == 500
        assert (await client.post("/echo", headers={"x-client": "a"})).status_code == 200


async def test_real_app_refuses_an_oversized_hook_call_with_413(
    settings_factory: Callable[..., Settings],
) -> None:
    from app.main import create_app

    app = create_app(settings_factory(max_body_bytes=5_000))
    body: dict[str, Any] = {"hook": "order-select", "hookInstance": "x", "context": {"pad": "x" * 6_000}}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as client:
            for path in ("/cds-services/spine-imaging-order-select",
                         "/cds-services/spine-imaging-order-select/feedback"):
                assert (await client.post(path, json=body)).status_code == 413, path

"""JSON in and out of the hook routes with orjson: the request body and the response are the largest
pieces of work FastAPI does for us (a 50-resource prefetch is ~40 kB; ``json.loads`` takes ~150 µs of it,
orjson ~75 µs; encoding the cards ~30 µs against ~3 µs).

Decoding is ``app.jsontext.loads``: the standard library's behaviour (its fallback), at orjson's speed,
except that a request holding a lone surrogate (``"\\ud800"``) is refused as malformed: it is not Unicode,
so it could be neither answered (UTF-8) nor stored (the audit trail), and it has no clinical use. A body
of ``LARGE_BODY_BYTES`` or more is decoded in a worker thread, so the event loop keeps serving others.
For the response, anything orjson cannot encode goes through Starlette's own ``json.dumps``; a NaN, which
Starlette would refuse with a 500, is sent as ``null``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

import anyio
import orjson
from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from app.jsontext import loads

LARGE_BODY_BYTES = 256_000  # ~300 resources: decoded in a few ms; larger bodies go to a worker thread


class OrjsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            large = len(body) >= LARGE_BODY_BYTES
            self._json = await anyio.to_thread.run_sync(decode, body) if large else decode(body)
        return self._json


def decode(body: bytes) -> Any:
    """``loads``; what only the standard library's fallback takes is checked for lone surrogates."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        value = loads(body)
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise json.JSONDecodeError("a string holds a lone surrogate (not Unicode)", "", 0) from None
    return value


class OrjsonRoute(APIRoute):
    """A route whose JSON body is decoded by :func:`loads`; the OpenAPI document is unchanged."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def decode_with_orjson(request: Request) -> Response:
            return await handler(OrjsonRequest(request.scope, request.receive))

        return decode_with_orjson


class OrjsonResponse(JSONResponse):
    """``JSONResponse`` (compact, UTF-8) encoded by orjson; Starlette's encoder for what orjson refuses."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except TypeError:
            return super().render(content)

"""JSON in and out of the hook routes with orjson: the request body and the response are the largest
pieces of work FastAPI does for us (a 50-resource prefetch is ~40 kB; ``json.loads`` takes ~150 µs of it,
orjson ~75 µs; encoding the cards ~30 µs against ~3 µs).

Decoding is ``app.jsontext.loads``: the standard library's behaviour (its fallback), at orjson's speed.
For the response, anything orjson cannot encode goes through Starlette's own ``json.dumps``; a NaN, which
Starlette would refuse with a 500, is sent as ``null``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from app.jsontext import loads


class OrjsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


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

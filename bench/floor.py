"""The floor: the least a FastAPI service can do with a hook call — parse the JSON body and answer
``{"cards": []}`` — run as the service is (one uvicorn process, same flags), on the same path.

The body is declared ``dict[str, Any]``, so FastAPI reads it, decodes the JSON and validates the top level
as the service's ``HookRequest`` does; nothing else happens (no middleware, no auth, no work).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

app = FastAPI(title="spine-cds bench floor", openapi_url=None, docs_url=None, redoc_url=None)


@app.post("/cds-services/{service_id}")
async def call_service(service_id: str, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse({"cards": []})


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}

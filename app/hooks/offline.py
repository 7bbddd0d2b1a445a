"""Evaluate a saved hook request without HTTP (``spine-cds evaluate``): prefetch only, no fallback."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from app.fhir.prefetch import resolve
from app.hooks.handlers import build_response, data_request_for, evaluate_call, make_call, require_core_data
from app.hooks.runtime import load_content
from app.hooks.schemas import HookRequest
from app.hooks.services import SERVICES
from app.settings import Settings


async def evaluate_saved_request(
    path: Path, settings: Settings, today: date | None
) -> tuple[dict[str, Any], list[str]]:
    body = HookRequest.model_validate(json.loads(path.read_text()))
    service = next((s for s in SERVICES.values() if s.hook == body.hook), None)
    if service is None:
        raise ValueError(f"no service answers hook {body.hook!r}")
    call = make_call(service, body)
    resolved = await resolve(data_request_for(call), None)
    require_core_data(resolved)
    content = load_content(settings)
    day = today or datetime.now(ZoneInfo(settings.site_timezone)).date()
    evaluations = evaluate_call(call, resolved.chart, content, day)
    ratings = [
        str(e.decision.rating) if e.decision.rating else "none"
        for e in evaluations
        if e.system_action or e.decision.order is not None
    ]
    return build_response(evaluations, silent=False).response, ratings

"""``/admin``: the override dashboard and its CSV export, behind the admin credential.

Left out of the OpenAPI document: it is an operator page, not part of the CDS Hooks contract.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from app.admin.auth import AdminRoute
from app.admin.page import render_page
from app.admin.period import Period
from app.admin.queries import load_dashboard
from app.admin.replay import replay_section, with_replay
from app.hooks.deps import RuntimeDep
from app.hooks.errors import MalformedRequest, UnknownService

admin_router = APIRouter(prefix="/admin", route_class=AdminRoute, include_in_schema=False)


def get_period(
    runtime: RuntimeDep,
    start: Annotated[date | None, Query()] = None,
    end: Annotated[date | None, Query()] = None,
) -> Period:
    zone = ZoneInfo(runtime.settings.site_timezone)
    try:
        return Period.choose(start, end, zone, runtime.today())
    except ValueError as exc:
        raise MalformedRequest(str(exc)) from exc


PeriodDep = Annotated[Period, Depends(get_period)]


@admin_router.get("", response_class=HTMLResponse)
async def dashboard(runtime: RuntimeDep, period: PeriodDep) -> HTMLResponse:
    loaded = await run_in_threadpool(load_dashboard, runtime.database, period)
    settings = runtime.settings
    html = render_page(loaded, policy_version=runtime.content.policy.version, mode=settings.mode.value,
                       silent_services=settings.silent_services, generated=datetime.now(UTC))
    section = await run_in_threadpool(replay_section, settings.admin_replay_file, period)
    return HTMLResponse(with_replay(html, section))


@admin_router.get("/export/{table}.csv")
async def export(table: str, runtime: RuntimeDep, period: PeriodDep) -> Response:
    loaded = await run_in_threadpool(load_dashboard, runtime.database, period)
    found = next((t for t in loaded.tables if t.key == table), None)
    if found is None:
        raise UnknownService(f"no table {table!r}; choose one of {[t.key for t in loaded.tables]}")
    filename = f"spine-cds-{table}-{period.slug()}.csv"
    return Response(
        found.to_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

"""``GET /metrics``: the Prometheus text format, for the cluster's scraper (not in the OpenAPI document).

No authentication, like ``/healthz``: it carries counts and codes only (``app.observability.metrics``).
Keep it off the EHR-facing ingress; the Kubernetes NetworkPolicy admits the monitoring namespace.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.observability.metrics import CONTENT_TYPE, render

metrics_router = APIRouter()


@metrics_router.get("/metrics", include_in_schema=False)
async def prometheus_metrics() -> Response:
    return Response(render(), media_type=CONTENT_TYPE)

"""``GET /explain/{consult id}``: "How this was decided", the one informaticist link on every card.

The clinician's card text carries no rule ids, criteria names or FHIR ids; this page does, for whoever
must know why a card fired. It is read from the audit trail (app/audit), which holds references and codes
only, and it shows none of the references: the rules that fired, the rating and criteria applied, the
cards' topics, which data came by prefetch or by fetch, and the policy and card-content versions. With no
clinical fact and no patient or order id on it, it needs no credential (docs/security.md); the consult id
is a random UUID, and an unknown or malformed one is a plain 404. The audit row is written off the
critical path, so a click in the first moments after a call may find nothing yet: the page says so.
"""

from __future__ import annotations

import html
import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.audit.models import EvaluationAudit
from app.audit.store import consult_urn
from app.feedback import Database
from app.hooks.deps import RuntimeDep

EXPLAIN_PATH = "/explain"
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
}
explain_router = APIRouter(include_in_schema=False)


@explain_router.get(EXPLAIN_PATH + "/{consult_id}", response_class=HTMLResponse)
async def explain(consult_id: str, runtime: RuntimeDep) -> HTMLResponse:
    trace = await run_in_threadpool(load_trace, runtime.database, consult_id)
    if trace is None:
        body = _page("Not found", "<p>No evaluation with this consult id is on record (yet): the audit "
                     "row is written a moment after the call. Reload in a few seconds.</p>")
        return HTMLResponse(body, status_code=404, headers=HEADERS)
    return HTMLResponse(_page("How this was decided", _table(trace)), headers=HEADERS)


def load_trace(database: Database, consult_id: str) -> dict[str, Any] | None:
    """The consult's non-identifying rule trace, or ``None`` (malformed id, or nothing recorded)."""
    try:
        wanted = consult_urn(str(uuid.UUID(consult_id.removeprefix("urn:uuid:"))))
    except ValueError:
        return None
    query = (select(EvaluationAudit).where(EvaluationAudit.consult_id == wanted)
             .options(selectinload(EvaluationAudit.rules), selectinload(EvaluationAudit.cards)))
    with database.session() as session:
        row = session.scalars(query).first()
        return None if row is None else _trace(row)


def _trace(row: EvaluationAudit) -> dict[str, Any]:
    """Never ``patient_reference`` or ``order_reference``: the page is served without a credential."""
    return {
        "Consult id": row.consult_id,
        "Service": f"{row.service_id} ({row.hook})",
        "Evaluated (UTC)": row.evaluated_at.strftime("%Y-%m-%d %H:%M"),
        "Rules that fired (PATHWAY.md)": ", ".join(sorted(rule.rule for rule in row.rules)) or "none",
        "PAMA rating": row.rating or "not determined (no rating sent)",
        "Criteria applied": row.auc_variant or "none",
        "Cards (topic, indicator)": ", ".join(f"{c.topic} {c.indicator}" for c in row.cards) or "none",
        "Data from prefetch": ", ".join(row.keys_from_prefetch) or "none",
        "Data fetched from the FHIR server": ", ".join(row.keys_fetched) or "none",
        "Data that could not be read": ", ".join([*row.keys_failed, *row.keys_incomplete]) or "none",
        "Resources skipped as malformed": str(row.skipped_resources),
        "Policy version": row.policy_version,
        "Card content version": row.content_version,
        "Silent mode": "yes" if row.silent else "no",
    }


def _table(trace: dict[str, Any]) -> str:
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in
                   trace.items())
    return (f"<table>{rows}</table><p>Rule ids refer to the pathway specification (docs/pathway.md); "
            "the clinical facts behind them are in the card and the chart, not here.</p>")


def _page(title: str, body: str) -> str:
    style = ("body{font:15px/1.4 system-ui,sans-serif;margin:2em;max-width:60em}"
             "th{text-align:left;padding:.3em 1em .3em 0;vertical-align:top}td{padding:.3em 0}")
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>spine-cds: {title}</title>"
            f"<style>{style}</style></head><body><h1>{title}</h1>{body}</body></html>")

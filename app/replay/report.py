"""``report.html``: one self-contained page a CDS committee reads (charts inline as PNG, no scripts).

It answers "how often will this fire, on whom, and will clinicians drown in it?" from ``summary.json``
alone, so both engines give the same page.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: the report is written, never shown
import matplotlib.pyplot as plt

_STYLE = """body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}
td.n{text-align:right}.kpi{display:inline-block;margin:0 2em 1em 0}.kpi b{display:block;font-size:1.8em}
img{max-width:100%}.note{color:#555;font-size:.9em}"""


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)
    return f'<img alt="chart" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _monthly(by_month: Mapping[str, Mapping[str, int]]) -> str:
    months = list(by_month)
    figure, axis = plt.subplots(figsize=(10, 3.6))
    axis.bar(months, [by_month[m].get("orders", 0) for m in months], color="#9ab", label="spine orders")
    axis.bar(months, [by_month[m].get("orders_with_cards", 0) for m in months], color="#d62",
             label="orders that would show a card")
    axis.set_ylabel("orders")
    axis.legend(loc="upper left")
    axis.tick_params(axis="x", rotation=90)
    return _png(figure)


def _bars(counts: Mapping[str, int], title: str, color: str, limit: int = 25) -> str:
    items = list(counts.items())[:limit]
    if not items:
        return "<p class=note>none</p>"
    figure, axis = plt.subplots(figsize=(10, 0.35 * len(items) + 0.8))
    axis.barh([name for name, _ in reversed(items)], [n for _, n in reversed(items)], color=color)
    axis.set_xlabel(title)
    return _png(figure)


def _histogram(histogram: Mapping[str, int]) -> str:
    figure, axis = plt.subplots(figsize=(10, 3))
    cards = [int(k) for k in histogram]
    axis.bar(cards, list(histogram.values()), color="#557", width=0.8)
    axis.set_xticks(cards)
    axis.set_xlabel("cards one clinician would see on one day (spine orders only)")
    axis.set_ylabel("clinician-days")
    return _png(figure)


def _kpis(summary: Mapping[str, Any]) -> str:
    days = summary["clinician_days"]
    figures = [
        ("patients", summary["patients"]), ("spine orders", summary["orders"]),
        ("orders with a card", summary["orders_with_cards"]),
        ("cards per 100 orders", summary["cards_per_100_orders"]),
        ("cards per clinician-day (mean)", days.get("cards_mean", "n/a")),
        ("90th percentile per clinician-day", days.get("cards_p90", "n/a")),
        ("red flag made appropriate", summary["red_flag_appropriate_count"]),
    ]
    return "".join(f"<div class=kpi><b>{html.escape(str(v))}</b>{html.escape(k)}</div>" for k, v in figures)


def _table(rows: list[Mapping[str, str]], columns: tuple[str, ...]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>" for c in columns) + "</tr>"
        for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _counts(counts: Mapping[str, int]) -> str:
    return _table([{"value": k, "orders": str(v)} for k, v in counts.items()], ("value", "orders"))


def render_report(summary: Mapping[str, Any]) -> str:
    days, source = summary["clinician_days"], summary["input"]
    flagged = summary["red_flag_appropriate"]
    parts = [
        "<!doctype html><html lang=en><meta charset=utf-8><title>spine-cds replay</title>",
        f"<style>{_STYLE}</style>",
        "<h1>What spine-cds would have said: a replay of past spine imaging orders</h1>",
        f"<p class=note>Policy version <b>{html.escape(summary['policy_version'])}</b>, card content version "
        f"<b>{html.escape(summary['content_version'])}</b>, engine {html.escape(summary['engine'])}. Every "
        "order is rated as of the day it was written, with the chart the hook would have been sent then.</p>",
        _kpis(summary),
        "<h2>Orders and would-be cards by month</h2>", _monthly(summary["by_month"]),
        "<h2>By rating (PAMA)</h2>", _bars(summary["by_rating"], "orders", "#48a"),
        _counts(summary["by_rating"]),
        "<h2>By highest card indicator</h2>", _counts(summary["by_indicator"]),
        "<h2>By card topic</h2>", _bars(summary["by_topic"], "cards", "#d62"),
        "<h2>By pathway rule</h2>", _bars(summary["by_rule"], "orders the rule fired on", "#6a4"),
        "<h2>Will clinicians drown in it? Cards per clinician-day</h2>",
        _clinician_days(days),
        f"<h2>Orders a red flag made appropriate ({summary['red_flag_appropriate_count']})</h2>",
        "<p class=note>Rated appropriate with a red-flag card (cauda equina, motor deficit, myelopathy, "
        "infection, cancer): the orders the pathway would never have deferred.</p>",
        _table(flagged, ("order", "authored_on", "region", "modality", "red_flags", "indicator")) if flagged
        else "<p class=note>none</p>",
        "<h2>Input</h2>",
        _table([{"what": k, "count": str(v)} for k, v in source.items()], ("what", "count")),
        f"<p class=note>{summary['orders_not_evaluated']} orders were not rated: no exact authoredOn "
        "date, or a patient id that is not a FHIR id. Resources are replayed as the export holds them "
        "now (a status changed since is not undone).</p>",
        "</html>",
    ]
    return "\n".join(parts)


def _clinician_days(days: Mapping[str, Any]) -> str:
    if not days.get("count"):
        return f"<p class=note>{html.escape(str(days.get('note', 'no data')))}</p>"
    text = (f"<p>{days['count']} clinician-days (one requester, one day, at least one spine order): "
            f"mean {days['cards_mean']} cards, median {days['cards_p50']}, "
            f"90th percentile {days['cards_p90']}, "
            f"most {days['cards_max']}; {days['days_with_a_card']} days with at least one card.</p>")
    return text + _histogram(days["histogram"])


def write_report(path: Path, summary: Mapping[str, Any]) -> None:
    path.write_text(render_report(summary), encoding="utf-8")

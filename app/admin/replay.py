"""The dashboard's replay section: what ``spine-cds replay`` predicted, beside what the service then did.

``SPINE_CDS_ADMIN_REPLAY_FILE`` names a ``decisions.parquet`` written by a replay (docs/replay.md). The
section shows its ratings and card topics over the whole replay and over the dashboard's period (a replay
is usually of earlier years, so the whole-replay shares are the prediction to compare with the live
tables). A missing or unreadable file is said on the page, never an error: the dashboard still works.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from jinja2 import Environment, StrictUndefined

from app.admin.period import Period
from app.admin.queries import RATINGS
from app.admin.tables import Cell, Table, percent

_COLUMNS = ["authored_on", "rating", "topics", "cards", "evaluated"]
_ENVIRONMENT = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_SECTION = _ENVIRONMENT.from_string("""<section id="replay">
<h2>Replay: what the service would have said (decisions.parquet)</h2>
{% if problem %}<p class="meta">{{ problem }}</p>{% else %}
<p class="meta">{{ source }}: {{ first }} to {{ last }}; compare its shares with the live tables above.</p>
{% for table in tables %}
<table id="{{ table.key }}"><caption>{{ table.title }}</caption>
  <thead><tr>{% for column in table.columns %}<th>{{ column }}</th>{% endfor %}</tr></thead>
  <tbody>{% for row in table.rows %}<tr>{% for cell in row %}
    <td{% if cell is number %} class="n"{% endif %}>{{ "–" if cell is none else cell }}</td>{% endfor %}</tr>
  {% endfor %}</tbody>
</table>
{% endfor %}{% endif %}
</section>
""")


def _read(path: Path) -> list[dict[str, object]]:
    import pyarrow.parquet as pq  # the optional ``replay`` dependency group: only when a file is configured

    rows: list[dict[str, object]] = pq.read_table(path, columns=_COLUMNS).to_pylist()
    return [row for row in rows if row["evaluated"] == "yes"]


def _ratings(whole: list[dict[str, object]], period: list[dict[str, object]]) -> Table:
    counts = [Counter(str(row["rating"] or "none") for row in rows) for rows in (whole, period)]
    rows: list[tuple[Cell, ...]] = [
        (rating, counts[0][rating], percent(counts[0][rating], len(whole)), counts[1][rating],
         percent(counts[1][rating], len(period)))
        for rating in RATINGS
    ]
    columns = ("rating", "orders (whole replay)", "%", "orders (this period)", "%")
    return Table("replay-ratings", "Replayed orders by rating", columns, tuple(rows))


def _topics(whole: list[dict[str, object]], period: list[dict[str, object]]) -> Table:
    counts = [Counter(t for row in rows for t in str(row["topics"]).split()) for rows in (whole, period)]
    rows: list[tuple[Cell, ...]] = [
        (topic, counts[0][topic], percent(counts[0][topic], len(whole)), counts[1][topic])
        for topic in sorted(counts[0] | counts[1])
    ]
    columns = ("topic", "cards (whole replay)", "cards per 100 orders", "cards (this period)")
    return Table("replay-topics", "Replayed cards by topic", columns, tuple(rows))


def _in_period(rows: Iterable[dict[str, object]], period: Period) -> list[dict[str, object]]:
    start, end = period.start.isoformat(), period.end.isoformat()
    return [row for row in rows if start <= str(row["authored_on"]) <= end]


def replay_section(path: Path | None, period: Period) -> str:
    """The HTML section, or "" when no replay file is configured."""
    if path is None:
        return ""
    try:
        whole = _read(path)
    except (OSError, ImportError, ValueError, KeyError) as exc:
        return _SECTION.render(problem=f"The replay file could not be read ({type(exc).__name__}).")
    if not whole:
        return _SECTION.render(problem="The replay file holds no rated order.")
    days = sorted(str(row["authored_on"]) for row in whole)
    period_rows = _in_period(whole, period)
    return _SECTION.render(problem=None, source=path.name, first=days[0], last=days[-1],
                           tables=(_ratings(whole, period_rows), _topics(whole, period_rows)))


def with_replay(page: str, section: str) -> str:
    """The section goes last in the page body."""
    return page.replace("</body>", section + "</body>", 1) if section else page


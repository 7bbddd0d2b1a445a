"""The dashboard as one server-rendered HTML page (Jinja2, autoescaped; no script, no external assets)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from app.admin.chart import daily_volume_svg
from app.admin.period import Period
from app.admin.queries import RATINGS, Dashboard

_ENVIRONMENT = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_TEMPLATE = _ENVIRONMENT.from_string("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>spine-cds: evaluations and overrides</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
  table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
  th, td { border: 1px solid #ccc; padding: .2rem .6rem; text-align: left; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
  caption { text-align: left; font-weight: 600; padding: .3rem 0; }
  .meta { color: #555; }
</style>
</head>
<body>
<h1>spine-cds: evaluations and overrides</h1>
<p class="meta">Policy <span id="policy-version">{{ policy_version }}</span>,
mode <span id="mode">{{ mode }}</span>{% if silent_services %} (silent services:
{{ silent_services | join(", ") }}){% endif %}. Generated {{ generated }}.</p>
<form method="get" action="admin">
  <label>From <input type="date" name="start" value="{{ period.start.isoformat() }}"></label>
  <label>to <input type="date" name="end" value="{{ period.end.isoformat() }}"></label>
  <button type="submit">Show</button>
  <span class="meta">Days in {{ period.zone.key }}.</span>
</form>
<h2>Daily evaluations by rating</h2>
{{ chart }}
{% for table in dashboard.tables %}
<table id="{{ table.key }}">
  <caption>{{ table.title }}
    <a class="csv" href="admin/export/{{ table.key }}.csv?{{ query }}" download>CSV</a></caption>
  <thead><tr>{% for column in table.columns %}<th>{{ column }}</th>{% endfor %}</tr></thead>
  <tbody>
  {% for row in table.rows %}
    <tr>{% for cell in row %}
      <td{% if cell is number %} class="n"{% endif %}>{{ "–" if cell is none else cell }}</td>
    {% endfor %}</tr>
  {% else %}
    <tr class="empty"><td colspan="{{ table.columns | length }}">nothing in this period</td></tr>
  {% endfor %}
  </tbody>
</table>
{% endfor %}
</body>
</html>
""")


def render_page(dashboard: Dashboard, *, policy_version: str, mode: str, silent_services: list[str],
                generated: datetime) -> str:
    chart = Markup(daily_volume_svg(dashboard.daily, RATINGS))  # noqa: S704 - built from numbers, escaped
    return _TEMPLATE.render(
        dashboard=dashboard, period=dashboard.period, chart=chart, query=_query(dashboard.period),
        policy_version=policy_version,
        mode=mode, silent_services=silent_services, generated=generated.isoformat(timespec="seconds"),
    )


def _query(period: Period) -> str:
    return urlencode({"start": period.start.isoformat(), "end": period.end.isoformat()})

"""Daily evaluation volume by rating as a stacked-bar SVG, drawn on the server (no script, no CDN).

Pure: numbers in, markup out. Every value is a number or one of our own rating names, and the few strings
that reach the markup are escaped anyway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

COLOURS = {
    "appropriate": "#2e7d32",
    "not-appropriate": "#c62828",
    "no-criteria-apply": "#9e9e9e",
    "none": "#f9a825",
}
WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 28, 40
Day = tuple[str, Mapping[str, int]]


def daily_volume_svg(days: Sequence[Day], ratings: Sequence[str]) -> str:
    peak = _nice_ceiling(max((sum(counts.values()) for _, counts in days), default=0))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="daily-chart" role="img" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" aria-labelledby="daily-chart-title">',
        '<title id="daily-chart-title">Evaluations per day by rating</title>',
        *_axis(peak),
        *_bars(days, ratings, peak),
        *_legend(ratings),
        "</svg>",
    ]
    return "\n".join(parts)


def _nice_ceiling(value: int) -> int:
    """The y axis top: 1, 2, 5 × 10ⁿ at or above the busiest day (at least 1, so an empty chart draws)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return max(step * factor, 1)
        step *= 10


def _plot_height() -> int:
    return HEIGHT - TOP - BOTTOM


def _y(value: float, peak: int) -> float:
    return TOP + _plot_height() * (1 - value / peak)


def _axis(peak: int) -> list[str]:
    lines = [f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" stroke="#444"/>',
             f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
             'stroke="#444"/>']
    for tick in (0, peak // 2, peak) if peak > 1 else (0, peak):
        y = _y(tick, peak)
        lines.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{tick}</text>')
        lines.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#ddd"/>')
    return lines


def _bars(days: Sequence[Day], ratings: Sequence[str], peak: int) -> list[str]:
    slot = (WIDTH - LEFT - RIGHT) / max(len(days), 1)
    label_every = max(1, round(len(days) / 10))
    parts = []
    for index, (day, counts) in enumerate(days):
        x = LEFT + index * slot
        parts.append(f'<g class="day" data-day="{escape(day)}" data-total="{sum(counts.values())}">')
        parts += _stack(day, counts, ratings, x + slot * 0.1, slot * 0.8, peak)
        parts.append("</g>")
        if index % label_every == 0:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" '
                         f'font-size="10">{escape(day[5:])}</text>')
    return parts


def _stack(day: str, counts: Mapping[str, int], ratings: Sequence[str], x: float, width: float,
           peak: int) -> list[str]:
    parts, base = [], 0
    for rating in ratings:
        count = counts.get(rating, 0)
        if not count:
            continue
        top, bottom = _y(base + count, peak), _y(base, peak)
        parts.append(
            f'<rect class="bar" data-rating="{escape(rating)}" data-count="{count}" x="{x:.1f}" '
            f'y="{top:.1f}" width="{width:.1f}" height="{bottom - top:.1f}" '
            f'fill="{COLOURS.get(rating, "#555")}">'
            f"<title>{escape(day)} {escape(rating)}: {count}</title></rect>"
        )
        base += count
    return parts


def _legend(ratings: Sequence[str]) -> list[str]:
    parts = []
    for index, rating in enumerate(ratings):
        x = LEFT + index * 150
        parts.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{COLOURS.get(rating, "#555")}"/>')
        parts.append(f'<text x="{x + 16}" y="18" font-size="12">{escape(rating)}</text>')
    return parts

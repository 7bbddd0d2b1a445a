"""Summary and detail text of a card: templates filled from ``Advice.values``, plus the evidence sections.

PATHWAY.md §5: the detail states the criteria evaluated, the facts found **with their dates** (and
references), what was looked for and not found, what could not be checked and the guidelines cited. Those
sections are generated from ``Decision.facts`` so that every card cites the same evidence the same way;
the card's own words come from its template (cards/<key>.toml).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from app.pathway.model import Advice, Decision, Evidence, Facts, RedFlag
from app.render.library import CardContent, Source, placeholders

SUMMARY_LIMIT = 140  # CONTRACT.md C4: "<140 characters"
_MARKDOWN_SPECIAL = "\\`*_[]<>#|"
_MARKDOWN_ESCAPES = str.maketrans({char: "\\" + char for char in _MARKDOWN_SPECIAL})


def fill(template: str, values: Mapping[str, str], where: str) -> str:
    """``template`` with every placeholder filled; a placeholder without a value is a ``ValueError``."""
    names = placeholders(template)
    missing = sorted(names - values.keys())
    if missing:
        raise ValueError(f"{where}: no value for {', '.join(missing)}")
    return template.format_map({name: values[name] for name in names})


def summary(content: CardContent, advice: Advice) -> str:
    """The filled summary; cut (never expected: tests fill every template with maximal values) to < 140."""
    text = fill(content.summary, advice.values, f"cards/{content.key}.toml summary")
    return text if len(text) < SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 2] + "…"


def escape(text: str) -> str:
    """Chart-derived text inside Markdown: no accidental emphasis, links or HTML."""
    return text.translate(_MARKDOWN_ESCAPES)


def detail(content: CardContent, advice: Advice, decision: Decision, source: Source) -> str:
    """The card's own detail, then the generated sections (each omitted when it would be empty)."""
    values = {name: escape(value) for name, value in advice.values.items()}
    own = fill(content.detail, values, f"cards/{content.key}.toml detail")
    parts = [own, *_criteria(advice, decision, source), *_evidence(content, decision.facts, source)]
    if content.links:
        cited = "; ".join(f"[{link.label}]({link.url})" for link in content.links)
        parts.append(f"**{source.detail['guidelines']}:** {cited}")
    return "\n\n".join(parts)


def _criteria(advice: Advice, decision: Decision, source: Source) -> Iterator[str]:
    if advice.rule.startswith("R"):
        yield f"**{source.detail['rule']}:** PATHWAY.md {advice.rule}"
    if decision.order is not None and decision.auc_variant:
        yield f"**{source.detail['criteria']}:** {decision.auc_variant}"


def _evidence(content: CardContent, facts: Facts, source: Source) -> Iterator[str]:
    found = [line for section in content.evidence for line in _found(section, facts, source)]
    absent = [label for section in content.evidence for label in _absent(section, facts, source)]
    if found:
        yield f"**{source.detail['found']}:**\n\n" + "\n".join(found)
    if absent:
        yield f"**{source.detail['not_found']}:** " + "; ".join(absent)
    if facts.unavailable:
        yield f"**{source.detail['unavailable']}:** " + ", ".join(sorted(facts.unavailable))


def _line(heading: str, item: Evidence) -> str:
    where = [escape(part) for part in (item.reference, item.on.isoformat() if item.on else None) if part]
    suffix = f" ({', '.join(where)})" if where else ""
    return f"- {heading}: {escape(item.label)}{suffix}"


def _section(facts: Facts, section: str) -> tuple[Evidence, ...]:
    items: tuple[Evidence, ...] = getattr(facts, section)
    return tuple(sorted(items, key=Evidence.sort_key))


def _found(section: str, facts: Facts, source: Source) -> Iterator[str]:
    heading = source.evidence[section]
    if section == "onset":
        yield from _onset(facts, source)
    elif section == "red_flags":
        for flag in RedFlag:
            for item in sorted(facts.red_flags.get(flag, ()), key=Evidence.sort_key):
                yield _line(f"{heading} ({source.red_flags[flag]})", item)
    else:
        yield from (_line(heading, item) for item in _section(facts, section))


def _onset(facts: Facts, source: Source) -> Iterator[str]:
    if facts.onset is None:
        return
    heading = source.evidence["onset" if facts.onset_verified else "onset_lower_bound"]
    reference = facts.onset_evidence.reference if facts.onset_evidence is not None else None
    where = f" ({escape(reference)})" if reference else ""
    yield f"- {heading}: {facts.onset.isoformat()}{where}"


def _absent(section: str, facts: Facts, source: Source) -> Iterator[str]:
    heading = source.evidence[section]
    if section == "red_flags":
        missing = [source.red_flags[flag] for flag in RedFlag if flag not in facts.red_flags]
        if missing:
            yield f"{heading}: {', '.join(missing)}"
    elif section == "onset":
        if facts.onset is None:
            yield heading
    elif not getattr(facts, section):
        yield heading

"""Cards a clinician reads in five seconds: every card file, and every card rendered, held to the same rules.

The rules (docs/pathway.md "Card content"): the summary is the decision and its reason (< 140 characters);
the detail is at most ``MAX_LINES`` short lines — the dated facts that decided it, what to do, the date it
changes — in plain words, with no rule-file names, rule ids or FHIR ids (those are in the audit trail and
behind the one "How this was decided" link); guidelines appear once, as links, never in the detail.
Generic on purpose: a card file added later is held to it without touching this test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from render_fixtures import CARDS, SCENARIOS, context, draft_order

from app.pathway.model import Decision, Region
from app.render import CardLibrary, render_cards
from app.render.library import RESERVED

MAX_LINES = 6
MAX_LINE_CHARS = 170
DEVELOPER_WORDS = re.compile(
    r"PATHWAY|CONTRACT|\.md\b|\bR\d+[a-z]?\b|Criteria applied|\bRule\b|variant \d|urn:|"
    r"\b(Condition|Observation|Procedure|MedicationRequest|MedicationStatement|ServiceRequest|ImagingStudy|"
    r"Patient|Encounter|DiagnosticReport)/"
)
CARD_FILES = sorted(path for path in CARDS.glob("*.toml") if path.stem not in RESERVED)


def _template_lines(library: CardLibrary, key: str) -> list[str]:
    return [line for line in library.content(key).detail.splitlines() if line.strip()]


@pytest.mark.parametrize("path", CARD_FILES, ids=[path.stem for path in CARD_FILES])
def test_every_card_file_fits_six_lines_with_its_facts_and_unreadable_data(
    library: CardLibrary, path: Path
) -> None:
    content = library.content(path.stem)
    own = [line for line in _template_lines(library, path.stem) if line.strip() != "{facts}"]
    assert len(own) + len(content.evidence) + 1 <= MAX_LINES, "own lines + one per evidence + unreadable"
    assert all(len(line) <= MAX_LINE_CHARS for line in own)


@pytest.mark.parametrize("path", CARD_FILES, ids=[path.stem for path in CARD_FILES])
def test_every_card_file_speaks_to_a_clinician_not_a_developer(library: CardLibrary, path: Path) -> None:
    content = library.content(path.stem)
    for text in (content.summary, content.detail):
        assert not DEVELOPER_WORDS.search(text), DEVELOPER_WORDS.search(text)
        assert "](http" not in text, "guidelines are links, not detail text"
    labels = [link.label for link in content.links]
    assert len(labels) == len(set(labels)), "each guideline once"


@pytest.mark.parametrize(("name", "decision"), SCENARIOS, ids=[name for name, _ in SCENARIOS])
def test_every_rendered_card_is_short_plain_and_links_each_guideline_once(
    library: CardLibrary, name: str, decision: Decision
) -> None:
    resource = draft_order() if decision.order else None
    for card in render_cards(decision, library, context(resource)):
        lines = [line for line in card["detail"].splitlines() if line.strip()]
        assert len(lines) <= MAX_LINES, card["detail"]
        assert all(line.startswith("- ") for line in lines), "short bullets"
        assert len(card["summary"]) < 140
        assert not DEVELOPER_WORDS.search(card["summary"] + "\n" + card["detail"]), card["detail"]
        urls = [link["url"] for link in card.get("links", [])]
        assert len(urls) == len(set(urls))
        assert not any(url in card["detail"] for url in urls)


def _region(decision: Decision) -> Region | None:
    return decision.order.region if decision.order and decision.order.region else decision.facts.region


REGIONAL = [(name, decision) for name, decision in SCENARIOS if _region(decision) is not None]


@pytest.mark.parametrize(("name", "decision"), REGIONAL, ids=[name for name, _ in REGIONAL])
def test_every_rendered_card_links_only_the_guidelines_of_the_region(
    library: CardLibrary, name: str, decision: Decision
) -> None:
    region = _region(decision)
    assert region is not None
    resource = draft_order() if decision.order else None
    by_url = {link.url: link for link in library.source.guidelines.values()}
    rendered = render_cards(decision, library, context(resource))
    for advice, card in zip(decision.advices, rendered, strict=True):
        if library.content(advice.content).links_any_region:  # myelopathy: the cord's criteria
            continue
        for link in card.get("links", []):
            guideline = by_url[link["url"]]
            assert not guideline.regions or region.value in guideline.regions, (name, link["label"])

"""The card library: ``cards/*.toml`` loaded once at start-up and validated (STYLE.md habit 6).

Layout of ``cards/`` (docs/pathway.md has the full format; app/render/cardfiles.py the model of each):

* ``source.toml`` — source label, topic system and displays, guideline links, the words of the generated
  detail sections, red-flag class names;
* ``override_reasons.toml`` — the override reason Codings (CONTRACT.md C9);
* ``suggestions.toml`` — a label and action description per ``SuggestionKind``, codes of created resources;
* ``order_codes.toml`` — MRI codes per region and contrast for the one-click order updates;
* ``labels.toml`` — the words of the values a card is filled from (app/render/labels.py);
* every other ``<key>.toml`` — one card content named by ``Advice.content``.

A bad file raises ``ValueError`` naming it and the field, so a broken card never reaches a clinician.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from pydantic import BaseModel

from app.contentfile import validated
from app.pathway.model import RedFlag, SuggestionKind, Topic
from app.render.cardfiles import (
    CardFile,
    LinkEntry,
    OrderCodesFile,
    OverrideReasonsFile,
    SourceFile,
    SuggestionsFile,
)
from app.render.labels import Labels, LabelsFile
from app.render.placeholders import placeholders as placeholders
from app.terminology.coding import Coding

SOURCE, OVERRIDES, SUGGESTIONS, ORDER_CODES, LABELS = (
    "source", "override_reasons", "suggestions", "order_codes", "labels",
)
RESERVED = frozenset({SOURCE, OVERRIDES, SUGGESTIONS, ORDER_CODES, LABELS})

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Link:
    """A guideline link; ``regions`` are the spine regions it is about (empty: any region)."""

    label: str
    url: str
    type: str = "absolute"
    regions: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class SuggestionText:
    label: str
    description: str
    priority: str | None = None


@dataclass(frozen=True, slots=True)
class CardContent:
    """One ``cards/<key>.toml``: the words of one kind of card."""

    key: str
    topic: Topic
    summary: str
    detail: str
    links: tuple[Link, ...]
    evidence: tuple[str, ...]
    override_reasons: tuple[Coding, ...]
    recommended: frozenset[SuggestionKind]
    links_any_region: bool = False


@dataclass(frozen=True, slots=True)
class Source:
    label: str
    topic_system: str
    default_url: str
    topics: Mapping[Topic, str]
    facts: Mapping[str, str]
    explain_label: str
    red_flags: Mapping[RedFlag, str]
    guidelines: Mapping[str, Link]


@dataclass(frozen=True, slots=True)
class CardLibrary:
    """Everything the renderer says; ``version`` (a hash of every file) goes into the audit trail."""

    version: str
    source: Source
    contents: Mapping[str, CardContent]
    suggestions: Mapping[SuggestionKind, SuggestionText]
    resources: Mapping[str, Coding]
    performer_text: str
    mri_codes: Mapping[tuple[str, str], tuple[Coding, ...]]
    labels: Labels

    def content(self, key: str) -> CardContent:
        found = self.contents.get(key)
        if found is None:
            raise ValueError(f"no card content cards/{key}.toml")
        return found


def load_card_library(directory: Path) -> CardLibrary:
    """Load and validate ``directory/*.toml``; ``ValueError`` names the first bad file and its fields."""
    files = {path.stem: path for path in sorted(directory.glob("*.toml"))}
    missing = sorted(RESERVED - files.keys())
    if missing:
        raise ValueError(f"{directory}: missing {', '.join(name + '.toml' for name in missing)}")
    source = _source(_file(SourceFile, files[SOURCE]))
    overrides = _file(OverrideReasonsFile, files[OVERRIDES])
    reasons = {code: Coding(overrides.system, code, item.display) for code, item in overrides.reasons.items()}
    context = {"guidelines": tuple(source.guidelines), "override_reasons": tuple(reasons)}
    contents = {
        name: _content(name, _file(CardFile, path, context), source, reasons)
        for name, path in files.items() if name not in RESERVED
    }
    suggestions = _file(SuggestionsFile, files[SUGGESTIONS])
    resources = suggestions.resources
    return CardLibrary(
        version=_version(files.values()),
        source=source,
        contents=MappingProxyType(contents),
        suggestions=MappingProxyType({
            kind: SuggestionText(entry.label, entry.description, entry.priority)
            for kind, entry in suggestions.kinds.items()
        }),
        resources=MappingProxyType({
            "physical_therapy": resources.physical_therapy.coding(),
            "spine_referral": resources.spine_referral.coding(),
            "spine_performer": resources.spine_performer.coding(),
        }),
        performer_text=resources.spine_performer.text,
        mri_codes=_mri_codes(_file(OrderCodesFile, files[ORDER_CODES])),
        labels=Labels(_file(LabelsFile, files[LABELS])),
    )


def _file(model: type[M], path: Path, context: dict[str, Any] | None = None) -> M:
    """One file read and checked against its model; every error names the file."""
    try:
        with path.open("rb") as handle:
            table = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from exc
    return validated(model, table, str(path), context)


def _version(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _link(entry: LinkEntry) -> Link:
    return Link(entry.label, entry.url, entry.type, frozenset(region.value for region in entry.regions))


def _source(found: SourceFile) -> Source:
    return Source(
        label=found.label,
        topic_system=found.topic_system,
        default_url=found.default_url,
        topics=MappingProxyType(dict(found.topics)),
        facts=MappingProxyType(dict(found.facts)),
        explain_label=found.explain_label,
        red_flags=MappingProxyType(dict(found.red_flags)),
        guidelines=MappingProxyType({key: _link(link) for key, link in found.guidelines.items()}),
    )


def _mri_codes(found: OrderCodesFile) -> Mapping[tuple[str, str], tuple[Coding, ...]]:
    return MappingProxyType({
        (entry.region.value, entry.contrast.value): tuple(code.coding() for code in entry.codes)
        for entry in found.mri
    })


def _content(key: str, found: CardFile, source: Source, reasons: Mapping[str, Coding]) -> CardContent:
    return CardContent(
        key=key,
        topic=found.topic,
        summary=found.summary,
        detail=found.detail,
        links=tuple(source.guidelines[name] for name in found.links),
        evidence=tuple(found.evidence),
        override_reasons=tuple(reasons[name] for name in found.override_reasons),
        recommended=found.recommended,
        links_any_region=found.links_any_region,
    )

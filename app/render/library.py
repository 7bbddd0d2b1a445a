"""The card library: ``cards/*.toml`` loaded once at start-up and validated (STYLE.md habit 6).

Layout of ``cards/`` (docs/pathway.md has the full format):

* ``source.toml`` — source label, topic system and displays, guideline links, the words of the generated
  detail sections, red-flag class names;
* ``override_reasons.toml`` — the override reason Codings (CONTRACT.md C9);
* ``suggestions.toml`` — a label and action description per ``SuggestionKind``, codes of created resources;
* ``order_codes.toml`` — MRI codes per region and contrast for the one-click order updates;
* every other ``<key>.toml`` — one card content named by ``Advice.content``.

A bad file raises ``ValueError`` naming it, so a broken card never reaches a clinician.
"""

from __future__ import annotations

import hashlib
import string
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from app.pathway.model import RedFlag, SuggestionKind, Topic
from app.terminology.coding import Coding

SOURCE, OVERRIDES, SUGGESTIONS, ORDER_CODES = "source", "override_reasons", "suggestions", "order_codes"
RESERVED = frozenset({SOURCE, OVERRIDES, SUGGESTIONS, ORDER_CODES})
EVIDENCE_SECTIONS = (
    "qualifying", "onset", "red_flags", "conservative_care", "candidate", "prior_imaging", "prior_surgery",
)
# The words of the generated detail bullets (cards/source.toml [facts]); ``no_<section>`` says a section is
# empty, for the sections where an absence decides (no red flag, no care, no referral).
FACT_WORDS = (
    "qualifying", "onset", "onset_lower_bound", "red_flags", "no_red_flags", "conservative_care",
    "no_conservative_care", "candidate", "no_candidate", "prior_imaging", "prior_surgery", "unavailable",
    "unrated",
)
REGIONS = frozenset({"lumbar", "cervical", "thoracic"})
_RESOURCES = ("physical_therapy", "spine_referral", "spine_performer")

Table = Mapping[str, Any]
T = TypeVar("T")


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

    def content(self, key: str) -> CardContent:
        found = self.contents.get(key)
        if found is None:
            raise ValueError(f"no card content cards/{key}.toml")
        return found


def load_card_library(directory: Path) -> CardLibrary:
    """Load and validate ``directory/*.toml``; ``ValueError`` names the first bad file."""
    files = {path.stem: path for path in sorted(directory.glob("*.toml"))}
    missing = sorted(RESERVED - files.keys())
    if missing:
        raise ValueError(f"{directory}: missing {', '.join(name + '.toml' for name in missing)}")
    tables = {name: _read(path) for name, path in files.items()}
    source = _checked(files[SOURCE], partial(_source, tables[SOURCE]))
    overrides = _checked(files[OVERRIDES], partial(_override_reasons, tables[OVERRIDES]))
    contents = {
        name: _checked(path, partial(_content, name, tables[name], source, overrides))
        for name, path in files.items() if name not in RESERVED
    }
    return CardLibrary(
        version=_version(files.values()),
        source=source,
        contents=MappingProxyType(contents),
        suggestions=_checked(files[SUGGESTIONS], partial(_suggestions, tables[SUGGESTIONS])),
        resources=_checked(files[SUGGESTIONS], partial(_resources, tables[SUGGESTIONS])),
        performer_text=_checked(files[SUGGESTIONS], partial(_performer_text, tables[SUGGESTIONS])),
        mri_codes=_checked(files[ORDER_CODES], partial(_mri_codes, tables[ORDER_CODES])),
    )


def _read(path: Path) -> Table:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from exc


def _checked(path: Path, build: Callable[[], T]) -> T:
    """Run one file's validation, naming the file in any error."""
    try:
        return build()
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"{path}: {exc!s}") from exc


def _version(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _text(table: Table, key: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key!r} must be a non-empty string")
    return value.strip()


def _link(table: Table) -> Link:
    regions = frozenset(table.get("regions", ()))
    link = Link(_text(table, "label"), _text(table, "url"), _text(table, "type"), regions)
    if link.type != "absolute" or not link.url.startswith("https://"):
        raise ValueError(f"link {link.label!r} must be an absolute https URL")
    _require(set(regions) - REGIONS, f"link {link.label!r}: unknown regions")
    return link


def _source(table: Table) -> Source:
    topics = {Topic(code): str(display) for code, display in table["topics"].items()}
    flags = {RedFlag(code): str(label) for code, label in table["red_flags"].items()}
    _require(set(Topic) - topics.keys(), "topics without a display")
    _require(set(RedFlag) - flags.keys(), "red flag classes without a label")
    _require(set(FACT_WORDS) - table["facts"].keys(), "[facts] words missing")
    return Source(
        label=_text(table, "label"),
        topic_system=_text(table, "topic_system"),
        default_url=_text(table, "default_url"),
        topics=MappingProxyType(topics),
        facts=MappingProxyType({key: str(value) for key, value in table["facts"].items()}),
        explain_label=_text(table, "explain_label"),
        red_flags=MappingProxyType(flags),
        guidelines=MappingProxyType({key: _link(link) for key, link in table["guidelines"].items()}),
    )


def _require(missing: set[Any], what: str) -> None:
    if missing:
        raise ValueError(f"{what}: {', '.join(sorted(str(item) for item in missing))}")


def _override_reasons(table: Table) -> Mapping[str, Coding]:
    system = _text(table, "system")
    reasons = {
        key: Coding(system, key, _text(value, "display")) for key, value in table.items() if key != "system"
    }
    _require({"candidate", "redflag-undocumented", "outside-imaging", "patient-preference"} - reasons.keys(),
             "PATHWAY.md §5 override reasons missing")
    return MappingProxyType(reasons)


def _suggestions(table: Table) -> Mapping[SuggestionKind, SuggestionText]:
    _require({kind.value for kind in SuggestionKind} - table.keys(), "suggestion kinds without a label")
    found = {
        kind: SuggestionText(_text(table[kind], "label"), _text(table[kind], "description"),
                             table[kind].get("priority"))
        for kind in SuggestionKind
    }
    return MappingProxyType(found)


def _resources(table: Table) -> Mapping[str, Coding]:
    resources = table["resources"]
    return MappingProxyType({name: _coding(resources[name]) for name in _RESOURCES})


def _performer_text(table: Table) -> str:
    return _text(table["resources"]["spine_performer"], "text")


def _mri_codes(table: Table) -> Mapping[tuple[str, str], tuple[Coding, ...]]:
    found = {
        (_text(entry, "region"), _text(entry, "contrast")): tuple(_coding(code) for code in entry["codes"])
        for entry in table["mri"]
    }
    return MappingProxyType(found)


def _coding(table: Table) -> Coding:
    return Coding(_text(table, "system"), _text(table, "code"), _text(table, "display"))


def _content(key: str, table: Table, source: Source, overrides: Mapping[str, Coding]) -> CardContent:
    summary, detail = _text(table, "summary"), _text(table, "detail")
    placeholders(summary)
    placeholders(detail)
    evidence = tuple(table.get("evidence", ()))
    _require(set(evidence) - set(EVIDENCE_SECTIONS), "unknown evidence sections")
    _require(set(table.get("links", ())) - source.guidelines.keys(), "links to unknown guidelines")
    _require(set(table.get("override_reasons", ())) - overrides.keys(), "unknown override reasons")
    return CardContent(
        key=key,
        topic=Topic(table["topic"]),
        summary=summary,
        detail=detail,
        links=tuple(source.guidelines[name] for name in table.get("links", ())),
        evidence=evidence,
        override_reasons=tuple(overrides[name] for name in table.get("override_reasons", ())),
        recommended=frozenset(SuggestionKind(kind) for kind in table.get("recommended", ())),
    )


@lru_cache(maxsize=1024)  # templates are the card library's few strings, filled on every call
def placeholders(template: str) -> frozenset[str]:
    """The ``{names}`` of a template; only plain identifiers (no attributes, indexes or formats)."""
    names = set()
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"placeholder {{{name}}} must be a plain name")
        names.add(name)
    return frozenset(names)

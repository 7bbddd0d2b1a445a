"""The value set data files (``app/terminology/data/*.json``): their model, checked once at start-up.

PATHWAY.md §6: one concept per file, named like the file, each code with its system and display. A
malformed file stops the service, naming the file and the field (app/contentfile.py): a silently missing
value set would silently change ratings. ``load_value_sets`` builds the runtime ``ValueSets`` from the
checked files; the runtime objects trust what was checked here and do no checking of their own.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Final

from pydantic import Field, ValidationInfo, field_validator, model_validator

from app.contentfile import ContentModel, Text, require, validated
from app.terminology.coding import Coding
from app.terminology.valuesets import (
    ICD9CM,
    ICD10CM,
    IMAGING_CONCEPT,
    KNOWN_SYSTEMS,
    CodeRange,
    Contrast,
    Member,
    Modality,
    Region,
    ValueSet,
    ValueSets,
    canonical_system,
    normalize_code,
)

_DATA_DIR: Final = Path(__file__).with_name("data")
_ICD: Final = frozenset({ICD10CM, ICD9CM})  # systems whose codes are headers, ranges and exact entries
_NAME: Final = re.compile(r"[a-z][a-z0-9_]*")
# Closed vocabularies of the attributes some concepts carry; checked at load so readers can trust them.
_ATTRIBUTE_RULES: Final[Mapping[str, Mapping[str, frozenset[str | None]]]] = {
    IMAGING_CONCEPT: {
        "region": frozenset({*Region, None}),
        "modality": frozenset(Modality),
        "contrast": frozenset({*Contrast, None}),
    },
    "conservative_medication": {
        "class": frozenset({"nsaid", "acetaminophen", "muscle_relaxant", "gabapentinoid", "oral_steroid"}),
    },
    "care_encounter": {"care": frozenset({"physical_therapy", "chiropractic", "osteopathic_manipulation"})},
    "spine_body_site": {"region": frozenset(Region)},
    "prior_spine_surgery": {"region": frozenset({"lumbar", "cervical", "thoracic", None})},
    "opll": {"region": frozenset({"lumbar", "cervical", "thoracic", None})},
    # How long a code keeps counting (app/pathway/facts_flags.py Keep): the cauda equina syndrome itself
    # while active, its signs only when new (PATHWAY.md §3).
    "ces": {"keep": frozenset({"serious", "new"})},
}


class CodeEntry(ContentModel):
    """One code; ``verify`` marks an unverified SNOMED CT code, ``attributes`` what code reads from it,
    ``exact`` an ICD code that matches only itself, not the children a header would (valuesets.Member)."""

    system: Text
    code: Text
    display: Text
    attributes: dict[str, str | None] = Field(default_factory=dict)
    verify: bool = False
    names: tuple[Text, ...] = ()  # other names a text_match concept is written under (brand names)
    exact: bool = False

    @model_validator(mode="after")
    def _icd_header(self) -> CodeEntry:
        """An ICD-10-CM or ICD-9-CM header is at least a 3-character category (it matches its children);
        only an ICD code can be ``exact`` (every other system matches exactly anyway)."""
        short = self.system in _ICD and len(normalize_code(self.system, self.code)) < 3
        require(not short, f"{self.code!r} is too short")
        require(not self.exact or self.system in _ICD, f"{self.code!r}: only ICD codes are marked exact")
        return self

    def member(self) -> Member:
        coding = Coding(self.system, self.code, self.display)
        if not self.attributes:
            return Member(coding, verify=self.verify, names=self.names, exact=self.exact)
        return Member(coding, MappingProxyType(dict(self.attributes)), self.verify, self.names, self.exact)


class RangeEntry(ContentModel):
    """An ICD-10-CM (``C00``-``C96``) or ICD-9-CM (``140``-``208``) category range."""

    system: Text
    low: Text = Field(alias="from")
    high: Text = Field(alias="to")
    display: str | None = None

    @model_validator(mode="after")
    def _two_categories(self) -> RangeEntry:
        require(self.system in _ICD, "ranges are ICD-10-CM or ICD-9-CM only")
        low, high = normalize_code(self.system, self.low), normalize_code(self.system, self.high)
        require(len(low) == len(high) == 3 and low <= high, "a range joins two 3-character categories")
        return self

    def code_range(self) -> CodeRange:
        low, high = normalize_code(self.system, self.low), normalize_code(self.system, self.high)
        return CodeRange(low, high, self.display, self.system)


class ValueSetFile(ContentModel):
    """One ``data/<concept>.json``. Fields are validated in this order, so the code checks can read
    ``site_extensible`` and ``text_match``: a site-extensible concept may ship empty and takes the site's
    own code systems (flowsheet rows, PATHWAY.md §3 motor strength)."""

    concept: str
    title: Text
    source: Text
    note: str | None = None
    site_extensible: bool = False
    text_match: bool = False
    codes: tuple[CodeEntry, ...]
    ranges: tuple[RangeEntry, ...] = ()

    @field_validator("concept")
    @classmethod
    def _snake_case(cls, name: str) -> str:
        require(_NAME.fullmatch(name) is not None, f"concept {name!r} must be snake_case")
        return name

    @field_validator("codes")
    @classmethod
    def _codes(cls, codes: tuple[CodeEntry, ...], info: ValidationInfo) -> tuple[CodeEntry, ...]:
        local = bool(info.data.get("site_extensible"))
        for entry in codes:
            known = entry.system in KNOWN_SYSTEMS or (local and ":" in entry.system)
            require(known, f"{entry.code}: unknown system {entry.system!r}; known: {sorted(KNOWN_SYSTEMS)}")
        _unique([f"{system}|{code}" for system, code in (_key(entry) for entry in codes)], "duplicate code")
        if info.data.get("text_match"):
            names = [name.casefold() for entry in codes for name in (entry.display, *entry.names)]
            _unique(names, "duplicate display or name")
        else:
            require(not any(entry.names for entry in codes), "names are read only with text_match")
        return codes

    @model_validator(mode="after")
    def _concept(self) -> ValueSetFile:
        filled = bool(self.codes or self.ranges or self.site_extensible)
        require(filled, f"concept {self.concept!r} has no codes and no ranges")
        _check_attributes(self)
        return self

    def value_set(self) -> ValueSet:
        return ValueSet(
            self.concept,
            [entry.member() for entry in self.codes],
            [entry.code_range() for entry in self.ranges],
            title=self.title,
            source=self.source,
            text_match=self.text_match,
        )


def _key(entry: CodeEntry) -> tuple[str, str]:
    system = canonical_system(entry.system)
    return system, normalize_code(system, entry.code)


def _unique(items: list[str], what: str) -> None:
    repeated = sorted({item for item in items if items.count(item) > 1})
    require(not repeated, f"{what} {', '.join(repeated)}")


def _check_attributes(found: ValueSetFile) -> None:
    """Concepts whose attributes are read by code (imaging, medication class) use closed vocabularies."""
    rules = _ATTRIBUTE_RULES.get(found.concept)
    if rules is None:
        return
    require(not found.ranges, f"concept {found.concept!r}: codes with attributes only, no ranges")
    for entry in found.codes:
        attributes, where = entry.attributes, f"code {entry.code}"
        require(set(attributes) == set(rules), f"{where}: attributes must be exactly {sorted(rules)}")
        for key, allowed in rules.items():
            require(attributes[key] in allowed, f"{where}: {key}={attributes[key]!r} is not allowed")


def load_value_sets(directory: Path | None = None) -> ValueSets:
    """Read every ``*.json`` of ``directory`` (default: the packaged ``data/``), once, at start-up. A
    malformed file fails loudly, naming the file: a silently missing value set would silently change
    ratings."""
    root = _DATA_DIR if directory is None else directory
    files = [(path, path.read_bytes()) for path in sorted(root.glob("*.json"))]
    require(bool(files), f"{root}: no value set files (*.json)")
    sets = {}
    for path, raw in files:
        value_set = _parse_file(path, raw)
        sets[value_set.name] = value_set
    return ValueSets(sets, _version(files))


def _version(files: list[tuple[Path, bytes]]) -> str:
    digest = hashlib.sha256()
    for path, raw in files:
        digest.update(path.name.encode() + b"\0" + raw + b"\0")
    return digest.hexdigest()[:12]


def _parse_file(path: Path, raw: bytes) -> ValueSet:
    """One file, one concept, named like the file: so two files can never define the same concept."""
    found = validated(ValueSetFile, raw, f"value set file {path}")
    if found.concept != path.stem:
        raise ValueError(
            f"value set file {path}: concept {found.concept!r} is not the file name (one concept per file)"
        )
    return found.value_set()

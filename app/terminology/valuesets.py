"""Value sets as data files, loaded once; pure membership checks on the request hot path.

PATHWAY.md §6: one concept per data file, matching on (system, code), and an ICD-10-CM header (`M51.36`)
matches its children (`M51.361`). The files are read and checked by `app/terminology/valuefiles.py`
(`load_value_sets`, the only I/O of the package; STYLE.md habits 1 and 6); this module is what the hot path
uses; how an export names a system and writes a code is read in `app/terminology/systems.py`. Membership
is a dict lookup: exact for SNOMED CT, CPT, LOINC and RxNorm, and one
lookup per prefix of the normalized code for ICD-10-CM and ICD-9-CM (a member marked ``exact`` matches only
itself: an ICD-10 (WHO) code whose ICD-10-CM namesake heads children of another meaning).

SNOMED CT membership is by exact code: there is no subsumption, so a descendant of a listed concept is not
a member unless it is listed too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Final, TypeVar, cast

from app.terminology.coding import Coding
from app.terminology.systems import BY_PREFIX, BY_RANGE
from app.terminology.systems import CPT as CPT  # re-exported: the value sets' systems are named here too
from app.terminology.systems import ICD9CM as ICD9CM
from app.terminology.systems import ICD10CM as ICD10CM
from app.terminology.systems import ICD10PCS as ICD10PCS
from app.terminology.systems import KNOWN_SYSTEMS as KNOWN_SYSTEMS
from app.terminology.systems import LOINC as LOINC
from app.terminology.systems import NUCC as NUCC
from app.terminology.systems import RXNORM as RXNORM
from app.terminology.systems import SERVICE_TYPE as SERVICE_TYPE
from app.terminology.systems import SNOMED as SNOMED
from app.terminology.systems import canonical_system as canonical_system
from app.terminology.systems import normalize_code as normalize_code

IMAGING_CONCEPT: Final = "spine_imaging"


class Region(StrEnum):
    """The spine region of an imaging order or a diagnosis (PATHWAY.md §6.4 ``region``); one enum, used by
    the value sets here and by the pathway (``app.pathway.model`` re-exports it)."""

    LUMBAR = "lumbar"
    CERVICAL = "cervical"
    THORACIC = "thoracic"


class Modality(StrEnum):
    """PATHWAY.md §6.4 ``modality`` of a spine imaging code."""

    MRI = "mri"
    CT = "ct"
    XR = "xr"
    MYELOGRAPHY = "myelography"
    CT_MYELOGRAPHY = "ct_myelography"
    NUCLEAR = "nuclear"


class Contrast(StrEnum):
    """PATHWAY.md §6.4 ``contrast`` of a spine imaging code."""

    WITHOUT = "without"
    WITH = "with"
    WITHOUT_AND_WITH = "without_and_with"


_E = TypeVar("_E", Region, Contrast)
_EMPTY: Final[Mapping[str, str | None]] = MappingProxyType({})


def _key(coding: Coding) -> tuple[str, str]:
    system = canonical_system(coding.system)
    return system, normalize_code(system, coding.code)


@dataclass(frozen=True, slots=True)
class Member:
    """One code of a value set as its data file writes it; `verify` marks an unverified SNOMED CT code,
    `exact` an ICD code that matches only itself, never its children (an ICD-10 (WHO) code whose ICD-10-CM
    namesake heads children of another meaning: WHO Z85.8 holds every history of cancer of "other organs",
    while ICD-10-CM's Z85.8 heads Z85.828, a non-melanoma skin cancer, which PATHWAY.md §3 leaves out)."""

    coding: Coding
    attributes: Mapping[str, str | None] = field(default_factory=lambda: _EMPTY, compare=False)
    verify: bool = False
    names: tuple[str, ...] = field(default=(), compare=False)  # other names text matching reads (brands)
    exact: bool = False


@dataclass(frozen=True, slots=True)
class CodeRange:
    """An ICD-10-CM category range (`C00`-`C96`), or an ICD-9-CM one (`140`-`208`): a code of `system` is in
    it when its 3-character category is."""

    low: str
    high: str
    display: str | None = None
    system: str = ICD10CM

    def covers(self, normalized_code: str) -> bool:
        return len(normalized_code) >= 3 and self.low <= normalized_code[:3] <= self.high


@dataclass(frozen=True, slots=True)
class ImagingCode:
    """What a spine imaging order code says (PATHWAY.md §6.4); `coding` is the order's own coding."""

    region: Region | None
    modality: Modality
    contrast: Contrast | None
    coding: Coding


TEXTS_REMEMBERED = 4096  # names matched per value set, each at most LONGEST_REMEMBERED characters
LONGEST_REMEMBERED = 200
_UNREAD: Final = Coding("", "")  # one lookup, not two: a worker thread (large calls) may clear it between


class ValueSet:
    """One concept of PATHWAY.md §6, its members indexed by (canonical system, normalized code)."""

    __slots__ = ("_by_text", "_exact", "_index", "_longest", "_needles", "_pattern", "_texts_read", "members",
                 "name", "ranges", "source", "title")

    def __init__(
        self,
        name: str,
        members: Iterable[Member],
        ranges: Iterable[CodeRange] = (),
        *,
        title: str = "",
        source: str = "",
        text_match: bool = False,
    ) -> None:
        self.name, self.title, self.source = name, title, source
        self.members = tuple(members)
        self.ranges = tuple(ranges)
        self._index = _index(m for m in self.members if not m.exact)
        self._exact = _index(m for m in self.members if m.exact)
        self._longest = max((len(code) for system, code in self._index if system in BY_PREFIX), default=0)
        self._by_text = _by_text(self.members) if text_match else {}
        self._pattern = _text_pattern(self._by_text) if text_match else None
        self._needles = _needles(self._by_text)
        self._texts_read: dict[str, Coding | None] = {}

    def __repr__(self) -> str:
        return f"ValueSet({self.name!r}, {len(self.members)} codes, {len(self.ranges)} ranges)"

    def contains(self, coding: Coding) -> bool:
        return self._find(*_key(coding)) is not None

    def member(self, coding: Coding) -> Member | None:
        """The most specific member matching `coding` (for ICD-10-CM the longest header); None for a
        range match or no match."""
        found = self._find(*_key(coding))
        return found if isinstance(found, Member) else None

    def attributes(self, coding: Coding) -> Mapping[str, str | None]:
        """The attributes of the member matching `coding`, empty for a range match. A coding outside the
        value set is a caller's error (check `contains` first): KeyError."""
        found = self._find(*_key(coding))
        if found is None:
            raise KeyError(f"{coding.system}|{coding.code} is not in value set {self.name!r}")
        return found.attributes if isinstance(found, Member) else _EMPTY

    def match(self, codings: Iterable[Coding]) -> Coding | None:
        """The first of `codings` (a CodeableConcept's codings, in their order) that is a member."""
        return next((coding for coding in codings if self.contains(coding)), None)

    def match_text(self, text: str) -> Coding | None:
        """The member whose display occurs in `text` as a whole word, ignoring case: MedicationRequests
        are often coded as products ("Ibuprofen 600 MG Oral Tablet"), not as the ingredients of §6.6."""
        if self._pattern is None:
            raise ValueError(f'value set {self.name!r} has no "text_match": true')
        known = self._texts_read.get(text, _UNREAD)  # names repeat across charts: one search each
        if known is not _UNREAD:
            return known
        found = self._pattern.search(text)
        coding = None if found is None else self._by_text[found.group(0).casefold()]
        if len(text) <= LONGEST_REMEMBERED:  # a hostile 400 kB display is searched, never kept
            if len(self._texts_read) >= TEXTS_REMEMBERED:
                self._texts_read.clear()
            self._texts_read[text] = coding
        return coding

    def texts_named(self, text: str) -> Iterator[tuple[int, int, Coding]]:
        """(start, end, member) of every whole-word mention of a member's name in `text`, in order: a reader
        that judges each mention by the words around it (``facts_negation``) needs them all, not the
        first."""
        if self._pattern is None:
            raise ValueError(f'value set {self.name!r} has no "text_match": true')
        folded = text.casefold()
        if not any(needle in folded for needle in self._needles):
            return  # no name can be there: a substring search per name's longest word, not a regex scan
        for found in self._pattern.finditer(text):
            yield found.start(), found.end(), self._by_text[found.group(0).casefold()]

    def _find(self, system: str, code: str) -> Member | CodeRange | None:
        """ICD-10-CM, ICD-9-CM and ICD-10-PCS: the code itself when it is an `exact` member, else the longest
        listed header that prefixes it. Only prefixes no longer than the longest listed code can match, so
        the work is bounded whatever the code's length (a hostile 40,000-character code once cost seconds of
        event loop, one slice per length)."""
        if system not in BY_PREFIX:
            return self._index.get((system, code))
        exact = self._exact.get((system, code)) if self._exact else None
        if exact is not None:
            return exact
        for end in range(min(len(code), self._longest), 2, -1):
            member = self._index.get((system, code[:end]))
            if member is not None:
                return member
        if system not in BY_RANGE:
            return None
        return next((r for r in self.ranges if r.system == system and r.covers(code)), None)


def _index(members: Iterable[Member]) -> dict[tuple[str, str], Member]:
    """Codes are unique per value set (app/terminology/valuefiles.py checks the files)."""
    return {_key(member.coding): member for member in members}


def _by_text(members: tuple[Member, ...]) -> dict[str, Coding]:
    """Displays and other names are present and unique where text matching is on (checked by
    valuefiles.py); a brand name ("Advil") finds its ingredient's coding."""
    return {name.strip().casefold(): member.coding for member in members
            for name in (member.coding.display or "", *member.names)}


def _needles(by_text: Mapping[str, Coding]) -> tuple[str, ...]:
    """The longest word of each name: a text without any of them names no member (``texts_named``)."""
    return tuple(sorted({max(name.split(), key=len) for name in by_text if name.split()}))


def _text_pattern(by_text: Mapping[str, Coding]) -> re.Pattern[str]:
    """One alternation, longest display first, so that one search finds the earliest whole-word match."""
    words = sorted(by_text, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)


class ValueSets:
    """Every concept, loaded once at start-up and shared read-only by all requests."""

    __slots__ = ("_sets", "_version")

    def __init__(self, sets: Mapping[str, ValueSet], version: str) -> None:
        self._sets = dict(sets)
        self._version = version

    @property
    def concepts(self) -> tuple[str, ...]:
        return tuple(sorted(self._sets))

    @property
    def version(self) -> str:
        """A short sha256 of the data files, stamped on audits so a rating can be traced to its tables."""
        return self._version

    def get(self, name: str) -> ValueSet:
        try:
            return self._sets[name]
        except KeyError:
            raise KeyError(f"unknown value set {name!r}; known: {', '.join(self.concepts)}") from None

    def contains(self, name: str, coding: Coding) -> bool:
        return self.get(name).contains(coding)

    def match(self, name: str, codings: Iterable[Coding]) -> Coding | None:
        return self.get(name).match(codings)

    def match_text(self, name: str, text: str) -> Coding | None:
        return self.get(name).match_text(text)

    def classify_imaging(self, codings: Iterable[Coding]) -> ImagingCode | None:
        """Region, modality and contrast of a spine imaging order (PATHWAY.md §1, §6.4), or None when no
        coding is spine imaging (the order is not ours). When several codings are members, the one that
        states the most (region and contrast known) wins; ties go to the first."""
        imaging = self.get(IMAGING_CONCEPT)
        found = [_imaging_code(imaging.attributes(c), c) for c in codings if imaging.contains(c)]
        return max(found, key=_specificity, default=None)


def _imaging_code(attributes: Mapping[str, str | None], coding: Coding) -> ImagingCode:
    return ImagingCode(
        region=_optional(Region, attributes["region"]),
        modality=Modality(cast(str, attributes["modality"])),  # the loader requires it (§6.4)
        contrast=_optional(Contrast, attributes["contrast"]),
        coding=coding,
    )


def _optional(kind: type[_E], value: str | None) -> _E | None:
    return kind(value) if value is not None else None


def _specificity(code: ImagingCode) -> int:
    return (code.region is not None) + (code.contrast is not None)

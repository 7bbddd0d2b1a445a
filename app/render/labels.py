"""The words of the values a card is filled from (``cards/labels.toml``), and the wording itself.

The pathway hands a card typed values (``app.pathway.model.CardValue``: ``Modality.XR``, 42 days, a date
or ``None``); every word a clinician reads lives in ``cards/`` (STYLE.md habit 6), so this module turns
each value into the card's words: "radiographs", "6 weeks", "2025-07-22", "unknown", and each piece of
evidence into what was found ("ESR 62 mm/h", app/render/evidence.py). Moving a word is a
content change, reviewed like the card templates; the pathway's tests assert values, not phrases.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, ValidationInfo, field_validator

from app.chart.model import ChartCategory
from app.contentfile import ContentModel, Text, require, require_all
from app.pathway.model import (
    AtLeast,
    CardValue,
    Contrast,
    Evidence,
    Modality,
    Note,
    OnOrBefore,
    Period,
    Region,
    Study,
)
from app.render.evidence import EvidenceFile, EvidenceWords
from app.render.placeholders import placeholders

UNKNOWN_MODALITY = "unknown"  # [modality] key for an order whose modality is not known
DEFAULT = "default"  # [unknown] key for every placeholder without its own word


def _template(*names: str) -> AfterValidator:
    def check(template: str) -> str:
        require(placeholders(template) == set(names), f"must use exactly {{{'}, {'.join(names)}}}")
        return template

    return AfterValidator(check)


class _Formats(ContentModel):
    weeks: Annotated[Text, _template("weeks")]
    days: Annotated[Text, _template("days")]
    at_least: Annotated[Text, _template("days")]
    on_or_before: Annotated[Text, _template("date")]


class LabelsFile(ContentModel):
    """``cards/labels.toml``: a word for every member of each enum a card can name, and the formats."""

    modality: dict[str, Text]
    contrast: dict[Contrast, Text]
    region: dict[Region, Text]
    notes: dict[Note, Text]
    categories: dict[ChartCategory, Text]
    formats: _Formats
    unknown: dict[str, Text]
    evidence: EvidenceFile

    @field_validator("modality")
    @classmethod
    def _every_modality(cls, words: dict[str, str]) -> dict[str, str]:
        require_all({*Modality, UNKNOWN_MODALITY}, words, "no word for")
        require_all(words, {*Modality, UNKNOWN_MODALITY}, "not a modality")
        return words

    @field_validator("contrast", "region", "notes", "categories")
    @classmethod
    def _every_member(cls, words: dict[Any, str], info: ValidationInfo) -> dict[Any, str]:
        require_all(_KINDS[str(info.field_name)], words, "no word for")
        return words

    @field_validator("unknown")
    @classmethod
    def _default(cls, words: dict[str, str]) -> dict[str, str]:
        require_all({DEFAULT}, words, "no word for")
        return words


_KINDS: dict[str, type[StrEnum]] = {
    "contrast": Contrast, "region": Region, "notes": Note, "categories": ChartCategory,
}


class Labels:
    """The checked words, with one method to word a value (called for every placeholder of every card)."""

    __slots__ = ("_file", "evidence")

    def __init__(self, labels: LabelsFile) -> None:
        self._file = labels
        self.evidence = EvidenceWords(labels.evidence)

    def words(self, values: Mapping[str, CardValue]) -> dict[str, str]:
        return {name: self.word(name, value) for name, value in values.items()}

    def word(self, name: str, value: CardValue) -> str:
        """The words for one placeholder's value; ``None`` (not known) or an empty list says the placeholder's
        own word from ``[unknown]``, else its ``default``."""
        found = self._file
        if value is None or value == () or value == frozenset():
            return found.unknown.get(name, found.unknown[DEFAULT])
        if isinstance(value, Region):
            return found.region[value]
        if isinstance(value, Note):
            return found.notes[value]
        if isinstance(value, Study):
            return self._study(value)
        if isinstance(value, Period):
            weeks, rest = divmod(value.days, 7)
            formats = found.formats
            return formats.days.format(days=value.days) if rest else formats.weeks.format(weeks=weeks)
        if isinstance(value, AtLeast):
            return found.formats.at_least.format(days=value.days)
        if isinstance(value, OnOrBefore):
            return found.formats.on_or_before.format(date=value.day.isoformat())
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, frozenset):  # chart categories that could not be read, each word once, in order
            return ", ".join(sorted({found.categories[category] for category in value}))
        if isinstance(value, tuple):  # evidence in the order of its words, each once with its first date
            first: dict[str, Evidence] = {}
            for item in self.evidence.ordered(value):
                first.setdefault(self.evidence.word(item), item)
            return ", ".join(self.evidence.dated(item, words) for words, item in first.items())
        return _plain(value)

    def _study(self, study: Study) -> str:
        """"MRI without contrast"; an order of unknown modality is "imaging"."""
        modality = self._file.modality[study.modality or UNKNOWN_MODALITY]
        return f"{modality} {self._file.contrast[study.contrast]}" if study.contrast else modality


def _plain(value: Any) -> str:
    """Counts and a pain score (``9.0`` → "9")."""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)

"""The words of a card's evidence (``cards/labels.toml [evidence]``): what was found, as a clinician reads it.

The fact readers (app/pathway/facts*.py) hand the renderer typed evidence — a ``Finding`` key, the chart's
own name of a coded finding, a record's text, a measured value, a ``State`` — and never a phrase (STYLE.md
habit 6). This module words it: "cauda equina sign — Retention of urine, resolved on 2026-02-28 (noted
2026-02-10)", "temperature 39.0 °C", "muscle strength 4/5 (Hip flexors), fell from 5/5 to 4/5". Cards
list evidence in the order of these words (date, reference, words, code), so the same evidence always
reads the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, field_validator

from app.contentfile import ContentModel, Text, require, require_all
from app.pathway.model import Evidence, Finding, State
from app.render.placeholders import placeholders

NAME_CHARS = 60  # a finding's name on a card: enough for "Retention of urine", never a paragraph
TEXT_CHARS = 120  # a record's text (a drug's name, a reason for exam): a long one is cut, never a paragraph
DEFAULT = "default"  # [evidence.texts] key for every finding without its own form
STATE_NAMES = frozenset({"finding", "short", "date", "on", "value", "before"})


def _names(*allowed: str) -> AfterValidator:
    def check(template: str) -> str:
        require(placeholders(template) <= set(allowed), f"may use only {{{'}, {'.join(allowed)}}}")
        return template

    return AfterValidator(check)


class EvidenceFile(ContentModel):
    """``[evidence]``: a word for every ``Finding`` and a form for every ``State`` (app/pathway/model.py)."""

    findings: dict[Finding, Annotated[Text, _names("value")]]
    named: Annotated[Text, _names("finding", "name")]
    texts: dict[str, Annotated[Text, _names("finding", "text")]]
    states: dict[State, Annotated[Text, _names(*sorted(STATE_NAMES))]]
    short: dict[Finding, Text]
    undated: Text

    @field_validator("findings")
    @classmethod
    def _every_finding(cls, words: dict[Finding, str]) -> dict[Finding, str]:
        require_all(Finding, words, "no word for")
        return words

    @field_validator("states")
    @classmethod
    def _every_state(cls, words: dict[State, str]) -> dict[State, str]:
        require_all(State, words, "no form for")
        return words

    @field_validator("texts")
    @classmethod
    def _default_text(cls, words: dict[str, str]) -> dict[str, str]:
        require_all({DEFAULT}, words, "no form for")
        require_all(words, {DEFAULT, *Finding}, "not a finding")
        return words


class EvidenceWords:
    """Words one piece of evidence, and orders a card's evidence by its words."""

    __slots__ = ("_file",)

    def __init__(self, found: EvidenceFile) -> None:
        self._file = found

    def word(self, item: Evidence) -> str:
        """The finding's word (with its measured value), the chart's name or the record's text, then the
        form of its state ("…, resolved on 2026-02-28", "planned …")."""
        found = self._file
        values = {
            "finding": self._named(item),
            "short": found.short.get(item.finding) or self._finding(item),
            "date": _iso(item.when or item.on) or found.undated,
            "on": _iso(item.on) or found.undated,
            "value": _number(item.finding, item.value),
            "before": _number(item.finding, item.before),
        }
        return found.states[item.state].format_map(values)

    def dated(self, item: Evidence, words: str | None = None) -> str:
        """The evidence's words (or ``words`` for it) and its date, unless the words already say it ("PT
        referred 2026-09-01, no visit recorded": PATHWAY.md §2 v2 words it so). §5: facts with their dates."""
        words = self.word(item) if words is None else words
        day = _iso(item.on)
        return f"{words} ({day})" if day and day not in words else words

    def text(self, item: Evidence) -> str:
        """The record's own text where a list of one kind needs no more ("naproxen" under treatment), else
        the evidence's words."""
        return item.text if item.text is not None else self.word(item)

    def ordered(self, items: Iterable[Evidence]) -> list[Evidence]:
        """By date, reference, words and code: a card reads the same for any order of the chart."""
        return sorted(items, key=self._sort_key)

    def _sort_key(self, item: Evidence) -> tuple[date, str, str, str, str]:
        system, code = (item.coding.system, item.coding.code) if item.coding is not None else ("", "")
        return item.on or date.min, item.reference or "", self.word(item), system, code

    def _finding(self, item: Evidence) -> str:
        return self._file.findings[item.finding].format(value=_number(item.finding, item.value))

    def _named(self, item: Evidence) -> str:
        """The chart's display after the finding's word (shortened), unless the word already says it: a
        clinician must see *which* cauda equina sign was found; a record's text in its own form."""
        word, found = self._finding(item), self._file
        if item.text is not None:
            form = found.texts.get(item.finding, found.texts[DEFAULT])
            word = form.format(finding=word, text=_cut(item.text, TEXT_CHARS))
        name = item.name
        if not name or name.casefold() in word.casefold():
            return word
        return found.named.format(finding=word, name=_cut(name, NAME_CHARS))


def _cut(words: str, most: int) -> str:
    return words if len(words) <= most else words[:most - 1] + "…"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _number(finding: Finding, value: float | None) -> str:
    """An MRC grade as the exam writes it ("4", "4+", "4-"); a temperature to a tenth of a degree; any
    other value as short as it is exact (62, 480.5)."""
    if value is None:
        return ""
    if finding is Finding.MUSCLE_STRENGTH:
        whole = round(value)
        return str(whole) if value == whole else f"{whole}{'+' if value > whole else '-'}"
    return f"{value:.1f}" if finding is Finding.TEMPERATURE else f"{value:g}"

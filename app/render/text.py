"""Summary and detail text of a card: templates filled with the words of ``Advice.values`` (worded by
``CardLibrary.labels``, cards/labels.toml), plus the dated facts.

PATHWAY.md §5 asks the detail for the facts found **with their dates**, what was looked for and not found,
and what could not be checked. A clinician reads a card in seconds, so the detail is a handful of short
bullets in plain words: the card's own template (the dated reason, what to do, the date it changes), then
one bullet per evidence section it names (cards/<key>.toml ``evidence``), built from ``Decision.facts``.
Rule ids, criteria names and FHIR references stay out of the clinician's text: they are in the audit trail
and on the "How this was decided" page (app/hooks/explain.py); guidelines are the card's ``links`` only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from app.chart.model import ChartCategory
from app.pathway.decide_case import CONSERVATIVE_CARE_SOURCES, RED_FLAG_SOURCES
from app.pathway.model import Decision, Evidence, Facts, RedFlag
from app.render.evidence import EvidenceWords
from app.render.library import CardContent, CardLibrary, Source
from app.render.placeholders import placeholders

SUMMARY_LIMIT = 140  # CONTRACT.md C4: "<140 characters"
FACTS = "facts"  # the placeholder of the generated bullets in a detail template
MOST_ITEMS = 3  # per bullet: more are counted ("and 2 more"), so a long chart never makes a long card
# The serious classes (invariant 1) in the order of their urgency: a card's "Do" lines (section "actions").
_SERIOUS_ORDER = (RedFlag.CES, RedFlag.MOTOR, RedFlag.MYELOPATHY, RedFlag.INFECTION)
# The classes a card lists as "Red flags on record": every one but the weak malignancy flags (§3, R9).
RED_FLAG_CLASSES = tuple(flag for flag in RedFlag if flag is not RedFlag.MALIGNANCY_WEAK)
_QUALIFIER = re.compile(r" \([^()]*\)$")  # a label's trailing "(…)", e.g. "(order reason)"
_MARKDOWN_SPECIAL = "\\`*_[]<>#|~&"
_MARKDOWN_ESCAPES = str.maketrans({char: "\\" + char for char in _MARKDOWN_SPECIAL})
# GitHub-Flavored Markdown links bare "http://…", "www.…" and "a@b.org" (its autolink extension). An escaped
# ":" or "." ends a URL's match; an e-mail is matched after escapes, so a zero-width space follows its "@".
_AUTOLINK = re.compile(r"(?i):(?=//)|(?<=\bwww)\.")


def fill(template: str, values: Mapping[str, str], where: str) -> str:
    """``template`` with every placeholder filled; a placeholder without a value is a ``ValueError``."""
    names = placeholders(template)
    missing = sorted(names - values.keys())
    if missing:
        raise ValueError(f"{where}: no value for {', '.join(missing)}")
    return template.format_map({name: values[name] for name in names})


def summary(content: CardContent, words: Mapping[str, str]) -> str:
    """The filled summary; cut (never expected: tests fill every template with maximal values) to < 140."""
    text = fill(content.summary, words, f"cards/{content.key}.toml summary")
    return text if len(text) < SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 2] + "…"


def escape(text: str) -> str:
    """Chart-derived text inside Markdown: no accidental emphasis, strike-through, entities, links (written
    or bare) or HTML; it renders as the chart wrote it."""
    escaped = _AUTOLINK.sub(lambda found: "\\" + found.group(0), text.translate(_MARKDOWN_ESCAPES))
    return escaped.replace("@", "@\u200b")


def detail(content: CardContent, words: Mapping[str, str], decision: Decision, library: CardLibrary) -> str:
    """The card's own bullets with one bullet per evidence section, and one for data not read, where the
    template puts ``{facts}`` (the dated facts that decided it, read before what to do), else last."""
    values = {name: escape(value) for name, value in words.items()}
    source = library.source
    found = _Found(decision.facts, source, library.labels.evidence)
    facts = "\n".join([*found.bullets(content), *_unavailable(decision.facts, source, library)])
    if FACTS in placeholders(content.detail):
        own = fill(content.detail, {**values, FACTS: facts}, f"cards/{content.key}.toml detail")
        return "\n".join(line for line in own.splitlines() if line.strip())
    own = fill(content.detail, values, f"cards/{content.key}.toml detail")
    return "\n".join(part for part in (own, facts) if part)


def _unavailable(facts: Facts, source: Source, library: CardLibrary) -> Iterator[str]:
    """The chart categories not read, in the words of cards/labels.toml ``[categories]``; another patient's
    records apart: they were set aside, not left unread (invariant 7)."""
    missing = facts.unavailable - _SET_ASIDE
    if missing:
        yield f"- {source.facts['unavailable']}: {library.labels.word('unavailable', missing)}."
    if facts.unavailable & _SET_ASIDE:
        yield f"- {source.facts['set_aside']}: {library.labels.word('unavailable', _SET_ASIDE)}."


_SET_ASIDE = frozenset({ChartCategory.OTHER_PATIENT})
# The categories that may hold what an evidence section lists (app/pathway/decide_case.py): a referral is
# an order, a planned injection a procedure.
_SOURCES = {
    "red_flags": RED_FLAG_SOURCES,
    "conservative_care": CONSERVATIVE_CARE_SOURCES,
    "candidate": frozenset({ChartCategory.ORDERS, ChartCategory.PROCEDURES}),
}


@dataclass(frozen=True, slots=True)
class _Found:
    """The facts of one decision, with the words of its evidence (cards/labels.toml [evidence])."""

    facts: Facts
    source: Source
    words: EvidenceWords

    def bullets(self, content: CardContent) -> Iterator[str]:
        for section in content.evidence:
            line = self._bullet(section)
            if line:
                yield f"- {line}"
            if section == "red_flags" and (weak := self._weak_only()):
                words = self.source.facts
                yield f"- {words['risk_factors']}: {self._items(weak, words['more'])}."

    def _bullet(self, section: str) -> str | None:
        facts, words = self.facts, self.source.facts
        if section == "onset":
            return self._onset()
        if section == "actions":  # what to do for each serious class found, and only for those
            actions = [words[f"do_{flag.value}"] for flag in _SERIOUS_ORDER if flag in facts.red_flags]
            return ".\n- ".join(actions) + "." if actions else None
        if section in ("red_flags", "risk_factors"):
            flags = RED_FLAG_CLASSES if section == "red_flags" else tuple(RedFlag)
            found = [item for flag in flags for item in self.words.ordered(facts.red_flags.get(flag, ()))]
            empty = f"{words[self._none('red_flags')]}." if section == "red_flags" else None
            return f"{words[section]}: {self._items(found, words['more'])}." if found else empty
        items = self.words.ordered(_items_of(facts, section))
        plain = section == "conservative_care"
        if items:
            return f"{words[section]}: {self._items(items, words['more'], plain=plain)}."
        return f"{words[self._none(section)]}." if "no_" + section in words else None

    def _none(self, section: str) -> str:
        """The words for an empty section: "none on record", or — when a category that may hold it could
        not be read — "none found in what was read" (PATHWAY.md §2: missing data is never absence)."""
        unread = self.facts.unavailable & _SOURCES.get(section, frozenset())
        return ("unread_" if unread else "no_") + section

    def _weak_only(self) -> list[Evidence]:
        """PATHWAY.md §3: age over 50 or weight loss alone is "not a red flag for MRI". A card listing red
        flags names them apart, as risk factors ("Red flags on record: age 58" beside "Do not repeat: a new
        red flag would change this" contradicted itself); one a raised ESR made a malignancy flag (R8) is
        listed with it."""
        flags = self.facts.red_flags
        listed = {item.sort_key() for flag in RED_FLAG_CLASSES for item in flags.get(flag, ())}
        weak = flags.get(RedFlag.MALIGNANCY_WEAK, ())
        return self.words.ordered(item for item in weak if item.sort_key() not in listed)

    def _onset(self) -> str | None:
        """The onset, or the day by which symptoms had begun (PATHWAY.md §2 lower bound) — and, when the
        chart wrote an onset that a record contradicts, both: the onset written, then what says otherwise
        ("Onset recorded as 2026-02-20, but a visit for sciatica on 2025-11-11: …"), never "not recorded"."""
        facts, words = self.facts, self.source.facts
        if facts.onset is None:  # nothing dates the episode (a reason for exam alone): said, not left out
            return f"{words['no_onset']}."
        written, doubt = facts.onset_written, facts.onset_doubt
        if facts.onset_verified or written is None or doubt is None:
            bound = "onset_vague" if facts.onset_vague else "onset_lower_bound"
            return f"{words['onset' if facts.onset_verified else bound]} {facts.onset.isoformat()}."
        if written < facts.onset:  # the onset written is a first episode's: the diagnosis came back
            return words["onset_recurred"].format(written=written, on=facts.onset) + "."
        if doubt.on is not None and doubt.on < written:
            record = escape(self.words.word(doubt))
            return words["onset_earlier"].format(written=written, record=record, on=doubt.on) + "."
        return words["onset_doubted"].format(written=written, record=escape(self.words.dated(doubt))) + "."

    def _items(self, items: list[Evidence], more_words: str, *, plain: bool = False) -> str:
        """Distinct words with their first date, at most ``MOST_ITEMS`` and then ``more_words`` ("and 2
        more", cards/source.toml); never a FHIR reference. Care reads "naproxen", not "conservative-care
        medication: naproxen" (``plain``)."""
        first: dict[str, tuple[str, Evidence]] = {}
        for item in items:  # "sciatica" and "sciatica (order reason)" are one fact for the clinician
            label = self.words.text(item) if plain else self.words.word(item)
            first.setdefault(_QUALIFIER.sub("", label), (label, item))
        shown = [escape(self.words.dated(item, label)) for label, item in list(first.values())[:MOST_ITEMS]]
        more = len(first) - len(shown)
        return ", ".join(shown) + (" " + more_words.format(count=more) if more else "")


def _items_of(facts: Facts, section: str) -> tuple[Evidence, ...]:
    """A card names this episode's diagnoses (an old episode or another region's pain is history); all
    qualifying ones only when none is dated into an episode."""
    if section == "qualifying":
        return facts.episode_diagnoses or facts.qualifying
    found: tuple[Evidence, ...] = getattr(facts, section)
    return found




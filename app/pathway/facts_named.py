"""Neurological emergencies written in words only: a free-text problem ("Cauda equina syndrome" with no code,
as Oracle Health exports a free-text diagnosis, or under a local code alone) and a flowsheet row named for a
cauda equina sign or a foot drop under a local code and answered Yes ("Saddle anesthesia": "Yes").

PATHWAY.md §2 reads a finding "wherever the chart holds it" and §6 matches value sets on (system, code); a
CES written only in words was read as no flag and deferred. The safe side taken (docs/pathway-facts.md
"Eighth pass: the neurological emergencies"): a value set marked ``text_match`` (ces.json,
motor_deficit.json) is also read by its displays and names, as whole words — only for a record none of
whose codings is a member (a coded record is read by its code), never when its words negate ("No saddle
anesthesia", "CES ruled out"), and a row only when it is answered Yes/Present/true (a blank or "see note"
row states nothing). The coding found is the value set's, so the finding keeps its concept's rules (how
long it counts, new or not); the card shows the chart's own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from app.chart.model import ObservationView
from app.pathway.facts_common import (
    Context,
    observation_asserted,
    words_memoisable,
)
from app.terminology import Coding, ValueSets

# The concepts read by name as well as by code: their value sets are ``text_match`` data files.
NAMED_CONCEPTS = frozenset({"ces", "motor_deficit"})
# Words that negate or close a finding's name: "No saddle anesthesia", "denies retention", "CES ruled out".
# "Rule out" ("r/o CES") is a suspicion, which counts (PATHWAY.md §2: a suspected CES is a CES); "without"
# and "non-" qualify a name ("Cauda equina syndrome without neurogenic bladder", "Non-traumatic …"), and
# "not otherwise specified" is a classification's, so none of them negates.
_NEGATION = re.compile(
    r"\b(no|not(?!\s+otherwise\s+specified)|denies|denied|negative|neg|absent|never|none|nor|ruled\s+out"
    r"|excluded)\b", re.IGNORECASE)

Hits = tuple[tuple[int, Coding], ...]


def named_hits(ctx: Context, concepts: tuple[str, ...], texts: Iterable[str | None]) -> Hits:
    """(index, coding) of each named concept one of ``texts`` names; the coding is the value set's, shown
    with the chart's words. Memoised by the words: a site's flowsheet rows and problem names recur on
    every chart, and each call reads every record for a handful of concept lists (``facts_flags``)."""
    words = tuple(texts)
    if not NAMED_CONCEPTS.intersection(concepts):
        return ()
    if not words_memoisable(words):
        return _named_hits.__wrapped__(ctx.vs, concepts, words)
    return _named_hits(ctx.vs, concepts, words)


@lru_cache(maxsize=4096)  # bounded like facts_common's memos: only ordinary-sized words are kept
def _named_hits(vs: ValueSets, concepts: tuple[str, ...], texts: tuple[str | None, ...]) -> Hits:
    words = [text for text in texts if text and not _NEGATION.search(text)]
    found = []
    for index, concept in enumerate(concepts):
        if concept not in NAMED_CONCEPTS:
            continue
        value_set = vs.get(concept)
        named = next(((text, c) for text in words if (c := value_set.match_text(text)) is not None), None)
        if named is not None:
            found.append((index, named[1]._replace(display=named[0])))
    return tuple(found)


def names_of(text: str | None, codings: Iterable[Coding]) -> tuple[str | None, ...]:
    """A record's words: its text, then its codings' displays (a local code's display names the row)."""
    return (text, *(coding.display for coding in codings))


def answered_yes(o: ObservationView) -> bool:
    """An answer that asserts (``observation_asserted``) and is there: a row named for a sign with no
    answer at all is a blank row, not a finding."""
    answered = o.value_boolean is not None or o.value_codings or o.value_string or o.value_text
    return bool(answered) and observation_asserted(o)

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

# The concepts read by name as well as by code: their value sets are ``text_match`` data files. The
# myelopathy signs and the neck or arm symptoms a reflex or gait sign needs (PATHWAY.md §3) since the
# ninth pass (docs/pathway-facts.md "Ninth pass: myelopathy and the cord").
# Since the tenth pass, injection drug use ("IVDU" on a free-text problem, a social-history row "IV drug use"
# answered Yes, "hx IVDU" typed as a visit's reason), the infection risk factors ("MSSA bacteremia", "DM2")
# and a spinal infection ("r/o discitis") (docs/pathway-facts.md "Tenth pass: injection drug use, …").
NAMED_CONCEPTS = frozenset({
    "ces", "motor_deficit", "myelopathy", "abnormal_reflex", "gait_disturbance", "neck_symptoms", "ivdu",
    "infection_risk_factor", "spinal_infection",
})
# Words that negate or close a finding's name: "No saddle anesthesia", "denies retention", "CES ruled out".
# "Rule out" ("r/o CES") is a suspicion, which counts (PATHWAY.md §2: a suspected CES is a CES); "without"
# and "non-" qualify a name ("Cauda equina syndrome without neurogenic bladder", "Non-traumatic …"), and
# "not otherwise specified" is a classification's, so none of them negates.
# A family history names a relative's finding, not the patient's ("Family history of IVDU", "FHx CES").
_NEGATION = re.compile(
    r"\b(no|not(?!\s+otherwise\s+specified)|denies|denied|negative|neg|absent|never|none|nor|ruled\s+out"
    r"|excluded|family\s+(?:history|hx)|fhx)\b", re.IGNORECASE)
# What follows "without", to the end of its clause, is what the patient does not have: "Spondylosis without
# myelopathy or radiculopathy, cervical region" (M47.812's display under a local code) names no myelopathy,
# while "Cauda equina syndrome without neurogenic bladder" still names a cauda equina syndrome and "MRI w/o
# contrast: myelopathy" a myelopathy. Those words are not read.
_WITHOUT = re.compile(r"\b(?:without|w/o)\b[^,;:.]*", re.IGNORECASE)
# A reflex sign written as not there: "Babinski downgoing", "plantars flexor", "unsustained clonus".
_NORMAL_REFLEX = re.compile(r"\b(?:down-?going|down\s+going|flexor|mute|unsustained|non-?sustained)\b",
                            re.IGNORECASE)
# An infection risk factor's name that is not the risk factor: a gestational or pre-diabetes, a diabetes
# insipidus, a screening for it or a risk of it (tenth pass; the risk factor needs a raised marker anyway).
_NOT_A_RISK_FACTOR = re.compile(
    r"\b(?:gestational|pre-?\s?diabet\w*|insipidus|screen\w*|risk\s+(?:of|for))\b", re.IGNORECASE)
_CONCEPT_NEGATION = {"abnormal_reflex": _NORMAL_REFLEX, "infection_risk_factor": _NOT_A_RISK_FACTOR}

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
        value_set, negated = vs.get(concept), _CONCEPT_NEGATION.get(concept)
        read = [text for text in words if negated is None or not negated.search(text)]
        named = next(((text, c) for text in read if (c := value_set.match_text(_WITHOUT.sub(" ", text)))
                      is not None), None)
        if named is not None:
            found.append((index, named[1]._replace(display=named[0])))
    return tuple(found)


def names_of(text: str | None, codings: Iterable[Coding]) -> tuple[str | None, ...]:
    """A record's words: its text, then its codings' displays (a local code's display names the row)."""
    return (text, *(coding.display for coding in codings))


def row_hits(ctx: Context, concepts: tuple[str, ...], o: ObservationView) -> Hits:
    """(index, coding) of each of ``concepts`` a row names and answers Yes to, or, for an exam row, shows
    abnormal by its answer (``_abnormal_exam``). ``facts_findings`` reads it for rows not void nor dated
    after the order, and only where no code of the same concepts is there (a coded row is read by its code,
    ``facts_common.asserted_observations``)."""
    names = names_of(o.text, o.codings)
    if answered_yes(o):  # the answer's words too: "Drug use": "Yes - injects heroin" (tenth pass)
        return _unless_normal(concepts, o, named_hits(ctx, concepts, (*names, *_answers(o))))
    return _abnormal_exam(ctx, concepts, o, names)


# A neurological exam row under a local code, read by its answer (ninth pass, PATHWAY.md §3 myelopathy): a
# reflex sign ("Babinski": "Upgoing", "Ankle clonus": "Sustained", "Hoffmann": "R"), a tendon reflex graded
# 3+ or 4+ ("Biceps reflex": "4+ with clonus"), a gait described as a cord's ("Gait": "Spastic"). A
# normal answer ("Downgoing", "Flexor", "2+", "Absent", "Non-sustained", "Steady", "Antalgic") is none.
_ABNORMAL_REFLEX = (r"(?:[34]\s*\+|\+\s*[34]|up-?going|up\s+going|extensor|sustained|hyperreflexi[ac]"
                    r"|hyperactive|clonus)")
_SIGN_PRESENT = r"(?:\+|pos|positive|present|yes|right|left|bilateral(?:ly)?|bilat|b/l|r|l)"
_EXAM_ROWS: dict[str, tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]] = {
    "abnormal_reflex": (
        (re.compile(r"\b(?:babinski|hoffmann?|clonus)", re.IGNORECASE),
         re.compile(rf"(?:{_ABNORMAL_REFLEX}|{_SIGN_PRESENT})(?![\w+/])", re.IGNORECASE)),
        (re.compile(r"\b(?:reflex(?:es)?|dtrs?|jerks?|plantars?)\b", re.IGNORECASE),
         re.compile(rf"{_ABNORMAL_REFLEX}(?![\w+])", re.IGNORECASE)),
    ),
    "gait_disturbance": ((
        re.compile(r"\bgait\b", re.IGNORECASE),
        re.compile(r"(?:spastic|ataxic|broad[- ]?based|wide[- ]?based|unsteady|unstable|abnormal"
                   r"|scissor(?:ing)?|myelopathic)(?![\w])", re.IGNORECASE)),),
}


def _unless_normal(concepts: tuple[str, ...], o: ObservationView, hits: Hits) -> Hits:
    """A row named for a reflex sign whose coded answer is a finding that says it is normal ("Babinski":
    a SNOMED CT finding shown "Flexor plantar response") asserts no abnormal reflex."""
    answers = _answers(o)
    return tuple((index, coding) for index, coding in hits
                 if (normal := _CONCEPT_NEGATION.get(concepts[index])) is None
                 or not any(normal.search(answer) for answer in answers))


def _answers(o: ObservationView) -> list[str]:
    """The answer's words: a string, a coded answer's text and its codings' displays."""
    return [a.strip() for a in (o.value_string, o.value_text, *(c.display for c in o.value_codings)) if a]


def _abnormal_exam(ctx: Context, concepts: tuple[str, ...], o: ObservationView,
                   names: tuple[str | None, ...]) -> Hits:
    """(index, coding) of each concept an exam row shows abnormal by its answer (``_EXAM_ROWS``): the
    concept's first code, shown as the chart writes the row and its answer ("Babinski Upgoing").
    Memoised by the row's name and answers, as ``named_hits`` is by words: a site's exam rows recur."""
    name = next((text for text in names if text), None)
    if name is None or not any(concept in _EXAM_ROWS for concept in concepts):
        return ()
    words = (name, *_answers(o))
    if not words_memoisable(words):
        return _exam_hits.__wrapped__(ctx.vs, concepts, words)
    return _exam_hits(ctx.vs, concepts, words)


@lru_cache(maxsize=4096)  # bounded like ``_named_hits``: only ordinary-sized words are kept
def _exam_hits(vs: ValueSets, concepts: tuple[str, ...], words: tuple[str, ...]) -> Hits:
    name, answers = words[0], words[1:]
    if _NEGATION.search(name):
        return ()
    found = []
    for index, concept in enumerate(concepts):
        patterns = _EXAM_ROWS.get(concept, ())
        answer = next((a for row, abnormal in patterns if row.search(name) for a in answers
                       if abnormal.match(a)), None)
        if answer is not None:
            coding = vs.get(concept).members[0].coding
            found.append((index, coding._replace(display=f"{name} {answer}")))
    return tuple(found)


def answered_yes(o: ObservationView) -> bool:
    """An answer that asserts (``observation_asserted``) and is there: a row named for a sign with no
    answer at all is a blank row, not a finding."""
    answered = o.value_boolean is not None or o.value_codings or o.value_string or o.value_text
    return bool(answered) and observation_asserted(o)

"""Neurological emergencies written in words only: a free-text problem ("Cauda equina syndrome" with no code,
as Oracle Health exports a free-text diagnosis, or under a local code alone) and a flowsheet row named for a
cauda equina sign or a foot drop under a local code and answered Yes ("Saddle anesthesia": "Yes").

PATHWAY.md §2 reads a finding "wherever the chart holds it" and §6 matches value sets on (system, code); a
CES written only in words was read as no flag and deferred. The safe side taken (docs/pathway-facts.md
"Eighth pass: the neurological emergencies"): a value set marked ``text_match`` (ces.json,
motor_deficit.json) is also read by its displays and names, as whole words — only for a record none of
whose codings is a member (a coded record is read by its code), never a mention its own clause denies
("No saddle anesthesia", "CES ruled out", "[ ] urinary retention", "FHx: myelopathy"; ``facts_negation``,
tenth pass) while a sign written after a denial of something else still counts ("No fever but new urinary
retention"), and a row only when it is answered Yes/Present/true (a blank or "see note" row states
nothing). The coding found is the value set's, so the finding keeps its concept's rules (how long it counts,
new or not); the card shows the chart's own words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import cast

from app.chart.model import ObservationView
from app.pathway.facts_answers import interpreted, observation_asserted, observation_void
from app.pathway.facts_cancer_words import CANCER_WORD_CONCEPTS, cancer_in_words, may_name_a_cancer
from app.pathway.facts_common import Context
from app.pathway.facts_exam import NEGATION, abnormal_exam, answers
from app.pathway.facts_fever_words import FEVER_CONCEPT, fever_in_words
from app.pathway.facts_match import MEMO_MAX_TEXT_CHARS, words_memoisable
from app.pathway.facts_named_not import (
    CONCEPT_NEGATION,
    DENIED_AFTER_NAME,
    NOT_THIS_CONCEPTS,
    OTHER_THING,
    SPINAL,
)
from app.pathway.facts_negation import asserted_at, phrase_around
from app.pathway.facts_shorthand import SHORTHAND_CONCEPTS, spelled_out
from app.terminology import SNOMED, Coding, ValueSet, ValueSets

# The concepts read by name as well as by code: their value sets are ``text_match`` data files. The
# myelopathy signs and the neck or arm symptoms a reflex or gait sign needs (PATHWAY.md §3) since the
# ninth pass (docs/pathway-facts.md "Ninth pass: myelopathy and the cord").
# Since the tenth pass, injection drug use ("IVDU" on a free-text problem, a social-history row "IV drug use"
# answered Yes, "hx IVDU" typed as a visit's reason), the infection risk factors ("MSSA bacteremia", "DM2")
# and a spinal infection ("r/o discitis") (docs/pathway-facts.md "Tenth pass: injection drug use, …").
NAMED_CONCEPTS = frozenset({
    "ces", "ces_if_new", "motor_deficit", "myelopathy", "abnormal_reflex", "gait_disturbance",
    "neck_symptoms", "ivdu", "infection_risk_factor", "spinal_infection", "immunosuppression", "weight_loss",
    FEVER_CONCEPT,  # "febrile", "Tmax 39.1" (``facts_fever_words``, twelfth pass)
    *CANCER_WORD_CONCEPTS,  # by their own words and negations (``facts_cancer_words``, tenth pass)
})
_NAMED_ORDER = tuple(sorted(NAMED_CONCEPTS))
# The member a cancer named in words is shown as (SNOMED CT, CODES.md §1a): the chart's words are its display.
_CANCER_NAMED = {"cancer_active": Coding(SNOMED, "363346000"), "cancer_history": Coding(SNOMED, "266987004")}
Hits = tuple[tuple[int, Coding], ...]


def named_hits(ctx: Context, concepts: tuple[str, ...], texts: Iterable[str | None]) -> Hits:
    """(index, coding) of each named concept one of ``texts`` names; the coding is the value set's, shown
    with the chart's words. Memoised by the words: a site's flowsheet rows and problem names recur on
    every chart, and each call reads every record for a handful of concept lists (``facts_flags``)."""
    words = tuple(texts)
    if NAMED_CONCEPTS.isdisjoint(concepts):
        return ()
    fever_c = ctx.policy.fever_threshold_celsius
    if words_memoisable(words):
        return _named_hits(ctx.vs, concepts, words, fever_c)
    # Long words are read once per call for every named concept (kept on the call's context), not once
    # per concept list asked for: a 4 kB text costs a few scans of it, whoever asks.
    key = ("facts_named", *(word or "" for word in words))
    every = cast(Hits | None, ctx.memo.get(key))
    if every is None:
        every = _named_hits.__wrapped__(ctx.vs, _NAMED_ORDER, words, fever_c)
        ctx.memo[key] = every
    named = {_NAMED_ORDER[at]: coding for at, coding in every}
    return tuple((index, named[concept]) for index, concept in enumerate(concepts) if concept in named)


@lru_cache(maxsize=4096)  # bounded like facts_match's memos: only ordinary-sized words are kept
def _named_hits(vs: ValueSets, concepts: tuple[str, ...], texts: tuple[str | None, ...],
                fever_c: float) -> Hits:
    """``fever_c``: the policy's fever threshold, which a temperature typed in words is read against."""
    words = [text for text in texts if text]
    found: list[tuple[int, Coding]] = []
    cancers: dict[str, str | None] = {}  # each text read once for both cancer concepts
    for index, concept in enumerate(concepts):
        if concept in CANCER_WORD_CONCEPTS:
            found.extend(_cancer_named(index, concept, texts, cancers))
            continue
        if concept not in NAMED_CONCEPTS:
            continue
        if concept == FEVER_CONCEPT:
            fever = fever_in_words(vs.get(concept), words, fever_c)
            found.extend(() if fever is None else ((index, fever[1]._replace(display=fever[0])),))
            continue
        value_set, normal, other = vs.get(concept), CONCEPT_NEGATION.get(concept), OTHER_THING.get(concept)
        read = spelled_out if concept in SHORTHAND_CONCEPTS else str  # "B/B incontinence" (twelfth pass)
        denied, other_concept = DENIED_AFTER_NAME.get(concept), NOT_THIS_CONCEPTS.get(concept)
        named = next(((text, coding) for text in words
                      if (coding := _first_asserted(value_set, read(text), normal, denied, other_concept))
                      is not None
                      and (other is None or not other.search(text) or SPINAL.search(text))), None)
        if named is not None:
            found.append((index, named[1]._replace(display=named[0])))
    return tuple(found)


# The mentions of one concept judged in one text. A real pertinent-negative list names a concept a few
# times; past this many denied mentions the next one counts (the safe side), so that a hostile 4 kB text
# repeating "no urinary retention, " costs what one ordinary text does.
_MOST_MENTIONS = 16


def _first_asserted(value_set: ValueSet, text: str, normal: re.Pattern[str] | None,
                    denied: re.Pattern[str] | None = None,
                    another: Callable[[str, int, int], bool] | None = None) -> Coding | None:
    """The member named by the first mention in ``text`` that its words assert (``facts_negation``) and,
    for a reflex sign, that its own phrase does not call normal nor the words after it deny; never a
    mention ``another`` concept's words hold ("chronic urinary retention")."""
    for count, (start, end, coding) in enumerate(value_set.texts_named(text)):
        if count == _MOST_MENTIONS or (asserted_at(text, start, end) and (
                normal is None or not normal.search(phrase_around(text, start, end)))
                and (denied is None or not denied.match(text, end))
                and (another is None or not another(text, start, end))):
            return coding
    return None


# A spinal infection in words (tenth pass, docs/pathway-facts.md "Tenth pass: where red flags are
# recorded"), read where the named concepts above are not enough: a spine report's conclusion ("epidural
# abscess at L3-4"), a reason typed on another record ("Vertebral osteomyelitis" for IV vancomycin) and the
# draft order's words. Outside a spine report, an osteomyelitis counts only where it names the spine (a
# diabetic foot's does not). A sentence that negates (``facts_exam.NEGATION``), calls the finding unlikely
# or benign, or names a family history or a screening is not read. A cancer in the same words is read once,
# by the named concepts (``facts_cancer_words``: "metastatic disease", "h/o breast ca").
_SPINAL_INFECTION = (
    r"\b(?:epidural|intraspinal|spinal|paraspinal|paravertebral|prevertebral)\s+(?:abscess(?:es)?|phlegmon"
    r"|empyema)\b|\b(?:spondylo)?dis[ck]itis\b|\b(?:vertebral|spinal|spine)\s+osteomyelitis\b"
    r"|\bosteomyelitis\s+of\s+(?:the\s+)?(?:vertebra|spine|spinal|lumbar|thoracic|cervical|sacr)"
    r"|\bseptic\s+facet|\bpott'?s\s+disease\b")
_IN_WORDS = {"spinal_infection": re.compile(_SPINAL_INFECTION, re.IGNORECASE)}
_IN_REPORTS = {  # a spine report's osteomyelitis or psoas abscess is the spine's
    "spinal_infection": re.compile(_SPINAL_INFECTION + r"|\bosteomyelitis\b|\bpsoas\s+abscess",
                                   re.IGNORECASE),
}
_REPORTED_CONCEPTS = frozenset(_IN_WORDS)
# "without" and what it governs ("MRI without contrast"), cut before a sentence is searched for a finding.
_WITHOUT = re.compile(r"\b(?:without|w/o)\b[^,;:.]*", re.IGNORECASE)
_UNLIKELY = re.compile(
    r"\b(?:unlikely|less\s+likely|benign|non-?malignant|non-?neoplastic|basal\s+cell|cutaneous|skin\s+cancer"
    r"|non-?melanoma|(?:neoplasm|carcinoma|cancer|tumou?r)\s+of\s+(?:the\s+)?skin|family|fhx|screen(?:ing)?"
    r"|susceptibility|in[-\s]situ|(?:cancer|malignancy)\s+risk|risk\s+(?:of|for)\s+(?:cancer|malignancy))\b",
    re.IGNORECASE)


# A report sentence that describes anatomy as it should be, or its crowding, names no finding: "The conus
# and cauda equina are normal", "crowding of the cauda equina nerve roots" (a stenosis's description, not
# the syndrome). Such sentences are not read for the named concepts.
_DESCRIBED = re.compile(
    r"\b(?:normal|unremarkable|intact|preserved|crowd(?:ed|ing)|clump(?:ed|ing)|redundan(?:t|cy))\b",
    re.IGNORECASE)


def reported_hits(ctx: Context, concepts: tuple[str, ...], texts: tuple[str, ...]) -> Hits:
    """(index, coding) of each concept a report's sentences name: the named concepts (``named_hits``), never
    in a sentence that describes normal anatomy or its crowding (``_DESCRIBED``: "cauda equina" is a name of
    the syndrome), and a spinal infection in any sentence ("Epidural abscess L3-4, cord signal normal";
    ``infection_hits``)."""
    kept = tuple(text for text in texts if not _DESCRIBED.search(text))
    return one_per_concept(named_hits(ctx, concepts, kept),
                            infection_hits(ctx, concepts, texts, report=True))


def words_hits(ctx: Context, concepts: tuple[str, ...], texts: tuple[str | None, ...]) -> Hits:
    """A reason's or the order's words: the named concepts (``named_hits``, which reads a cancer with
    ``facts_cancer_words``), and a spinal infection (``infection_hits``)."""
    named = named_hits(ctx, concepts, texts)
    if _REPORTED_CONCEPTS.isdisjoint(concepts):
        return named
    return one_per_concept(named, infection_hits(ctx, concepts, tuple(text for text in texts if text)))


def one_per_concept(hits: Hits, more: Hits) -> Hits:
    """``hits``, then those of ``more`` for concepts ``hits`` does not name: two readers of the same words
    give one finding per concept (a spinal infection is both a named concept and ``_IN_WORDS``')."""
    if not more or not hits:
        return hits or more
    named = {index for index, _ in hits}
    return hits + tuple(hit for hit in more if hit[0] not in named)


def infection_hits(ctx: Context, concepts: tuple[str, ...], texts: tuple[str, ...],
                   report: bool = False) -> Hits:
    """(index, coding) of a spinal infection ``texts`` name (``_IN_WORDS``; a spine ``report``'s,
    ``_IN_REPORTS``): a report's sentences, a reason typed on another record, the draft order's reason
    for exam and note ("r/o epidural abscess": a suspicion counts, PATHWAY.md §2). The concept's first
    code, shown in the chart's words; memoised by the words, as ``named_hits`` is."""
    if not texts or _REPORTED_CONCEPTS.isdisjoint(concepts):
        return ()
    if not words_memoisable(texts):
        return _reported_hits.__wrapped__(ctx.vs, concepts, texts, report)
    return _reported_hits(ctx.vs, concepts, texts, report)


@lru_cache(maxsize=1024)  # bounded like ``_named_hits``
def _reported_hits(vs: ValueSets, concepts: tuple[str, ...], texts: tuple[str, ...], report: bool) -> Hits:
    read = [text for text in texts if not NEGATION.search(text) and not _UNLIKELY.search(text)]
    patterns = _IN_REPORTS if report else _IN_WORDS
    found = []
    for index, concept in enumerate(concepts):
        pattern = patterns.get(concept)
        text = None if pattern is None else next(
            (text for text in read if pattern.search(_WITHOUT.sub(" ", text))), None)
        if text is not None:
            found.append((index, vs.get(concept).members[0].coding._replace(display=text)))
    return tuple(found)


def _cancer_named(index: int, concept: str, texts: tuple[str | None, ...],
                  read: dict[str, str | None] | None = None) -> Hits:
    """A cancer named in words (``facts_cancer_words``, which reads its own negations: "triple negative
    breast cancer" is a cancer, "no hx of cancer" none), shown in the chart's words; ``read`` keeps what
    each text named for the next concept."""
    read = {} if read is None else read
    for text in texts:
        if not text:
            continue
        if text not in read:
            read[text] = cancer_in_words(text)
        if read[text] == concept:
            return ((index, _CANCER_NAMED[concept]._replace(display=text)),)
    return ()


# A row whose prose is not a statement of the patient's findings: a relative's history, a risk or a screen,
# what the patient was taught or told to watch for ("Education": "Signs of cauda equina reviewed"). Also a
# row named for a relative ("Mother's Medical History", "Father", "Sibling History": intake forms; twelfth
# pass, whole charts) — never "maternal" alone (a labour ward's "Maternal temp" is the patient's own) nor
# "sister" (a ward sister's assessment is of the patient).
_NOT_FINDINGS_ROW = re.compile(
    r"\b(?:family|fhx|fh|relatives?|risks?|screen\w*|educat\w*|teach\w*|instruct\w*|precautions?"
    r"|counsel\w*|goals?|negatives"  # "Pertinent negatives" (twelfth pass)
    r"|mother'?s?|father'?s?|mom'?s?|dad'?s?|parents?'?|siblings?'?|brothers?'?|aunts?|uncles?"
    r"|grand(?:mother|father|parent)s?'?|cousins?|nieces?|nephews?)\b", re.IGNORECASE)


def prose_hits(ctx: Context, concepts: tuple[str, ...], o: ObservationView) -> Hits:
    """(index, coding) of each concept a row's prose names: a ``valueString`` ("Neuro exam": "Saddle
    anesthesia present, decreased rectal tone"; one word since the twelfth pass) or its ``note``, sentence
    by sentence, as a
    reason typed on another record is read (``words_hits``: each mention judged by its own clause, so "No
    saddle anesthesia", "Denies bowel/bladder changes", "[ ] fever" stay negative; eleventh pass). Never
    for a row named for a relative's history, a risk, a screen or teaching (``_NOT_FINDINGS_ROW``)."""
    written = narrative(o)
    return words_hits(ctx, concepts, written) if written else ()


def narrative(o: ObservationView) -> tuple[str, ...]:
    """A row's prose and notes, sentence by sentence — none for a row named for a relative's history, a
    risk, a screen or teaching (``_NOT_FINDINGS_ROW``); also read for fracture risk (``facts_fracture_words``,
    twelfth pass)."""
    names = names_of(o.text, o.codings)
    if any(name and (_NOT_FINDINGS_ROW.search(name) or NEGATION.search(name)) for name in names):
        return ()  # also a row whose name denies what it lists ("Pertinent negatives", "ROS negative for")
    return (*(o.prose or _one_word(o)), *(text for note in o.notes for text in note.texts))


def _one_word(o: ObservationView) -> tuple[str, ...]:
    """A one-word string answer of a free-text row ("Neuro exam": "Hyperreflexia"): read for the names it
    is, as prose is (twelfth pass); "Yes", "Absent" or "Retention" name nothing."""
    return (o.value_string,) if o.value_string else ()


def names_of(text: str | None, codings: Iterable[Coding]) -> tuple[str | None, ...]:
    """A record's words: its text, then its codings' displays (a local code's display names the row)."""
    return (text, *(coding.display for coding in codings))


def row_hits(ctx: Context, concepts: tuple[str, ...], o: ObservationView) -> Hits:
    """(index, coding) of each of ``concepts`` a row names and answers Yes to, else, for an exam row, shows
    abnormal by its answer (``facts_exam.abnormal_exam``; also a row answered "+" naming no concept).
    ``facts_findings`` reads it for rows not void nor dated after the order, and only where no code of
    the same concepts is there (a coded row is read by its code, ``facts_common.asserted_observations``)."""
    names = names_of(o.text, o.codings)
    named = _unless_normal(concepts, o, named_hits(ctx, concepts, (*names, *_namedanswers(names, o)))) \
        if answered_yes(o) else ()
    return named or abnormal_exam(ctx, concepts, o, names) or _cancer_answered(concepts, o, names)


def _namedanswers(names: tuple[str | None, ...], o: ObservationView) -> tuple[str, ...]:
    """A Yes row's answers, each after the row's name as one clause: "Drug use": "Yes - injects heroin" is
    injection drug use, "Family history": "Yes - breast cancer" a relative's (tenth pass)."""
    name = next((text for text in names if text), "")
    return tuple(f"{name} {answer}" for answer in answers(o))


# An answer that says nothing is there: "Hx of cancer?": "No", "Unknown", "N/A".
_NO_ANSWER = re.compile(
    r"\s*(?:no|n|none|neg|negative|denies|denied|never|unknown|unk|n/?a|not\s+applicable)\b", re.IGNORECASE)


def _cancer_answered(concepts: tuple[str, ...], o: ObservationView, names: tuple[str | None, ...]) -> Hits:
    """A cancer named in a row's answer ("Pathology final diagnosis": "Metastatic adenocarcinoma", "Which
    cancer?": "Breast"), read with the row's name before it, so that "Family history": "breast cancer" and
    "Cancer screening": "Up to date" stay none (``facts_cancer_words``); tenth pass. Memoised by the row's
    name and raw answer: every Observation of a chart is asked, and a site's rows and answers recur."""
    if o.value_boolean is False or CANCER_WORD_CONCEPTS.isdisjoint(concepts):
        return ()
    name = next((text for text in names if text), "")
    display = next((c.display for c in o.value_codings if c.display), None) if o.value_codings else None
    if o.value_string is None and o.value_text is None and display is None \
            and not _measured_may_name_a_cancer(name, o.unit):
        return ()  # a measured value whose name and unit name no cancer: its number names none either
    key = (name, o.value_string, o.value_text, display)
    if not words_memoisable(key):
        return _cancer_row.__wrapped__(concepts, *key, o.value, o.unit)
    return _cancer_row(concepts, *key, o.value, o.unit)


def _measured_may_name_a_cancer(name: str, unit: str | None) -> bool:
    """``may_name_a_cancer`` of a measured row's name and unit, remembered for ordinary-sized names: a
    chart's labs and vitals repeat a few dozen names."""
    if len(name) > MEMO_MAX_TEXT_CHARS or (unit is not None and len(unit) > MEMO_MAX_TEXT_CHARS):
        return may_name_a_cancer(f"{name} {unit or ''}")
    return _measured_names(name, unit)


@lru_cache(maxsize=4096)  # bounded: the names and units are at most MEMO_MAX_TEXT_CHARS
def _measured_names(name: str, unit: str | None) -> bool:
    return may_name_a_cancer(f"{name} {unit or ''}")


@lru_cache(maxsize=4096)  # bounded like ``_named_hits``: only ordinary-sized words are kept
def _cancer_row(concepts: tuple[str, ...], name: str, value_string: str | None, value_text: str | None,
                display: str | None, value: float | None, unit: str | None) -> Hits:
    """``_cancer_answered`` for one row: its first answer as ``facts_exam.answers`` orders them."""
    quantity = f"{value:g} {unit or ''}" if value is not None else None
    answer = next((a.strip() for a in (value_string, value_text, display, quantity) if a), None)
    if answer is None or _NO_ANSWER.match(answer):
        return ()
    row = " ".join((name, answer))  # the name, then its answer, as one clause
    return tuple(hit for index, concept in enumerate(concepts) if concept in CANCER_WORD_CONCEPTS
                 for hit in _cancer_named(index, concept, (row,)))


def _unless_normal(concepts: tuple[str, ...], o: ObservationView, hits: Hits) -> Hits:
    """A row named for a reflex sign whose coded answer is a finding that says it is normal ("Babinski":
    a SNOMED CT finding shown "Flexor plantar response") asserts no abnormal reflex."""
    written = answers(o)
    return tuple((index, coding) for index, coding in hits
                 if (normal := CONCEPT_NEGATION.get(concepts[index])) is None
                 or not any(normal.search(answer) for answer in written))


def answered_yes(o: ObservationView) -> bool:
    """An answer that asserts (``observation_asserted``) and is there: a row named for a sign with no
    answer at all is a blank row, not a finding. Also (tenth pass) the words an emergency screen answers
    with: "+", "Endorses", "Pt reports", "Admits", "New onset" — never beside a denial."""
    answered = o.value_boolean is not None or o.value_codings or o.value_string or o.value_text \
        or o.value is not None or interpreted(o) is True  # a 1 on a yes/no row; only a flag: "Babinski", POS
    if not answered or observation_void(o):
        return False
    if observation_asserted(o):
        return True
    written = o.value_string or o.value_text
    return written is not None and _REPORTED.match(written) is not None and NEGATION.search(written) is None


_REPORTED = re.compile(r"\s*(?:\+\s*$|(?:pt\.?\s+|patient\s+)?(?:endorse[sd]?|reports?|reported|admits"
                       r"|new(?:\s+onset)?|c/o|complains)\b)", re.IGNORECASE)

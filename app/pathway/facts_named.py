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
from typing import NamedTuple, cast

from app.chart.model import ObservationView
from app.pathway.facts_cancer_words import CANCER_WORD_CONCEPTS, cancer_in_words
from app.pathway.facts_common import (
    Context,
    observation_asserted,
    observation_void,
    words_memoisable,
)
from app.pathway.facts_negation import asserted_at, phrase_around
from app.terminology import SNOMED, Coding, ValueSet, ValueSets

# The concepts read by name as well as by code: their value sets are ``text_match`` data files. The
# myelopathy signs and the neck or arm symptoms a reflex or gait sign needs (PATHWAY.md §3) since the
# ninth pass (docs/pathway-facts.md "Ninth pass: myelopathy and the cord").
# Since the tenth pass, injection drug use ("IVDU" on a free-text problem, a social-history row "IV drug use"
# answered Yes, "hx IVDU" typed as a visit's reason), the infection risk factors ("MSSA bacteremia", "DM2")
# and a spinal infection ("r/o discitis") (docs/pathway-facts.md "Tenth pass: injection drug use, …").
NAMED_CONCEPTS = frozenset({
    "ces", "ces_if_new", "motor_deficit", "myelopathy", "abnormal_reflex", "gait_disturbance",
    "neck_symptoms", "ivdu", "infection_risk_factor", "spinal_infection",
    *CANCER_WORD_CONCEPTS,  # by their own words and negations (``facts_cancer_words``, tenth pass)
})
_NAMED_ORDER = tuple(sorted(NAMED_CONCEPTS))
# The member a cancer named in words is shown as (SNOMED CT, CODES.md §1a): the chart's words are its display.
_CANCER_NAMED = {"cancer_active": Coding(SNOMED, "363346000"), "cancer_history": Coding(SNOMED, "266987004")}
# Words that negate a row's name ("No saddle anesthesia": "Yes" states that there is none). A name's
# mentions in a record's words are judged one by one (``facts_negation``). A family history names a
# relative's finding, not the patient's ("Family history of IVDU", "FHx CES").
_NEGATION = re.compile(
    r"\b(no|not(?!\s+otherwise\s+specified)|denies|denied|negative|neg|absent|never|none|nor|ruled\s+out"
    r"|excluded|family\s+(?:history|hx)|fhx)\b", re.IGNORECASE)
# A reflex sign written as not there: "Babinski downgoing", "plantars flexor", "unsustained clonus" — in the
# sign's own phrase ("Hoffmann positive, Babinski downgoing" still names a Hoffmann sign).
_NORMAL_REFLEX = re.compile(r"\b(?:down-?going|down\s+going|flexor|mute|unsustained|non-?sustained)\b",
                            re.IGNORECASE)
# A cord that is not the spinal cord: "Umbilical cord compression" (an obstetric problem, SNOMED CT's
# display under a code of no red-flag value set), "Labor complicated by cord compression", "Spermatic cord
# compression" name no myelopathy (tenth pass). Searched in the whole text, unless the mention says "spinal".
_OTHER_CORD = re.compile(r"\b(?:umbilical|nuchal|spermatic|funic|fetal|fetus|labou?r|delivery|intrapartum"
                         r"|antepartum|pregnancy|obstetric)\b", re.IGNORECASE)
_OTHER_THING = {"myelopathy": _OTHER_CORD}
_SPINAL = re.compile(r"\b(?:spinal|spine|myelopath\w*|cervical|thoracic)\b", re.IGNORECASE)
# An incontinence of a kind that is never a CES sign alone (PATHWAY.md §3, CODES.md recommendation 5):
# "Stress urinary incontinence" names no new unspecified incontinence (tenth pass, ces_if_new in words).
_NEVER_CES_ALONE = re.compile(
    r"\b(?:stress|urge|urgency|mixed|nocturnal|night-?time|enuresis|bed-?wetting|post-?void|post-?micturition"
    r"|dribbl\w*|overactive|functional|giggle|coital|laugh\w*|cough\w*|sneez\w*)\b", re.IGNORECASE)
# An infection risk factor's name that is not the risk factor: a gestational or pre-diabetes, a diabetes
# insipidus, a screening for it or a risk of it (tenth pass; the risk factor needs a raised marker anyway).
_NOT_A_RISK_FACTOR = re.compile(
    r"\b(?:gestational|pre-?\s?diabet\w*|insipidus|screen\w*|risk\s+(?:of|for))\b", re.IGNORECASE)
_CONCEPT_NEGATION = {"abnormal_reflex": _NORMAL_REFLEX, "ces_if_new": _NEVER_CES_ALONE,
                     "infection_risk_factor": _NOT_A_RISK_FACTOR}

Hits = tuple[tuple[int, Coding], ...]


def named_hits(ctx: Context, concepts: tuple[str, ...], texts: Iterable[str | None]) -> Hits:
    """(index, coding) of each named concept one of ``texts`` names; the coding is the value set's, shown
    with the chart's words. Memoised by the words: a site's flowsheet rows and problem names recur on
    every chart, and each call reads every record for a handful of concept lists (``facts_flags``)."""
    words = tuple(texts)
    if NAMED_CONCEPTS.isdisjoint(concepts):
        return ()
    if words_memoisable(words):
        return _named_hits(ctx.vs, concepts, words)
    # Long words are read once per call for every named concept (kept on the call's context), not once
    # per concept list asked for: a 4 kB text costs a few scans of it, whoever asks.
    key = ("facts_named", *(word or "" for word in words))
    every = cast(Hits | None, ctx.memo.get(key))
    if every is None:
        every = _named_hits.__wrapped__(ctx.vs, _NAMED_ORDER, words)
        ctx.memo[key] = every
    named = {_NAMED_ORDER[at]: coding for at, coding in every}
    return tuple((index, named[concept]) for index, concept in enumerate(concepts) if concept in named)


@lru_cache(maxsize=4096)  # bounded like facts_common's memos: only ordinary-sized words are kept
def _named_hits(vs: ValueSets, concepts: tuple[str, ...], texts: tuple[str | None, ...]) -> Hits:
    words = [text for text in texts if text]
    found: list[tuple[int, Coding]] = []
    cancers: dict[str, str | None] = {}  # each text read once for both cancer concepts
    for index, concept in enumerate(concepts):
        if concept in CANCER_WORD_CONCEPTS:
            found.extend(_cancer_named(index, concept, texts, cancers))
            continue
        if concept not in NAMED_CONCEPTS:
            continue
        value_set, normal, other = vs.get(concept), _CONCEPT_NEGATION.get(concept), _OTHER_THING.get(concept)
        named = next(((text, coding) for text in words
                      if (coding := _first_asserted(value_set, text, normal)) is not None
                      and (other is None or not other.search(text) or _SPINAL.search(text))), None)
        if named is not None:
            found.append((index, named[1]._replace(display=named[0])))
    return tuple(found)


# The mentions of one concept judged in one text. A real pertinent-negative list names a concept a few
# times; past this many denied mentions the next one counts (the safe side), so that a hostile 4 kB text
# repeating "no urinary retention, " costs what one ordinary text does.
_MOST_MENTIONS = 16


def _first_asserted(value_set: ValueSet, text: str, normal: re.Pattern[str] | None) -> Coding | None:
    """The member named by the first mention in ``text`` that its words assert (``facts_negation``) and,
    for a reflex sign, that its own phrase does not call normal."""
    for count, (start, end, coding) in enumerate(value_set.texts_named(text)):
        if count == _MOST_MENTIONS or (asserted_at(text, start, end) and (
                normal is None or not normal.search(phrase_around(text, start, end)))):
            return coding
    return None


# A spinal infection in words (tenth pass, docs/pathway-facts.md "Tenth pass: where red flags are
# recorded"), read where the named concepts above are not enough: a spine report's conclusion ("epidural
# abscess at L3-4"), a reason typed on another record ("Vertebral osteomyelitis" for IV vancomycin) and the
# draft order's words. Outside a spine report, an osteomyelitis counts only where it names the spine (a
# diabetic foot's does not). A sentence that negates (``_NEGATION``), calls the finding unlikely or benign,
# or names a family history or a screening is not read. A cancer in the same words is read once, by the
# named concepts (``facts_cancer_words``: "metastatic disease", "h/o breast ca").
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
    return _one_per_concept(named_hits(ctx, concepts, kept),
                            infection_hits(ctx, concepts, texts, report=True))


def words_hits(ctx: Context, concepts: tuple[str, ...], texts: tuple[str | None, ...]) -> Hits:
    """A reason's or the order's words: the named concepts (``named_hits``, which reads a cancer with
    ``facts_cancer_words``), and a spinal infection (``infection_hits``)."""
    return _one_per_concept(named_hits(ctx, concepts, texts),
                            infection_hits(ctx, concepts, tuple(text for text in texts if text)))


def _one_per_concept(hits: Hits, more: Hits) -> Hits:
    """``hits``, then those of ``more`` for concepts ``hits`` does not name: two readers of the same words
    give one finding per concept (a spinal infection is both a named concept and ``_IN_WORDS``')."""
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
    read = [text for text in texts if not _NEGATION.search(text) and not _UNLIKELY.search(text)]
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


def names_of(text: str | None, codings: Iterable[Coding]) -> tuple[str | None, ...]:
    """A record's words: its text, then its codings' displays (a local code's display names the row)."""
    return (text, *(coding.display for coding in codings))


def row_hits(ctx: Context, concepts: tuple[str, ...], o: ObservationView) -> Hits:
    """(index, coding) of each of ``concepts`` a row names and answers Yes to, else, for an exam row, shows
    abnormal by its answer (``_abnormal_exam``; also a row answered "+" naming no concept).
    ``facts_findings`` reads it for rows not void nor dated after the order, and only where no code of
    the same concepts is there (a coded row is read by its code, ``facts_common.asserted_observations``)."""
    names = names_of(o.text, o.codings)
    named = _unless_normal(concepts, o, named_hits(ctx, concepts, (*names, *_named_answers(names, o)))) \
        if answered_yes(o) else ()
    return named or _abnormal_exam(ctx, concepts, o, names) or _cancer_answered(concepts, o, names)


def _named_answers(names: tuple[str | None, ...], o: ObservationView) -> tuple[str, ...]:
    """A Yes row's answers, each after the row's name as one clause: "Drug use": "Yes - injects heroin" is
    injection drug use, "Family history": "Yes - breast cancer" a relative's (tenth pass)."""
    name = next((text for text in names if text), "")
    return tuple(f"{name} {answer}" for answer in _answers(o))


# An answer that says nothing is there: "Hx of cancer?": "No", "Unknown", "N/A".
_NO_ANSWER = re.compile(
    r"\s*(?:no|n|none|neg|negative|denies|denied|never|unknown|unk|n/?a|not\s+applicable)\b", re.IGNORECASE)


def _cancer_answered(concepts: tuple[str, ...], o: ObservationView, names: tuple[str | None, ...]) -> Hits:
    """A cancer named in a row's answer ("Pathology final diagnosis": "Metastatic adenocarcinoma", "Which
    cancer?": "Breast"), read with the row's name before it, so that "Family history": "breast cancer" and
    "Cancer screening": "Up to date" stay none (``facts_cancer_words``); tenth pass."""
    if not CANCER_WORD_CONCEPTS.intersection(concepts) or o.value_boolean is False:
        return ()
    answer = next(iter(_answers(o)), None)
    if answer is None or _NO_ANSWER.match(answer):
        return ()
    name = next((text for text in names if text), "")
    row = " ".join((name, answer))  # the name, then its answer, as one clause
    return tuple(hit for index, concept in enumerate(concepts) if concept in CANCER_WORD_CONCEPTS
                 for hit in _cancer_named(index, concept, (row,)))


# A neurological exam row under a local code, read by its answer (ninth pass, PATHWAY.md §3 myelopathy): a
# reflex sign ("Babinski": "Upgoing", "Ankle clonus": "Sustained", "Hoffmann": "R"), a tendon reflex graded
# 3+ or 4+ ("Biceps reflex": "4+ with clonus"), a gait described as a cord's ("Gait": "Spastic"). A
# normal answer ("Downgoing", "Flexor", "2+", "Absent", "Non-sustained", "Steady", "Antalgic") is none.
_ABNORMAL_REFLEX = (r"(?:[34]\s*\+|\+\s*[34]|up-?going|up\s+going|extensor|sustained|hyperreflexi[ac]"
                    r"|hyperactive|clonus)")
_SIGN_PRESENT = r"(?:\+|pos|positive|present|yes|right|left|bilateral(?:ly)?|bilat|b/l|r|l)"


class _ExamRow(NamedTuple):
    """A row named ``row`` shows its concept when an answer is ``abnormal``; the evidence is the member
    ``code`` of the concept, else its first one, shown as the chart writes the row and its answer."""

    row: re.Pattern[str]
    abnormal: Callable[[str], object]
    code: str | None = None


def _volume_of_retention(answer: str) -> bool:
    """A bladder volume of ``RETENTION_ML`` or more, in mL (or cc, or L, or no unit: bladder scanners
    report mL)."""
    found = _VOLUME.fullmatch(answer)
    if found is None:
        return False
    litres = (found.group(2) or "").casefold() in {"l", "liter", "litre", "liters", "litres"}
    return float(found.group(1)) * (1000 if litres else 1) >= RETENTION_ML


# Tenth pass, PATHWAY.md §3 cauda equina, as nursing and physician flowsheets chart its signs: a post-void
# residual or bladder scan of 200 mL or more (retention; the threshold is clinical, not in §3: NHS
# suspected-CES pathways image at once above 200 mL, docs/pathway-facts.md "Tenth pass: cauda equina and
# motor deficits in flowsheets"), a rectal or anal sphincter tone written
# decreased, absent or lax, a perianal, perineal or saddle sensation written decreased or absent, an anal
# wink or bulbocavernosus reflex absent. "Normal", "Intact", "Present", "40 mL" raise nothing; a row
# naming a pre-void volume is no residual, nor a gastric residual, nor a urine output or a 24-hour urine
# volume, nor a volume in another unit ("PVR" is also a pulmonary vascular resistance, in dyn·s/cm5 or
# Wood units); "BCR" (BCR-ABL) is no bulbocavernosus reflex.
RETENTION_ML = 200.0
_VOLUME = re.compile(r"\s*(?:>=?|≥)?\s*(\d+(?:\.\d+)?)\s*(ml|mls|cc|milliliters?|millilitres?|l|liters?"
                     r"|litres?)?\.?\s*", re.IGNORECASE)
# A nursing elimination row ("Urinary elimination", "Voiding", "Bladder", "Bowel") answered retention or
# incontinent: retention (or a bowel incontinence) is a CES sign; a urinary incontinence only when new in
# the episode and never of a kind never a CES sign alone (ces_if_new). "Voids", "Continent" raise nothing.
_URINARY_ROW = re.compile(r"\b(?:urinary|urine|bladder|voiding|void|urination|micturition|gu)\b(?!.*\bscan)",
                          re.IGNORECASE)
_INCONTINENT = re.compile(r"(?:urinary\s+|bowel\s+|fa?ecal\s+)?(?:incontinen\w*|involuntary)", re.IGNORECASE)
_LOW = (r"(?:decreased|reduced|diminished|absent|abn|abnormal|impaired|weak|poor|lax|loose|patulous|flaccid"
        r"|low|none|nil|lost|loss|minimal|0)")


def _beside(part: str) -> Callable[[str], object]:
    """An answer with a clause in which a word of ``_LOW`` and ``part`` stand at most three words apart
    and nothing denies them ("Decreased perianal sensation", "tone lax"; "decreased L5; perianal intact"
    and "no decreased perianal sensation" are no saddle finding)."""
    near = r"[^\w;,.]+(?:[\w/-]+[^\w;,.]+){0,3}?"
    found = re.compile(rf"\b(?:{_LOW}{near}{part}|{part}{near}{_LOW})\b", re.IGNORECASE).search
    return lambda answer: any(found(clause) is not None and _DENIED.search(clause) is None
                              for clause in _CLAUSES.split(answer))


# Words that deny what a clause would otherwise state ("No decreased perianal sensation"); a denial in
# another clause ("Decreased tone, no masses") does not.
_CLAUSES = re.compile(r"[;,.]")
_DENIED = re.compile(r"\b(?:no|not|denies|denied|negative|neg|without|w/o|never|nor)\b", re.IGNORECASE)


_SADDLE = r"(?:peri-?anal|perineal|perineum|saddle|genital|s\s*[2-5](?:\s*-\s*s?[3-5])?)"
_TONE = r"(?:sphincter|tone)"
_EXAM_ROWS: dict[str, tuple[_ExamRow, ...]] = {
    "abnormal_reflex": (
        _ExamRow(re.compile(r"\b(?:babinski|hoffmann?|clonus)", re.IGNORECASE),
                 re.compile(rf"(?:{_ABNORMAL_REFLEX}|{_SIGN_PRESENT})(?![\w+/])", re.IGNORECASE).match),
        _ExamRow(re.compile(r"\b(?:reflex(?:es)?|dtrs?|jerks?|plantars?)\b", re.IGNORECASE),
                 re.compile(rf"{_ABNORMAL_REFLEX}(?![\w+])", re.IGNORECASE).match),
    ),
    "gait_disturbance": (_ExamRow(
        re.compile(r"\bgait\b", re.IGNORECASE),
        re.compile(r"(?:spastic|ataxic|broad[- ]?based|wide[- ]?based|unsteady|unstable|abnormal"
                   r"|scissor(?:ing)?|myelopathic)(?![\w])", re.IGNORECASE).match),),
    "ces": (
        _ExamRow(re.compile(r"^(?!.*\b(?:pre-?\s*void|gastric)).*\b(?:post-?\s*void|post-?\s*micturition|pvr"
                            r"|bladder\s+scan\w*|residual\s+(?:urine|bladder)|urine\s+residual|bladder\s+volume)",
                 re.IGNORECASE),
                 _volume_of_retention, "267064002"),
        _ExamRow(re.compile(r"\b(?:rectal|anal|sphincter)\s+(?:sphincter\s+)?tone\b|\bsphincter\s+tone",
                            re.IGNORECASE),
                 re.compile(rf"{_LOW}\b", re.IGNORECASE).match, "192970008"),
        _ExamRow(re.compile(r"\b(?:peri-?anal|perineal|perineum|saddle|sacral|genital|s\s*[2-5])\b.*\b(?:sensation"
                            r"|sensory|light\s+touch|pin\s*prick|feeling)", re.IGNORECASE),
                 re.compile(rf"{_LOW}\b", re.IGNORECASE).match, "449813001"),
        _ExamRow(re.compile(r"\b(?:anal\s+wink|anocutaneous|bulbo-?cavernos\w*|anal\s+reflex)",
                            re.IGNORECASE),
                 re.compile(r"(?:absent|negative|neg|none|nil|not\s+(?:present|elicited)|diminished|decreased"
                            r"|reduced|0|-)(?![\w])", re.IGNORECASE).match, "192970008"),
        # A rectal or sensory exam written in a short answer: "DRE": "Decreased tone", "Sensation":
        # "Reduced perianal sensation".
        _ExamRow(re.compile(r"\b(?:dre|rectal(?:\s+exam\w*)?|digital\s+rectal)\b", re.IGNORECASE),
                 _beside(_TONE), "192970008"),
        _ExamRow(re.compile(r"\b(?:sensation|sensory|sensibility|light\s+touch|pin\s*prick|neuro\w*)\b",
                            re.IGNORECASE),
                 _beside(_SADDLE), "449813001"),
        _ExamRow(_URINARY_ROW, re.compile(r"(?:urinary\s+)?(?:retention|retaining|unable\s+to\s+"
                                          r"(?:void|urinate)|not\s+voiding|cannot\s+void|no\s+void)",
                                          re.IGNORECASE).match, "267064002"),
        _ExamRow(re.compile(r"\b(?:bowel|stool|fa?ecal)\b", re.IGNORECASE),
                 lambda answer: _INCONTINENT.match(answer) is not None, "72042002"),
    ),
    # A foot drop row answered with its side or a gait row answered steppage (tenth pass, §3 motor): the
    # side stays in the evidence's words, so a "Bilateral" answer is weakness of both legs (facts_motor).
    "motor_deficit": (
        _ExamRow(re.compile(r"\b(?:foot\s*-?\s*drop|drop\s*-?\s*foot)\b", re.IGNORECASE),
                 re.compile(rf"{_SIGN_PRESENT}(?![\w+/])", re.IGNORECASE).match, "6077001"),
        _ExamRow(re.compile(r"\bgait\b", re.IGNORECASE),
                 re.compile(r"(?:steppage|high[- ]stepp\w*|foot\s*(?:drop|slap\w*))", re.IGNORECASE).search,
                 "6077001"),
    ),
    "ces_if_new": (_ExamRow(_URINARY_ROW, lambda answer: _INCONTINENT.match(answer) is not None
                            and _NEVER_CES_ALONE.search(answer) is None, "165232002"),),
}


def _unless_normal(concepts: tuple[str, ...], o: ObservationView, hits: Hits) -> Hits:
    """A row named for a reflex sign whose coded answer is a finding that says it is normal ("Babinski":
    a SNOMED CT finding shown "Flexor plantar response") asserts no abnormal reflex."""
    answers = _answers(o)
    return tuple((index, coding) for index, coding in hits
                 if (normal := _CONCEPT_NEGATION.get(concepts[index])) is None
                 or not any(normal.search(answer) for answer in answers))


def _answers(o: ObservationView) -> list[str]:
    """The answer's words: a string, a coded answer's text and its codings' displays; a quantity as
    written ("350 mL": a bladder volume, tenth pass)."""
    quantity = f"{o.value:g} {o.unit or ''}" if o.value is not None else None
    return [a.strip() for a in (o.value_string, o.value_text, *(c.display for c in o.value_codings), quantity)
            if a]


def _abnormal_exam(ctx: Context, concepts: tuple[str, ...], o: ObservationView,
                   names: tuple[str | None, ...]) -> Hits:
    """(index, coding) of each concept an exam row shows abnormal by its answer (``_EXAM_ROWS``): the
    concept's first code, shown as the chart writes the row and its answer ("Babinski Upgoing"). The row
    is named by its text or any of its codings' displays (a LOINC-coded bladder scan whose text is a
    flowsheet id). Memoised by the row's names (which rows they name: most name none, and their answers
    are then never read), then by its names and answers, as ``named_hits`` is by words: a site's exam rows
    recur."""
    named = tuple(text for text in names if text)
    memoisable = words_memoisable(named)
    if not named or not (_exam_rows(named) if memoisable else _exam_rows.__wrapped__(named)):
        return ()
    answers = tuple(_answers(o))
    if not memoisable or not words_memoisable(answers):
        return _exam_hits.__wrapped__(ctx.vs, concepts, named, answers)
    return _exam_hits(ctx.vs, concepts, named, answers)


@lru_cache(maxsize=4096)  # bounded like ``_named_hits``
def _exam_rows(names: tuple[str, ...]) -> bool:
    """Does a name (not negated) name an exam row of any concept?"""
    read = [name for name in names if not _NEGATION.search(name)]
    return any(row.row.search(name) for rows in _EXAM_ROWS.values() for row in rows for name in read)


@lru_cache(maxsize=4096)  # bounded like ``_named_hits``: only ordinary-sized words are kept
def _exam_hits(vs: ValueSets, concepts: tuple[str, ...], names: tuple[str, ...], answers: tuple[str, ...]
               ) -> Hits:
    read = [name for name in dict.fromkeys(names) if not _NEGATION.search(name)]
    found = []
    for index, concept in enumerate(concepts):
        shown = next(((row, name, a) for row in _EXAM_ROWS.get(concept, ()) for name in read
                      if row.row.search(name) for a in answers if _shows(concept, row, a)), None)
        if shown is not None:
            members = vs.get(concept).members
            coding = next((m.coding for m in members if m.coding.code == shown[0].code), members[0].coding)
            found.append((index, coding._replace(display=f"{shown[1]} {shown[2]}")))
    return tuple(found)


# An exam answer is read side by side ("R upgoing, L downgoing"); a side whose words also say normal or
# absent ("R neg, L neg", "Bilaterally absent", "Right: flexor", "Left 2 beats", "Abnormal - antalgic",
# "Hyperreflexia absent") shows nothing abnormal — the side's word alone ("R") was read as a sign present,
# an urgent R20 for a careful normal exam (tenth pass).
_SIDES = re.compile(r"\s*(?:[,;/]|\band\b)\s*", re.IGNORECASE)
_NORMAL_SIDE = re.compile(
    r"\b(?:no|not|neg|negative|absent|none|nil|normal|nl|wnl|down-?going|down\s+going|flexor|mute"
    r"|unsustained|non-?sustained|antalgic|[0-4]\s*beats?)\b", re.IGNORECASE)


# The concepts whose exam rows are answered side by side with a side's word ("R", "Bilateral").
_SIDED = frozenset({"abnormal_reflex", "gait_disturbance", "motor_deficit"})


def _shows(concept: str, row: _ExamRow, answer: str) -> bool:
    """The row's answer shows its concept: side by side for the sided rows (``_abnormal_side``); the
    cauda equina rows read their own denials (``_beside``, ``_DENIED``)."""
    return _abnormal_side(row.abnormal, answer) if concept in _SIDED else bool(row.abnormal(answer))


def _abnormal_side(abnormal: Callable[[str], object], answer: str) -> bool:
    """One side of the answer reads abnormal and says nothing normal beside it."""
    return any(abnormal(side) and not _NORMAL_SIDE.search(side) for side in _SIDES.split(answer))


def answered_yes(o: ObservationView) -> bool:
    """An answer that asserts (``observation_asserted``) and is there: a row named for a sign with no
    answer at all is a blank row, not a finding. Also (tenth pass) the words an emergency screen answers
    with: "+", "Endorses", "Pt reports", "Admits", "New onset" — never beside a denial."""
    answered = o.value_boolean is not None or o.value_codings or o.value_string or o.value_text
    if not answered or observation_void(o):
        return False
    if observation_asserted(o):
        return True
    written = o.value_string or o.value_text
    return written is not None and _REPORTED.match(written) is not None and _NEGATION.search(written) is None


_REPORTED = re.compile(r"\s*(?:\+\s*$|(?:pt\.?\s+|patient\s+)?(?:endorse[sd]?|reports?|reported|admits"
                       r"|new(?:\s+onset)?|c/o|complains)\b)", re.IGNORECASE)

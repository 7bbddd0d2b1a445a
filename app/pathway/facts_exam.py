"""Exam and flowsheet rows read by their answers (PATHWAY.md §3): a reflex sign, a cord's gait, a foot drop,
and the cauda equina signs nursing and physician flowsheets chart (a post-void residual of 200 mL or more, a
sphincter tone or a saddle sensation written decreased, an anal wink absent), under local codes. Split from
``facts_named``, which reads a row answered Yes by its name and asks here for the rows read by their answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from app.chart.model import ObservationView
from app.pathway.facts_common import Context
from app.pathway.facts_match import words_memoisable
from app.terminology import Coding, ValueSets

Hits = tuple[tuple[int, Coding], ...]

# Words that negate a row's name ("No saddle anesthesia": "Yes" states that there is none). A name's
# mentions in a record's words are judged one by one (``facts_negation``). A family history names a
# relative's finding, not the patient's ("Family history of IVDU", "FHx CES").
NEGATION = re.compile(
    r"\b(no|not(?!\s+otherwise\s+specified)|denies|denied|negative|neg|absent|never|none|nor|ruled\s+out"
    r"|excluded|family\s+(?:history|hx)|fhx)\b", re.IGNORECASE)
# An incontinence of a kind that is never a CES sign alone (PATHWAY.md §3, CODES.md recommendation 5):
# "Stress urinary incontinence" names no new unspecified incontinence (tenth pass, ces_if_new in words).
NEVER_CES_ALONE = re.compile(
    r"\b(?:stress|urge|urgency|mixed|nocturnal|night-?time|enuresis|bed-?wetting|post-?void|post-?micturition"
    r"|dribbl\w*|overactive|functional|giggle|coital|laugh\w*|cough\w*|sneez\w*)\b", re.IGNORECASE)


def answers(o: ObservationView) -> list[str]:
    """The answer's words: a string, a coded answer's text and its codings' displays; a quantity as
    written ("350 mL": a bladder volume, tenth pass)."""
    quantity = f"{o.value:g} {o.unit or ''}" if o.value is not None else None
    return [a.strip() for a in (o.value_string, o.value_text, *(c.display for c in o.value_codings), quantity)
            if a]


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
# "B/B" (bowel and bladder) names both rows (twelfth pass: "B/B": "Incontinent" was read as nothing).
_BOTH_ROWS = r"|\bb\s*/\s*b\b"
_URINARY_ROW = re.compile(rf"\b(?:urinary|urine|bladder|voiding|void|urination|micturition|gu)\b(?!.*\bscan)"
                          rf"{_BOTH_ROWS}", re.IGNORECASE)
_INCONTINENT = re.compile(r"(?:urinary\s+|bowel\s+|fa?ecal\s+)?(?:incontinen\w*|involuntary)", re.IGNORECASE)
# "↓" and "dec" as clinicians type "decreased" (twelfth pass: "Rectal tone": "↓" was read as nothing).
_ARROW = r"[↓⬇]"
_LOW = (r"(?:decreased|dec|decr|dec'd|reduced|diminished|absent|abn|abnormal|impaired|weak|poor|lax|loose"
        r"|patulous|flaccid"
        r"|low|none|nil|lost|loss|minimal|0)")


def _beside(part: str) -> Callable[[str], object]:
    """An answer with a clause in which a word of ``_LOW`` and ``part`` stand at most three words apart
    and nothing denies them ("Decreased perianal sensation", "tone lax"; "decreased L5; perianal intact"
    and "no decreased perianal sensation" are no saddle finding)."""
    near = r"[^\w;,.]+(?:[\w/-]+[^\w;,.]+){0,3}?"
    found = re.compile(rf"\b(?:{_LOW}{near}{part}|{part}{near}{_LOW})\b", re.IGNORECASE).search
    return lambda answer: any(found(clause) is not None and _DENIED.search(clause) is None
                              and _NAMES_THE_FINDING.search(clause) is None
                              for clause in _CLAUSES.split(answer))


# A clause that names the finding itself — an anaesthesia, a numbness, a paraesthesia — rather than the
# sensation examined: "absent" or "none" then denies it ("Saddle anesthesia: absent", "Saddle numbness:
# none" raised R5 until the eleventh pass); "Perianal sensation absent" still shows it.
_NAMES_THE_FINDING = re.compile(r"\b(?:an(?:a)?esthe\w*|numb\w*|par(?:a)?esthe\w*|hyp(?:o)?(?:a)?esthe\w*"
                                r"|tingl\w*)", re.IGNORECASE)
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
                 re.compile(rf"{_LOW}\b|{_ARROW}", re.IGNORECASE).match, "192970008"),
        _ExamRow(re.compile(r"\b(?:peri-?anal|perineal|perineum|saddle|sacral|genital|s\s*[2-5])\b.*\b(?:sensation"
                            r"|sensory|light\s+touch|pin\s*prick|feeling)", re.IGNORECASE),
                 re.compile(rf"{_LOW}\b|{_ARROW}", re.IGNORECASE).match, "449813001"),
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
        _ExamRow(re.compile(rf"\b(?:bowel|stool|fa?ecal)\b{_BOTH_ROWS}", re.IGNORECASE),
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
                            and NEVER_CES_ALONE.search(answer) is None, "165232002"),),
}


def abnormal_exam(ctx: Context, concepts: tuple[str, ...], o: ObservationView,
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
    written = tuple(answers(o))
    if not memoisable or not words_memoisable(written):
        return _exam_hits.__wrapped__(ctx.vs, concepts, named, written)
    return _exam_hits(ctx.vs, concepts, named, written)


@lru_cache(maxsize=4096)  # bounded like ``_named_hits``
def _exam_rows(names: tuple[str, ...]) -> bool:
    """Does a name (not negated) name an exam row of any concept?"""
    read = [name for name in names if not NEGATION.search(name)]
    return any(row.row.search(name) for rows in _EXAM_ROWS.values() for row in rows for name in read)


@lru_cache(maxsize=4096)  # bounded like ``_named_hits``: only ordinary-sized words are kept
def _exam_hits(vs: ValueSets, concepts: tuple[str, ...], names: tuple[str, ...], answers: tuple[str, ...]
               ) -> Hits:
    read = [name for name in dict.fromkeys(names) if not NEGATION.search(name)]
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
    return any(abnormal(side) and not _NORMAL_SIDE.search(side) for side in _sides(answer))


def _sides(answer: str) -> list[str]:
    """The answer's sides, each out of its brackets ("(+)", "(R)"; twelfth pass)."""
    return [side.strip().strip("()").strip() for side in _SIDES.split(answer)]

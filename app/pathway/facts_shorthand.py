"""The shorthand clinicians type for the neurological red flags, rewritten into the words their value sets
name (PATHWAY.md §3 cauda equina, motor deficit, myelopathy; docs/pathway-facts.md "Twelfth pass: the
neurological red flags as clinicians type them"). PURE.

``facts_named`` reads a ``text_match`` value set by its names as whole words, and ``facts_negation`` judges
each mention by the words of its clause. A note, a chief complaint or a reason for exam rarely spells the
names out: "Pt c/o B/B incontinence", "?CES", "↓ rectal tone", "bilat LE weakness", "progressive LLE
weakness", "numbness in the saddle distribution", "PVR 600" were read as nothing, and a lumbar MRI for a
cauda equina was deferred. Each shorthand is rewritten here into a name the value set holds ("bowel and
bladder incontinence", "cauda equina syndrome", "decreased rectal tone", "bilateral lower extremity
weakness", "progressive weakness", "saddle numbness", "urinary retention"), and the rewritten text is
what the names and the negations are read in: "Denies B/B incontinence" is still denied. The card keeps the
chart's own words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from app.pathway.facts_exam import RETENTION_ML
from app.pathway.facts_match import MEMO_MAX_TEXT_CHARS

__all__ = ["SHORTHAND_CONCEPTS", "spelled_out"]

# The concepts whose names are read in the rewritten words: the neurological red flags and the neck
# symptoms a reflex sign needs. The infection, cancer and fracture readers read their own words.
SHORTHAND_CONCEPTS = frozenset({"ces", "ces_if_new", "motor_deficit", "myelopathy", "abnormal_reflex",
                                "gait_disturbance", "neck_symptoms"})

_I = re.IGNORECASE
_SADDLE_PLACE = (r"(?:saddle|peri-?anal|perineal|perineum|peri-?rectal|groin|genitals?|anus"
                 r"|s\s*[2-5]\s*-\s*s?\s*[3-5])")
_DORSIFLEXOR = (r"(?:(?:ankle\s+)?dorsi-?\s*flex(?:ion|ors?)|df|ehl|extensor\s+hallucis(?:\s+longus)?"
                r"|tibialis\s+anterior|ta|great\s+toe\s+(?:extension|extensors?|dorsiflexion))\b")
_SIDE = r"(?:l|r|lt|rt|left|right|bilat(?:eral(?:ly)?)?|b/l|on\s+the\s+(?:left|right))"
_SEVERE = r"[0-3](?!\s*\+)-?\s*/\s*5\b"
_NUMB = (r"(?:numbness|numb|par(?:a)?esthesias?|tingling|an(?:a)?esthesia|hypo-?(?:a)?esthesia|sensory\s+loss"
         r"|(?:decreased|reduced|diminished|altered|impaired|absent|loss\s+of|lost)\s+(?:light\s+touch\s+)?"
         r"(?:sensation|sensibility|feeling|light\s+touch|pin\s*prick))")


# The written-out words (a value set's name) and the pattern of their shorthand, in order: an earlier
# rewrite's words are read by a later pattern ("bilat LE" becomes "bilateral lower extremity" before a
# weakness of it is read).
_SPELLED: dict[str, re.Pattern[str]] = {
    # Bowel and bladder: "B/B", "B&B", "bowel/bladder", "bladder + bowel".
    "bowel and bladder": re.compile(r"\bb\s*[/&+]\s*b\b|\bbowel\s*[/&+]\s*bladder\b"
                                    r"|\bbladder\s*[/&+]\s*bowel\b", _I),
    "dysfunction": re.compile(r"\bdysf(?:xn|x|n|unc)\b\.?", _I),
    "incontinence": re.compile(r"\bincont\b\.?", _I),
    # Cauda equina syndrome: "CES", "?CES", "r/o CES" (capitals; never the CES-D depression scale), "cauda
    # equina sx".
    "cauda equina syndrome": re.compile(r"\bCES\b(?!\s*-\s*\w)|\b(?i:cauda\s+equina\s+(?:sx|synd)\b\.?)"),
    # Decreased: "↓", "dec", "decr", "dec'd" before a word.
    "decreased ": re.compile(r"(?:↓|⬇|\bdecr?(?:'d|d)?\.?(?=\s+[a-z]))\s*", _I),
    # The legs: "BLE(s)", "bilat LE", "b/l lower ext", "both LEs"; "LLE", "RLE"; "bilat" alone.
    "bilateral lower extremity": re.compile(r"\bBLEs?\b|\b(?:bilat(?:eral)?|b/l|both)\.?\s+(?:LEs?|lower\s+"
                                            r"ext(?:remit(?:y|ies))?\.?|lower\s+limbs?|legs)\b", _I),
    "left lower extremity": re.compile(r"\bLLE\b", _I),
    "right lower extremity": re.compile(r"\bRLE\b", _I),
    "bilateral": re.compile(r"\bbilat\b\.?", _I),
    "bilateral lower extremity weakness": re.compile(
        r"\bweak(?:ness)?\s+(?:of\s+|in\s+)?(?:the\s+)?bilateral\s+lower\s+extremity\b"
        r"|\bbilateral\s+lower\s+extremity\s+(?:weakness|paresis|weak)\b", _I),
    # A saddle numbness in other words: "numbness in the saddle distribution", "perianal paresthesias",
    # "decreased sensation over the perineum", "S3-S5 numbness".
    "saddle numbness": re.compile(
        rf"\b{_NUMB}\s+(?:in|of|over|to|around|at|involving)\s+(?:the\s+|her\s+|his\s+)?"
        rf"{_SADDLE_PLACE}(?:\s+(?:area|region|distribution|dermatomes?))?\b"
        rf"|\b{_SADDLE_PLACE}(?:\s+(?:area|region|distribution|dermatomes?))?\s+{_NUMB}\b", _I),
    # The words patients use, as NHS cauda equina cards write them: "numb bum", "numbness around the back
    # passage", "can't feel the toilet paper when wiping".
    "perianal numbness": re.compile(
        r"\bnumb\s+(?:bum|bottom)\b|\b(?:numbness|numb)\s+(?:around|of|in)\s+(?:the\s+|her\s+|his\s+)?back\s+"
        r"passage\b|\b(?:can't|cannot|can\s+not|unable\s+to|doesn't|does\s+not|didn't|did\s+not)\s+feel\s+"
        r"(?:the\s+)?(?:toilet\s+paper|tissue)\b", _I),
    # A bladder she cannot feel: "can't feel when she has to pee", "unable to feel the urge to urinate".
    "bladder dysfunction": re.compile(
        r"\b(?:can't|cannot|can\s+not|unable\s+to|doesn't|does\s+not)\s+feel\s+(?:when\s+(?:she|he|they|i)\s+"
        r"(?:has|have|needs?)\s+to\s+(?:pee|urinate|void)|(?:the\s+)?(?:urge|need)\s+to\s+(?:pee|urinate|void)"
        r"|(?:her|his|the)\s+bladder|(?:the\s+)?urine\s+(?:passing|coming))\b", _I),
    # An absent anal wink or bulbocavernosus reflex ("loss of anal wink", "anal wink absent").
    "absent anal wink": re.compile(
        r"\b(?:absent|loss\s+of|lost|no|diminished|decreased|negative|neg)\s+(?:the\s+)?"
        r"(?:anal\s+wink|anocutaneous\s+reflex|bulbo-?cavernos(?:us|al)\s+reflex)\b"
        r"|\b(?:anal\s+wink|anocutaneous\s+reflex|bulbo-?cavernos(?:us|al)\s+reflex)\s*(?:is\s+|was\s+|:\s*)?"
        r"(?:absent|not\s+(?:present|elicited|elicitable)|negative|neg|diminished|decreased|0)(?!\w)", _I),
    # A foot drop in other words: "footdrop", "unable to dorsiflex the L foot".
    # A dorsiflexor graded 3/5 or less in prose ("L DF 2/5", "EHL 3/5", "3/5 L ankle dorsiflexion"): the
    # severe grade of §3 motor, read as the foot drop it is (never "3+/5", "4-/5" or "5/5").
    "foot drop": re.compile(
        rf"\bfootdrop\b|\b(?:unable\s+to|cannot|can't|can\s+not|inability\s+to)\s+dorsi-?\s*flex\b"
        rf"|\b{_DORSIFLEXOR}(?:\s+(?:strength|power|{_SIDE}))*\s*[:=-]?\s*{_SEVERE}"
        rf"|(?<![\w.+-]){_SEVERE}\s+(?:(?:{_SIDE})\s+)?{_DORSIFLEXOR}", _I),
    # A tendon reflex typed as 3+ or 4+ ("DTRs 3+ throughout", "patellar reflexes 4+").
    # Never a strength grade ("Biceps 4+/5").
    "hyperreflexia": re.compile(r"\b(?:reflexes|dtrs?|patellars?|achilles|biceps|triceps|brachioradialis"
                                r"|(?:knee|ankle)\s+jerks?)\b[^,.;:\n]{0,20}?(?<![\w+])[34]\s*\+"
                                r"(?!\w|\s*/\s*5)", _I),
}
# Written out before the chart's words, which stay (a negation before them reaches both): a progressive
# weakness whose side or limb stands between its words ("progressive LLE weakness", "worsening left leg
# weakness") or after it ("LLE weakness is worsening"); a weakness of both legs in them is
# still read. Never a "generalized weakness" (an older patient's fatigue, not a deficit of §3).
_ADDED: dict[str, re.Pattern[str]] = {
    "progressive weakness": re.compile(
        r"\b(?:progressive|progressively\s+worsening|progressing|worsening|increasing)\s+(?:(?:left|right|l|r|lt"
        r"|rt|bilateral|lower|upper|extremity|extremities|legs?|limbs?|foot|ankle|hip|distal|proximal|motor"
        r"|muscle|focal)\s+){1,4}weakness\b"
        r"|\bweakness\s+(?:(?:of|in)\s+(?:the\s+)?(?:[\w/-]+\s+){1,3}?)?(?:that\s+)?(?:is\s+|has\s+been\s+)?"
        r"(?:progressing|worsening|getting\s+worse|progressive)\b", _I),
}
# A post-void residual or bladder scan typed with its volume ("PVR 600", "bladder scan 450 cc"): of
# ``RETENTION_ML`` or more it is a retention, as the same volume on a flowsheet row is (tenth pass); never
# a pulmonary vascular resistance ("PVR 250 dyn").
_MEASURED: dict[str, re.Pattern[str]] = {
    "urinary retention": re.compile(
        r"\b(?:pvr|post-?\s*void\s+residual(?:\s+volume)?|bladder\s+scan(?:ned)?(?:\s+volume)?)"
        r"\s*(?:of|was|is|=|:|-|>|≥)?\s*(?:>|≥)?\s*(?P<ml>\d{1,4}(?:\.\d+)?)\s*"
        r"(?P<unit>ml|mls|cc|l)?(?!\w|\.\d|\s*(?:dyn|wood|wu|mm\s*hg))", _I),
}


def _at_least_retention(written: str) -> Callable[[re.Match[str]], str]:
    def volume(found: re.Match[str]) -> str:
        litres = (found.group("unit") or "").casefold().startswith("l")
        millilitres = float(found.group("ml")) * (1000 if litres else 1)
        return written if millilitres >= RETENTION_ML else found.group(0)
    return volume


# A text that holds none of these can hold no shorthand (a substring test, not a regex scan per pattern).
_NEEDLES = ("/", "&", "+", "dysf", "incont", "ces", "cauda", "↓", "⬇", "dec", "le", "bilat", "weak",
            "saddle", "anal", "perine", "groin", "genital", "anus", "s2", "s3", "s4", "wink", "bulbo", "pvr",
            "void", "bladder", "drop", "dorsi", "numb", "feel", "reflex", "dtr", "patellar", "achilles",
            "biceps", "triceps", "brachio", "jerk")


def spelled_out(text: str) -> str:
    """``text`` with its neurological shorthand written out (``_SPELLED``, ``_MEASURED``, ``_ADDED``);
    memoised by the text when it is ordinary-sized, as ``facts_named`` memoises its reading."""
    if len(text) > MEMO_MAX_TEXT_CHARS:
        return _spelled_out.__wrapped__(text)
    return _spelled_out(text)


@lru_cache(maxsize=4096)  # bounded like facts_named's memos: only ordinary-sized words are kept
def _spelled_out(text: str) -> str:
    folded = text.casefold()
    if not any(needle in folded for needle in _NEEDLES):
        return text
    for written, pattern in _SPELLED.items():
        text = pattern.sub(written, text)
    for written, pattern in _MEASURED.items():
        text = pattern.sub(_at_least_retention(written), text)
    for written, pattern in _ADDED.items():
        text = pattern.sub(_before_the_words(written), text)
    return text


def _before_the_words(written: str) -> Callable[[re.Match[str]], str]:
    def added(found: re.Match[str]) -> str:
        return f"{written} {found.group(0)}"
    return added

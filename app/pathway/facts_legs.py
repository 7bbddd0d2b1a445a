"""Which leg a motor-strength grade is of (PATHWAY.md §3 CES "weakness of both legs", tenth pass).

A manual muscle test is charted per muscle and side: a flowsheet row "R ankle dorsiflexion" or "Left
EHL", a panel's item, or a row whose body site carries a laterality (SNOMED CT 24028007 Right, 7771000
Left, 51440002 Right and left, 419465000/419161000 Unilateral right/left — as public FHIR laterality value
sets and DICOM mappings write them). A grade is a leg's when its words name a leg muscle, movement or joint
(hip, knee, ankle, toe, EHL, quadriceps, dorsiflexion, "RLE", an L2–S1 myotome) and no arm's. Anything
else — an arm, a side not written, a muscle not named — is no leg's: it cannot make both legs weak.
PURE; memoised by the words, as a site's flowsheet rows recur.
"""

from __future__ import annotations

import re
from functools import lru_cache

from app.chart.model import ObservationView
from app.pathway.facts_match import words_memoisable
from app.terminology import SNOMED, canonical_system

_SIDES = {"24028007": "right", "419465000": "right", "7771000": "left", "419161000": "left",
          "51440002": "both"}
_LEG = re.compile(
    r"\b(?:hips?|knees?|ankles?|great\s+toe|toes?|hallux|hallucis|ehl|quad(?:ricep)?s?|hamstrings?|iliopsoas"
    r"|psoas|tibialis|gastroc\w*|soleus|glute\w*|dorsi\s*-?flex\w*|plantar\s*-?flex\w*|inversion|eversion"
    r"|lower\s+(?:extremity|limb)|legs?|foot|feet|[rl]le|bles?|l[2-5]|s1)\b", re.IGNORECASE)
_ARM = re.compile(
    r"\b(?:deltoids?|biceps|triceps|wrists?|elbows?|shoulders?|fingers?|thumbs?|grip|inteross\w*|hand"
    r"|upper\s+(?:extremity|limb)|arms?|[rl]ue|c[5-8]|t1)\b", re.IGNORECASE)
_BOTH = re.compile(r"\b(?:bilateral(?:ly)?|bilat|b/l|both|bles?)\b", re.IGNORECASE)
_RIGHT = re.compile(r"\b(?:r|rt|right|rle)\b", re.IGNORECASE)
_LEFT = re.compile(r"\b(?:l|lt|left|lle)\b", re.IGNORECASE)


def leg_side(o: ObservationView, panel: ObservationView | None = None) -> str | None:
    """"right", "left" or "both" for a grade of a leg muscle on a side, else None. A panel's item is read
    with its panel's name ("Ankle dorsiflexion strength" whose items are "Right": "3/5", "Left": "3/5")."""
    sites = tuple(_SIDES.get(c.code) for c in o.body_site if canonical_system(c.system) == SNOMED)
    named = (o.text, *(c.display for c in o.codings), *(c.display for c in o.body_site),
             *((panel.text, *(c.display for c in panel.codings)) if panel is not None else ()))
    words = tuple(t for t in named if t)
    if not words_memoisable(words):
        return _side.__wrapped__(words, sites)
    return _side(words, sites)


def side_in_words(text: str | None) -> str | None:
    """The leg a deficit written in words names ("Left foot drop", "Progressive weakness of right leg"),
    as ``leg_side`` reads a grade's words; never an arm's."""
    if not text or not words_memoisable((text,)):
        return None
    return _side((text,), ())


@lru_cache(maxsize=4096)  # bounded like facts_match's memos
def _side(words: tuple[str, ...], sites: tuple[str | None, ...]) -> str | None:
    if not any(_LEG.search(w) for w in words) or any(_ARM.search(w) for w in words):
        return None
    coded = {site for site in sites if site is not None}
    if coded:
        return "both" if "both" in coded or coded >= {"left", "right"} else next(iter(coded))
    # "L" must not be the L of a myotome ("L5"): \b after a single letter requires a space or an end.
    right = any(_RIGHT.search(w) for w in words)
    left = any(_LEFT.search(w) for w in words)
    if any(_BOTH.search(w) for w in words) or (right and left):
        return "both"
    return "right" if right else "left" if left else None

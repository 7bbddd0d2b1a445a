"""Whether one mention of a finding in free text is asserted: the scope of the words that deny it. PURE.

A problem typed as text, a visit's chief complaint, a row's name and a radiology order's reason for exam are
read by the names of a ``text_match`` value set (``facts_named``). Until the tenth pass one negating word
anywhere in the text dropped the whole text: "No fever but new urinary retention", "Acute urinary retention,
no prior history" and "Foot drop, not improving with PT" raised nothing, while words EHR templates write for
what is absent ("[ ] urinary retention", "Urinary retention: N"), for someone else ("FHx: myelopathy",
"Mother had cervical myelopathy"), for a risk ("At risk for urinary retention") or for childhood raised an
emergency. Now each mention is judged by the words of its own clause (docs/pathway-facts.md "Tenth pass:
answers wrong the other way"):

* before it, in the same clause: a list negation ("no", "denies", "negative for", "without", "free of",
  "never", "ruled out") carries across a pertinent-negative list ("No saddle anesthesia, bowel/bladder
  incontinence or urinary retention"); "not" reaches only its own phrase; an unchecked box; a relative's
  or family history; a risk or a screen;
* after it: an answer that denies it ("Urinary retention: No", "[ ] Yes [x] No", "- negative"), an
  exclusion in its own phrase ("cord compression excluded on MRI"), a screen or a risk ("urinary retention
  screen"), or childhood ("as a child").

A clause ends at a full stop, a semicolon, a line, "but", "however", "except", what the patient reports
("reports", "endorses", "c/o", "positive for"), or, for a negation, "with" and ", new": "No fever, new
urinary retention" counts. The safe side where the words are doubtful: a suspicion ("r/o", "rule out",
"eval for", "possible", "unlikely") is a finding (PATHWAY.md §2: a suspected cauda equina is exactly when
MRI is due); "resolved", "history of" and "no longer" with no date count as §2 counts a resolved finding with
no date; a mention beyond ``_REACH`` characters of its negation counts.
"""

from __future__ import annotations

import re

__all__ = ["asserted_at", "clause_start", "phrase_around"]

# How far before and after a mention its negation is looked for: a long pertinent-negative list ("Denies
# fever, chills, night sweats, weight loss, bowel or bladder incontinence, saddle anesthesia") fits; the
# search is bounded whatever the text's length.
_REACH = 160
_AFTER = 80

# What opens a list negation (it carries to the end of the clause) and what negates only its own phrase.
# "Negative:" heads a review of systems' list of what is absent ("Positive: back pain. Negative: fever,
# saddle anesthesia, incontinence"; eleventh pass), as "negative for" does.
_LIST = (r"no|none\s+of|denies|denied|denying|deny|negative\s+for|neg\s+for|negative(?=\s*:)|neg(?=\s*:)"
         r"|without|w/o|free\s+of"
         r"|absence\s+of|never(?:\s+had)?|nor"
         # An exam or a study that argues against it (twelfth pass: "Exam not consistent with cauda equina").
         r"|(?:not|nor)\s+(?:consistent|compatible|c/w|suggestive|indicative|concerning)\s+(?:with|of|for)"
         r"|inconsistent\s+with")
_PHRASE = r"not(?!\s+otherwise\s+specified)|negative|neg|absent|ruled\s+out|excluded"
# Someone else's history: a family history, or a relative named before what they had. Twelfth pass: a
# spouse, a partner or a housemate too ("Husband had breast cancer", "wife is immunocompromised", "lives with
# roommate who uses IV drugs"), and what follows a relative's name as a statement about them ("is", "who"),
# or the mention itself ("boyfriend IVDU", "son febrile": the search for a trigger ends at the mention).
_RELATIVE = (r"family\s+(?:history|hx|h/o)|fhx|fh\b|(?:mother|father|sister|brother|sibling|parent|son"
             r"|daughter|aunt|uncle|grand(?:mother|father|parent|son|daughter)|maternal|paternal|mom|dad"
             r"|wife|husband|spouse|partner|boyfriend|girlfriend|fianc[eé]e?|roommate|housemate)"
             r"(?:'s)?\s*(?:(?:had|has|with|history|hx|h/o|dx|diagnosed|died|is|was|who|also|recently"
             r"|currently|on)\b"
             # never what they tell or do of the patient ("wife has noticed", "husband has to help him")
             r"(?!\s+(?:noticed|noted|seen|observed|reported|said|stated|told|called|helped|brought|to)\b)"
             r"|[:(-]|$)")
# A risk, a screen or a precaution named for the finding, not the finding (a NANDA nursing diagnosis "Risk
# for urinary retention" exported as a health concern).
_RISK = r"(?:at\s+)?risk\s+(?:for|of)|screen(?:ing|ed)?\s+for|prevention\s+of"
# What the patient is told to watch for, not what they have (eleventh pass: a plan or a note "Return to ED if
# saddle anesthesia or urinary retention develop", "Return precautions given for bowel/bladder
# incontinence", "Educated on warning signs of cauda equina"): it carries across a list as a negation does.
_CONDITIONAL = (r"(?:return|come\s+back|seek|call|go|present)\b[^.;:\n]{0,40}?\bif\b"
                r"|if\s+(?:(?:he|she|they|pt|patient|you)\s+)?(?:develops?|experiences?|notices?|gets?|any)\b"
                r"|precautions?\s+(?:(?:given|reviewed|discussed|provided)\s+)?(?:for|re|regarding|about)\b"
                r"|warning\s+signs?\b|(?:educated|counsell?ed|instructed|advised)\s+(?:\w+\s+){0,3}?"
                r"(?:on|about|regarding|re|to\s+watch\s+for)\b"
                # "Discussed signs and symptoms of CES", "Reviewed red flags for cauda equina" (twelfth pass).
                r"|(?:discussed|reviewed|explained|went\s+over)\b[^.;:\n]{0,30}?\b(?:signs?|symptoms?|sx"
                r"|red\s+flags?)\s+(?:of|for)\b")
_TRIGGER = re.compile(rf"\b(?:(?P<list>(?:{_LIST})\b)|(?P<phrase>(?:{_PHRASE})\b)|(?P<other>{_RELATIVE})"
                      rf"|(?P<risk>(?:{_RISK})\b)|(?P<told>{_CONDITIONAL}))|(?P<box>\[\s*\]|☐|\(\s*\))",
                      re.IGNORECASE)
# Where a clause ends, for every trigger ("Denies fever; reports saddle anesthesia").
_HARD_END = (r"[;!?\n]|\.(?=\s|$)|\b(?:but|however|although|though|except|apart\s+from|aside\s+from"
             r"|other\s+than|reports?|reported|reporting|endorses?|endorsed|endorsing|complains?\s+of"
             r"|complaining\s+of|c/o|presents?\s+with|presenting\s+with|positive\s+for|pos\s+for|now)\b")
_CLAUSE_END = re.compile(_HARD_END, re.IGNORECASE)
_END = {
    "list": re.compile(rf"{_HARD_END}|\bwith\b|\bhas\b|(?:,|\band\b)\s*(?:new|acute|recent|sudden)\b"
                       r"|:", re.IGNORECASE),
    "phrase": re.compile(rf"{_HARD_END}|\bwith\b|[,:]|(?:\S+\s+){{4}}", re.IGNORECASE),
    "other": _CLAUSE_END,
    "told": re.compile(r"[;!?\n]|\.(?=\s|$)|\b(?:but|however|reports?|endorses?|now)\b", re.IGNORECASE),
    "risk": re.compile(rf"{_HARD_END}|[,:]", re.IGNORECASE),
    "box": re.compile(r"\S"),  # only an unchecked box right before the name
}
# "N/A", "not assessed" and "unknown" answer neither yes nor no: as an Observation so answered (Not
# applicable, Not done, Unknown), the words state no finding.
_NO_ANSWER = (r"(?:no|none|nil|neg|negative|absent|denies|denied|not\s+present|n/a|na|not\s+applicable"
              r"|not\s+assessed|not\s+asked|unknown|n)")
_CHECKED = r"(?:\[\s*[x✓✔]\s*\]|☒|☑|\(\s*x\s*\))"
_UNCHECKED = r"(?:\[\s*\]|☐|\(\s*\))"
# After the name: an answer that denies it, ending its phrase ("Urinary retention: No", "Saddle anesthesia
# - negative.", "Urinary retention: [ ] Yes [x] No"), or an unchecked box ("Saddle anesthesia [ ]").
_DENIED_AFTER = re.compile(
    rf"[\s,:=?–-]*(?:(?:{_UNCHECKED}\s*(?:yes|y)\s*)?{_CHECKED}\s*{_NO_ANSWER}\b"
    rf"|(?:pt\s+|patient\s+)?{_NO_ANSWER}\s*[.!]?\s*(?:$|[,;)\]]))"
    rf"|\s*:?\s*{_UNCHECKED}(?!\s*(?:yes|y)\b)"
    r"|\s*:?\s*\(\s*[-−–]\s*\)", re.IGNORECASE)  # a review of systems' "fever (-)" (twelfth pass)
# In the name's own phrase, after it: excluded ("cord compression excluded on MRI", "CES was ruled out"),
# a screen or a risk ("urinary retention screen"), or childhood ("h/o urinary retention as a child").
# Never an exclusion that is itself denied: "CES cannot be ruled out", "cord compression not excluded" are
# the suspicion §2 counts (twelfth pass; they were read as excluded, a defer).
_NOT_EXCLUDED = r"(?!\b(?:not|cannot|can\s+not|could\s+not|unable|yet\s+to|never|\w+n't)\b)"
_EXCLUDED_AFTER = re.compile(
    rf"(?:{_NOT_EXCLUDED}[^,.;!?\n]){{0,30}}?\b(?:(?:was|has\s+been|been|is)\s+)?(?:ruled\s+out|excluded"
    r"|not\s+(?:present|seen|found|noted|suspected))\b"
    r"|\s*(?:risk|screen|screening|prevention|precautions|red\s+flags?|warning\s+signs?|education|teaching)\b"
    r"|[^,.;!?\n]{0,20}?\b(?:as\s+an?\s+(?:child|infant|kid|teen(?:ager)?)|in\s+(?:childhood|infancy))\b",
    re.IGNORECASE)
_OPENING_COLON = re.compile(r"\s*:")
_ANSWER_END = re.compile(r"\s*[.!]?\s*[,)\]]")
_LIST_ITEMS = re.compile(r"[,/]|\b(?:or|and)\b", re.IGNORECASE)
# After the name: an answer that asserts it ("foot drop present", "urinary retention: yes").
_AFFIRMED_AFTER = re.compile(r"[\s:=-]*(?:present|positive|pos|yes|y|\+)(?!\w)", re.IGNORECASE)
# The phrase a mention sits in, for words that qualify only it ("Hoffmann positive, Babinski downgoing").
_PHRASE_END = re.compile(r"[,;!?\n]|\.(?=\s|$)|\b(?:and|but)\b", re.IGNORECASE)


def asserted_at(text: str, start: int, end: int) -> bool:
    """Whether the mention ``text[start:end]`` is asserted: no negation, other person, risk or unchecked
    box reaches it from before in its clause, and no denying answer or exclusion follows it."""
    if _DENIED_AFTER.match(text, end, end + _AFTER) or _EXCLUDED_AFTER.match(text, end, end + _AFTER):
        return False
    affirmed = _AFFIRMED_AFTER.match(text, end, end + _AFTER) is not None
    triggers = _TRIGGER.finditer(text, max(0, start - _REACH), start)
    return not any(_reaches(text, m, start, affirmed=affirmed) for m in triggers)


def _reaches(text: str, trigger: re.Match[str], start: int, *, affirmed: bool) -> bool:
    """A trigger reaches the mention when no end of its kind of clause lies between them. A colon right
    after a list negation opens its list ("Denies: urinary retention"); one after other words ends it ("MRI
    w/o contrast: myelopathy"). A negation followed by a comma is the answer of what came before ("Saddle
    anesthesia: no, urinary retention: yes"); a later item of a list answered present is not denied ("No
    fever, foot drop present")."""
    kind = trigger.lastgroup or "box"
    if kind == "list" and _ANSWER_END.match(text, trigger.end(), start):
        return False
    opened = _OPENING_COLON.match(text, trigger.end(), start)
    gap_start = opened.end() if opened else trigger.end()
    if kind == "list" and affirmed and _LIST_ITEMS.search(text, gap_start, start):
        return False
    return _END[kind].search(text, gap_start, start) is None


def phrase_around(text: str, start: int, end: int) -> str:
    """The words of the mention's own phrase (to the commas, "and" or the clause's end either side)."""
    before = text[max(0, start - _AFTER):start]
    cut = [m.end() for m in _PHRASE_END.finditer(before)]
    after = _PHRASE_END.search(text, end, end + _AFTER)
    return text[start - len(before) + (cut[-1] if cut else 0):after.start() if after else end + _AFTER]


def clause_start(text: str, since: int, start: int) -> int:
    """Where the clause holding ``text[start]`` begins, looking back no further than ``since``: after the
    last full stop, semicolon, "but", "reports" … ("no fever but fell yesterday": the fall's clause is
    "fell yesterday")."""
    ends = [found.end() for found in _CLAUSE_END.finditer(text, since, start)]
    return ends[-1] if ends else since

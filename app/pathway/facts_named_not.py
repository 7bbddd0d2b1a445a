"""What a concept read by name is not, concept by concept: the words beside a name that make it another
thing or deny it ("Babinski downgoing", "umbilical cord compression", "unable to walk due to pain", "kidney
transplant evaluation", "weight loss goal", "Hoffmann and Babinski negative", "chronic urinary retention").
``facts_named`` reads the names; this module holds the exceptions each concept's words carry, so a new
exception is added beside the others of its concept (docs/pathway-facts.md, the passes named in each comment).
"""

from __future__ import annotations

import re

from app.pathway.facts_exam import NEVER_CES_ALONE

# A reflex sign written as not there: "Babinski downgoing", "plantars flexor", "unsustained clonus" — in the
# sign's own phrase ("Hoffmann positive, Babinski downgoing" still names a Hoffmann sign).
_NORMAL_REFLEX = re.compile(r"\b(?:down-?going|down\s+going|flexor|mute|unsustained|non-?sustained)\b"
                            r"|\(\s*-\s*\)", re.IGNORECASE)  # "(-) Hoffmann" (twelfth pass)
# A cord that is not the spinal cord: "Umbilical cord compression" (an obstetric problem, SNOMED CT's
# display under a code of no red-flag value set), "Labor complicated by cord compression", "Spermatic cord
# compression" name no myelopathy (tenth pass). Searched in the whole text, unless the mention says "spinal".
_OTHER_CORD = re.compile(r"\b(?:umbilical|nuchal|spermatic|funic|fetal|fetus|labou?r|delivery|intrapartum"
                         r"|antepartum|pregnancy|obstetric)\b", re.IGNORECASE)
OTHER_THING = {"myelopathy": _OTHER_CORD}
SPINAL = re.compile(r"\b(?:spinal|spine|myelopath\w*|cervical|thoracic)\b", re.IGNORECASE)
# An infection risk factor's name that is not the risk factor: a gestational or pre-diabetes, a diabetes
# insipidus, a screening for it or a risk of it (tenth pass; the risk factor needs a raised marker anyway); a
# line considered, planned or referred for (twelfth pass).
_NOT_A_RISK_FACTOR = re.compile(
    r"\b(?:gestational|pre-?\s?diabet\w*|insipidus|screen\w*|risk\s+(?:of|for)|consider\w*|plan(?:ned)?"
    r"|schedul\w*|referr\w*|will\s+(?:place|need))\b", re.IGNORECASE)  # twelfth pass: a line to be placed
# A deficit the words say pain causes ("Unable to walk due to pain", "non-ambulatory 2/2 pain"): no weakness
# (eleventh pass, motor_deficit.json 282145008).
_PAIN_LIMITED = re.compile(r"\b(?:due\s+to|secondary\s+to|2/2|d/t|because\s+of|from|limited\s+by)\s+"
                           r"(?:[\w-]+\s+){0,2}?pain\b", re.IGNORECASE)
# Immunosuppression named but not there (twelfth pass): a transplant sought or given ("kidney transplant
# evaluation", "living kidney donor"), a chemotherapy course the words put in the past ("h/o chemo",
# "completed chemotherapy in 2019": Z92.21, which §3 does not list).
_NOT_IMMUNOSUPPRESSED = re.compile(
    r"\b(?:eval\w*|candidate|work-?up|wait-?list\w*|listed|referr\w*|donor|donation)\b"
    r"|\b(?:was|were|previously|prior|completed|finished|s/p|h/o|hx|history|remote|done)\b[^,;]*\bchemo"
    r"|\bchemo\w*\s+(?:in\s+|ended\s+|completed\s+)?(?:19|20)\d\d\b", re.IGNORECASE)
# A weight loss intended or sought (twelfth pass): "weight loss goal", "intentional weight loss", "weight loss
# counseling", "bariatric surgery for weight loss", "trying to lose weight".
_WANTED_WEIGHT_LOSS = re.compile(
    r"\b(?:intentional|intended|deliberate|desired|planned|goals?|diet\w*|program\w*|counsel\w*|surgery"
    r"|bariatric|medications?|drugs?|management|clinic|encouraged|advised|recommended|trying\s+to|wants?\s+to)\b",
    re.IGNORECASE)
CONCEPT_NEGATION = {"abnormal_reflex": _NORMAL_REFLEX, "ces_if_new": NEVER_CES_ALONE,
                     "infection_risk_factor": _NOT_A_RISK_FACTOR, "motor_deficit": _PAIN_LIMITED,
                     "immunosuppression": _NOT_IMMUNOSUPPRESSED, "weight_loss": _WANTED_WEIGHT_LOSS}
# A reflex sign answered negative after its name, alone or with the other signs of a list (twelfth pass):
# "Hoffmann's negative", "Hoffmann sign negative bilaterally", "Hoffmann and Babinski negative", "Hoffmann,
# Babinski, clonus all absent" were read as an abnormal reflex (R20 beside a neck pain).
_SIGN_WORDS = r"(?:'?s)?(?:\s+(?:sign|reflex|test|response)s?)?"
_REFLEX_LIST_DENIED = re.compile(
    rf"{_SIGN_WORDS}(?:\s*(?:,|/|&|\band\b|\bor\b)\s*(?:hoffmann?|babinski|(?:ankle\s+)?clonus|plantars?)"
    rf"{_SIGN_WORDS}){{0,4}}\s*(?:[:,-]\s*)?(?:(?:are|were|is|was)\s+)?(?:(?:all|both)\s+)?"
    r"(?:(?:negative|neg|absent|not\s+(?:present|elicited|seen)|none|down-?going|flexor|0\s+beats?)\b"
    r"|\(\s*(?:-|neg|negative)\s*\)|-\s*(?=$|[,;)]))", re.IGNORECASE)
DENIED_AFTER_NAME = {"abnormal_reflex": _REFLEX_LIST_DENIED}
# A retention written chronic ("Chronic urinary retention", "Chronic retention of urine") is ces_if_new's
# 236650000, counted only when new in the episode (PATHWAY.md §3), not the new retention ces.json names
# inside the same words (twelfth pass).
_CHRONIC_BEFORE = re.compile(r"\bchronic\s+$", re.IGNORECASE)


def _chronic_retention(text: str, start: int, end: int) -> bool:
    return "retention" in text[start:end].casefold() and \
        _CHRONIC_BEFORE.search(text, max(0, start - 12), start) is not None


NOT_THIS_CONCEPTS = {"ces": _chronic_retention}

"""How an Observation answers for the finding it names (PATHWAY.md §2 v2 "where a finding is read"): a Yes,
Present or a finding value asserts it; a No, Absent, Normal or a denial in words negates it; an answer
recorded beside the value — ``Observation.interpretation`` (POS, H, NEG), a 1 on a yes/no row — is read
when the value says nothing; a screen panel whose items all answer No found nothing. A careful negative
screen must never raise an emergency card, and an unreadable answer is never read as No. PURE.
"""

from __future__ import annotations

import re

from app.chart.model import ObservationView
from app.terminology import ICD9CM, ICD10CM, SNOMED, Coding, canonical_system, normalize_code

VOID_OBSERVATION = frozenset({"entered-in-error", "cancelled"})
# PATHWAY.md §2 v2: the answers that make an Observation on a finding code a *positive* finding, and the
# ones that negate it (a careful negative screen must not raise an emergency).
# "Current": a social-history row's status answer ("IV drug use": "Current every day user", as smoking and
# drug-use statuses are answered) says the finding is there now (docs/pathway-facts.md "Tenth pass").
_YES_STRINGS = frozenset({"yes", "present", "positive", "true", "y", "current"})
_NO_STRINGS = frozenset({"no", "absent", "negative", "false", "n", "not present", "none"})
# An answer word followed by a comment: a space, or a comma, semicolon, colon, dash or bracket.
_LEADING_ANSWER = re.compile(r"(yes|present|positive|current|no|absent|negative|none)(?:\s*[,;:(\-–]|\s)")
_LOINC = "http://loinc.org"
_YES_NO = "http://terminology.hl7.org/CodeSystem/v2-0136"  # HL7 v2 table 0136 Yes/No indicator: Y, N
# Answers, not findings: LOINC LA33-6 Yes / LA9633-4 Present / LA6576-8 Positive / LA32-8 No / LA9634-2
# Absent / LA6577-6 Negative; the SNOMED CT qualifier values Yes 373066001, Present 52101004, Positive
# 10828004, Known present 410515003 / No 373067005, Absent 2667000, Negative 260385009, Known absent
# 410516002, Not detected 260415000, None 260413007; HL7 v2-0136 Y / N. A SNOMED CT value is otherwise read
# as the finding itself, except the answers that say neither: Unknown 261665006, Not done 385660001, Not
# applicable 385432009 (a screen item not asked is no finding).
_YES_ANSWERS = frozenset({
    (_LOINC, "LA33-6"), (_LOINC, "LA9633-4"), (_LOINC, "LA6576-8"), (_YES_NO, "Y"),
    (SNOMED, "373066001"), (SNOMED, "52101004"), (SNOMED, "10828004"), (SNOMED, "410515003"),
})
_NO_ANSWERS = frozenset({
    (_LOINC, "LA32-8"), (_LOINC, "LA9634-2"), (_LOINC, "LA6577-6"), (_YES_NO, "N"),
    (SNOMED, "373067005"), (SNOMED, "2667000"), (SNOMED, "260385009"), (SNOMED, "410516002"),
    (SNOMED, "260415000"), (SNOMED, "260413007"),
    # Normal 17621005 (qualifier value; "Normal (qualifier value)" in public FHIR examples): an exam finding
    # answered Normal is not there (eleventh pass; the sixth pass had read it as the finding).
    (SNOMED, "17621005"),
})
_NEITHER_ANSWERS = frozenset({(SNOMED, "261665006"), (SNOMED, "385660001"), (SNOMED, "385432009")})
# A value coded in these systems names a finding (SNOMED CT, an ICD-10-CM or ICD-9-CM diagnosis), never an
# answer.
_FINDING_SYSTEMS = frozenset({SNOMED, ICD10CM, ICD9CM})


def observation_void(observation: ObservationView) -> bool:
    return observation.status in VOID_OBSERVATION


def observation_asserted(observation: ObservationView) -> bool:
    """PATHWAY.md §2 v2: an Observation states its finding only when its value is absent, ``true``, a yes/
    present answer (LA33-6, LA9633-4, the SNOMED CT qualifiers, v2-0136 Y, or the same words as a string or as
    a local answer's text) or a finding (a SNOMED CT or ICD-10-CM code); never ``false``, No (LA32-8), Absent
    (LA9634-2), Known absent, Not detected or their words, nor the answer Unknown. Answer codes are compared
    by canonical system, so an OID-coded Yes is a Yes. Any other value (a number, an unreadable local code,
    free text, a CodeableConcept with only a text such as "Denies") states nothing we can read as present.
    Entered-in-error/cancelled never counts."""
    if observation_void(observation):
        return False
    keys = set(map(_answer_key, observation.value_codings))
    if observation.value_boolean is False or keys & _NO_ANSWERS:
        return False
    if observation.value_boolean is True or keys & _YES_ANSWERS:
        return True
    finding = any(system in _FINDING_SYSTEMS for system, _ in keys - _NEITHER_ANSWERS)
    word = _answer_word(observation, first_word=not finding)
    if word in _NO_STRINGS or word in _YES_STRINGS:  # a local answer code or plain text that says so
        return word in _YES_STRINGS
    if keys & _NEITHER_ANSWERS:
        return False
    if finding:
        return True
    flagged = interpreted(observation)
    if observation.value_string is None and observation.value_text is None and not keys \
            and observation.value is None:  # a text-only answer ("Denies", "see note") is a value, not absent
        return flagged is True or (flagged is None and not _items_deny(observation))
    return flagged is True or (observation.value == 1 and observation.unit in _YES_UNITS)


def _answer_key(coding: Coding) -> tuple[str, str]:
    """(system, code) as the value sets compare them: a No written with its term ("373067005 |No|") or in
    a CSV's quotes is still a No, never a SNOMED CT finding that asserts (twelfth pass)."""
    system = canonical_system(coding.system)
    return system, normalize_code(system, coding.code)


def _items_deny(panel: ObservationView) -> bool:
    """A panel coded with the finding it screens for (a "cauda equina screen" under 192970008) has no
    value of its own: its items answer for it. When every item is answered and none asserts, the screen
    found nothing; an item left blank, or one answered Yes, leaves the panel's own code counting."""
    items = panel.components
    return bool(items) and all(answered(item) and not observation_asserted(item) for item in items)


def answered(item: ObservationView) -> bool:
    return bool(item.value is not None or item.value_boolean is not None or item.value_codings
                or item.value_string or item.value_text or item.interpretation)


# Observation.interpretation (HL7 v3 ObservationInterpretation, the same codes as HL7 v2 table 0078; a
# laboratory's own system, or only words): the codes and words that say the finding is there or raised —
# Positive, Detected, Abnormal, Critical abnormal, High, Critical high, Significantly high, Off scale high
# — and those that say it is not: Negative, Not detected, Normal. Low, Indeterminate or Equivocal say
# neither. Codes are compared as written (they are case-sensitive), words case-folded.
_FLAGGED_CODES = frozenset({"POS", "DET", "A", "AA", "H", "HH", "HU", ">"})
_NORMAL_CODES = frozenset({"NEG", "ND", "N"})
_FLAGGED_WORDS = frozenset({
    "positive", "detected", "abnormal", "critical abnormal", "high", "critical high", "significantly high",
    "off scale high", "critical", "panic", "panic high", "abnormal high", "above high normal",
})
_NORMAL_WORDS = frozenset({"negative", "not detected", "normal", "within normal limits", "wnl"})
# Of those, the ones that say critically so: Critical high, Critical abnormal, Significantly high, a panic.
_CRITICAL_CODES = frozenset({"HH", "AA", "HU"})
_CRITICAL_WORDS = frozenset({"critical", "critical high", "critical abnormal", "panic", "panic high",
                             "significantly high"})
# A number that answers a yes/no row: 1 (yes; 0 is no, as every other number says nothing we can read),
# written without a unit or with UCUM's unity.
_YES_UNITS = frozenset({None, "1", "{yes}"})


def interpreted(observation: ObservationView) -> bool | None:
    """What ``Observation.interpretation`` says of the finding or result: True when a code or word flags it
    (positive, abnormal, high), False when one says normal or negative and none flags it, None when it says
    neither or is not there. A flag wins over a normal beside it (the safe side)."""
    if not observation.interpretation:
        return None
    codes, words = _flags(observation.interpretation)
    if words & _FLAGGED_WORDS or codes & _FLAGGED_CODES:
        return True
    if words & _NORMAL_WORDS or codes & _NORMAL_CODES:
        return False
    return None


def interpreted_critical(observation: ObservationView) -> bool:
    """``Observation.interpretation`` flags it critically high or abnormal (HH, AA, HU, "Critical")."""
    codes, words = _flags(observation.interpretation)
    return bool(words & _CRITICAL_WORDS or codes & _CRITICAL_CODES)


def _flags(written: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """The interpretation's codes as written and its words case-folded, without the brackets, asterisks
    and stops a printed flag carries ("(H)", "H*", "Abnormal.")."""
    codes = frozenset(word.strip("()*!. ") for word in written)
    return codes, frozenset(code.casefold() for code in codes)


def _answer_word(observation: ObservationView, *, first_word: bool = True) -> str | None:
    """The answer's words: the whole answer ("Present." is Present), else its first word when a comment
    follows it ("Yes - new since Monday", "No, denies"); a lone letter ("Y/N") is not read that way.
    ``first_word`` False: only the whole answer — the text of a coded finding describes the finding ("No
    sensation in the saddle area" beside SNOMED CT 449813001), its first word is no answer to it."""
    answer = observation.value_string if observation.value_string is not None else observation.value_text
    if answer is None:
        return None
    whole = answer.strip().rstrip(".!").casefold()
    if whole in _YES_STRINGS or whole in _NO_STRINGS or not first_word:
        return whole
    leading = _LEADING_ANSWER.match(whole)
    return leading.group(1) if leading is not None else whole

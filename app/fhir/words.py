"""A record's words as the parsers read them (``app/fhir/parse.py``): the reasons of a visit, procedure,
prescription or order in words, an order's note and supporting information, a report's conclusion cut into
sentences (PATHWAY.md §2 v2 "wherever the chart holds it"; docs/pathway-facts.md "Tenth pass: where red
flags are recorded"). The pathway reads them by ``app/pathway/facts_named.py``.
"""

from __future__ import annotations

import re

from app.fhir.datatypes import Json, array, codings_and_text

__all__ = ["concept_texts", "diagnosis_references", "note_texts", "reason_texts", "sentences"]


def reason_texts(raw: Json, *more: object) -> tuple[str, ...]:
    """The reasons in words: each reasonCode's text (else its first display), then the ``display`` of each
    reasonReference and of ``more`` References (an Encounter's diagnoses). An export may name the diagnosis
    only there ("Urinary retention"), pointing at a Condition it does not send (PATHWAY.md §2 v2 "wherever
    the chart holds it"; docs/pathway-facts.md "Tenth pass: where red flags are recorded")."""
    shown = (item.get("display") for item in (*array(raw.get("reasonReference")), *more)
             if isinstance(item, dict))
    return (*concept_texts(raw.get("reasonCode")), *(text for text in shown if isinstance(text, str)
                                                      and text.strip()))


# Where a sentence ends in prose: after a full stop, semicolon, "!" or "?" and a space, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+|\s*\n\s*")
# At most this many sentences of one text are read: an impression or an order's note is a few lines; a
# pasted 400 kB document is not read to its end (bounded cost, docs/pathway-facts.md "Tenth pass").
_MOST_SENTENCES = 64


def sentences(text: object) -> tuple[str, ...]:
    """Prose (a report's ``conclusion``, an order's ``note``) cut into sentences, so that "No cord
    compression." does not silence "Epidural abscess at L3-4." beside it: the words of a finding are read
    one sentence at a time, each with its own negation (``facts_named``)."""
    if not isinstance(text, str) or not text.strip():
        return ()
    parts = (part.strip() for part in _SENTENCE_END.split(text, maxsplit=_MOST_SENTENCES))
    return tuple(part for part in parts if part)[:_MOST_SENTENCES]


def note_texts(raw: Json) -> tuple[str, ...]:
    """An order's ``note`` texts, sentence by sentence, and the ``display`` of each ``supportingInfo``: a
    clinician may write the red flag there ("new urinary retention since yesterday") and nowhere else."""
    notes = (sentence for note in array(raw.get("note")) if isinstance(note, dict)
             for sentence in sentences(note.get("text")))
    shown = (item.get("display") for item in array(raw.get("supportingInfo")) if isinstance(item, dict))
    return (*notes, *(text for text in shown if isinstance(text, str) and text.strip()))


def diagnosis_references(raw: Json) -> list[object]:
    """Encounter.diagnosis[].condition, the References a visit names its diagnoses by."""
    return [item.get("condition") for item in array(raw.get("diagnosis")) if isinstance(item, dict)]


def concept_texts(concepts: object) -> tuple[str, ...]:
    """The words of a list of CodeableConcepts: each one's text, else its first display (``orderDetail``)."""
    found = (codings_and_text(concept)[1] for concept in array(concepts))
    return tuple(text for text in found if text is not None)

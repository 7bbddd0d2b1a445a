"""A record's words as the parsers read them (``app/fhir/parse.py``): the reasons of a visit, procedure,
prescription or order in words, an order's note and supporting information, a report's conclusion cut into
sentences (PATHWAY.md §2 v2 "wherever the chart holds it"; docs/pathway-facts.md "Tenth pass: where red
flags are recorded"). The pathway reads them by ``app/pathway/facts_named.py``.
"""

from __future__ import annotations

import base64
import binascii
import html
import re

from app.chart.dates import parse_fhir_date
from app.chart.model import NoteView
from app.fhir.datatypes import Json, array, codings_and_text, string

__all__ = ["concept_texts", "diagnosis_references", "note_texts", "notes", "presented_texts", "prose",
           "reason_texts", "sentences"]


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


def notes(raw: Json) -> tuple[NoteView, ...]:
    """A record's ``note`` (Annotations), each cut into sentences and dated by its ``time``: a Condition's,
    an Observation's, a Procedure's or a prescription's note may hold the only mention of a red flag ("new
    saddle anesthesia since yesterday"; docs/pathway-facts.md "Eleventh pass: narrative fields"). One
    dict look-up for a record without a note."""
    found = raw.get("note")
    if not found:
        return ()
    read = ((sentences(note.get("text")), note.get("time")) for note in array(found)
            if isinstance(note, dict))
    return tuple(NoteView(texts, parse_fhir_date(time)) for texts, time in read if texts)


def prose(value: object) -> tuple[str, ...]:
    """A ``valueString`` of more than one word, sentence by sentence ("Saddle anesthesia present, decreased
    rectal tone"); a one-word answer ("Yes", "Retention") is read by the row readers, not as prose."""
    text = string(value)
    return sentences(text) if text is not None and " " in text.strip() else ()


# A report's text (DiagnosticReport.presentedForm) is read only in these types: Epic and Oracle Health send
# the report's words so, base64-encoded; a PDF or RTF is not read. At most this many characters of base64 are
# decoded per attachment (about 48 kB of text: a radiology or pathology report is a few kB).
_TEXT_TYPES = frozenset({"text/plain", "text/html"})
_MOST_BASE64 = 65_536
_TAG_BREAK = re.compile(r"<\s*(?:br|/p|/div|/li|/tr|/h\d|p|div|li|tr|h\d)\b[^>]*>", re.IGNORECASE)
_HIDDEN = re.compile(r"<\s*(script|style)\b.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def presented_texts(raw: Json) -> tuple[tuple[str, ...], int]:
    """The sentences of a report's ``presentedForm`` text (plain or HTML, base64 ``data``), the impression
    first, the clinical history and indication left out (``_read_sections``), and how many text attachments
    could not be decoded (invalid base64: skipped and counted by the chart, never fatal)."""
    texts: list[str] = []
    unread = 0
    for form in array(raw.get("presentedForm")):
        kind = form.get("contentType") if isinstance(form, dict) else None
        data = form.get("data") if isinstance(form, dict) else None
        if not isinstance(kind, str) or kind.split(";")[0].strip().casefold() not in _TEXT_TYPES \
                or not isinstance(data, str):
            continue
        decoded = _decoded(data)
        if decoded is None:
            unread += 1
            continue
        if "html" in kind.casefold():
            decoded = _TAG.sub(" ", _TAG_BREAK.sub("\n", _HIDDEN.sub(" ", decoded)))
            decoded = html.unescape(decoded)
        texts.extend(sentences(_read_sections(decoded)))
    return tuple(dict.fromkeys(texts)), unread


def _decoded(data: str) -> str | None:
    """The attachment's text, from at most ``_MOST_BASE64`` characters of its base64 (cut at a whole
    quantum); None when it is not base64."""
    packed = "".join(data[:_MOST_BASE64 + 4096].split())
    if len(packed) > _MOST_BASE64:
        packed = packed[:_MOST_BASE64]  # a whole number of quanta: the rest of a long text is not read
    else:
        packed += "=" * (-len(packed) % 4)  # an export that leaves the padding off
    try:
        return base64.b64decode(packed, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return None


# A report's section heading ("IMPRESSION:", "Clinical history:") at the start of a line. The sections that
# say why the study was asked for or how it was done ("History: r/o cauda equina", "Indication: eval for
# epidural abscess") state a suspicion the report then answers: they are not read. The impression is read
# first, so that the sentence bound (``sentences``) never cuts it off a long report.
_HEADING = re.compile(r"^\s*([A-Za-z][A-Za-z /&()-]{1,40}?)\s*:", re.MULTILINE)
_UNREAD_SECTION = re.compile(
    r"history|indication|reason|clinical|technique|comparison|procedure|exam(?:ination)?\b|protocol|contrast"
    r"|dose|order", re.IGNORECASE)
_FIRST_SECTION = re.compile(r"impression|conclusion|diagnos|interpretation|summary|result", re.IGNORECASE)


def _read_sections(text: str) -> str:
    """The report's text without its history, indication and technique sections, its impression first."""
    cuts = list(_HEADING.finditer(text))
    if not cuts:
        return text
    parts: list[tuple[str | None, str]] = [(None, text[:cuts[0].start()])]
    parts += [(m.group(1), text[m.start():cuts[i + 1].start() if i + 1 < len(cuts) else len(text)])
              for i, m in enumerate(cuts)]
    kept = [(name, part) for name, part in parts if name is None or not _UNREAD_SECTION.search(name)]
    first = [name is not None and _FIRST_SECTION.search(name) is not None for name, _ in kept]
    ordered = [part for (_, part), lead in zip(kept, first, strict=True) if lead]
    return "\n".join((*ordered, *(part for (_, part), lead in zip(kept, first, strict=True) if not lead)))

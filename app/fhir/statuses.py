"""A resource's status as the pathway reads it (PATHWAY.md §2: what counts, what is void). PURE.

R4 writes every status as one lower-case code. Exports of older FHIR versions and hand-rolled feeds write
the same facts otherwise, and each used to be read as its opposite:

* STU3 ``MedicationStatement.taken`` ``"n"`` and DSTU2 ``wasNotTaken: true`` (R4 made it the status
  ``not-taken``): a prednisone "not taken" counted as a steroid course;
* STU3 ``Procedure.notDone: true`` and DSTU2 ``notPerformed: true`` (R4's status ``not-done``): a
  vertebroplasty not done counted as a vertebral fracture;
* a code in another case or padded (``"Entered-in-error"``, ``"final "``): an Observation entered in
  error counted;
* a status CodeableConcept whose first coding is a local one beside the HL7 code (``refuted`` second):
  the refuted finding counted.

A status coded without its system is still not read (a refuted Condition then counts: the safe side for
a red flag, docs/pathway-facts.md §7).
"""

from __future__ import annotations

from app.fhir.datatypes import Json, array, coding_of, string

_NOT_TAKEN = "not-taken"
_NOT_DONE = "not-done"


def status_of(raw: Json) -> str | None:
    """``status``, stripped and lower-cased (every R4 status code is lower case)."""
    found = string(raw.get("status"))
    return found.strip().lower() if found is not None else None


def medication_status(raw: Json) -> str | None:
    """A MedicationRequest's or MedicationStatement's status, STU3 ``taken: n`` and DSTU2 ``wasNotTaken``
    read as R4's ``not-taken``."""
    taken = raw.get("taken")
    if raw.get("wasNotTaken") is True or (isinstance(taken, str) and taken.strip().lower() == "n"):
        return _NOT_TAKEN
    return status_of(raw)


def procedure_status(raw: Json) -> str | None:
    """A Procedure's status, STU3 ``notDone`` and DSTU2 ``notPerformed`` read as R4's ``not-done``."""
    if raw.get("notDone") is True or raw.get("notPerformed") is True:
        return _NOT_DONE
    return status_of(raw)


def concept_status(concept: object) -> str | None:
    """A Condition's clinicalStatus or verificationStatus: a bare code (STU3), or a CodeableConcept's code
    from HL7's own code system when it has one (a local coding may come first), else its first coding."""
    if isinstance(concept, str):
        return _lower(string(concept))
    codings = [c for c in map(coding_of, array(concept.get("coding"))) if c is not None] \
        if isinstance(concept, dict) else []
    hl7 = next((c for c in codings if "hl7.org" in c.system), None)
    chosen = hl7 or next(iter(codings), None)
    return _lower(chosen.code) if chosen is not None else None


def _lower(code: str | None) -> str | None:
    return code.strip().lower() if code is not None else None

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

*(Eleventh pass.)* Also read as R4 writes them (each was read as a live record: a cauda equina entered in
error raised a critical card):

* a code with spaces, underscores or in camel case (``"Entered In Error"``, ``entered_in_error``,
  ``enteredInError``), as display-minded interfaces write a status;
* a Condition status coded without its system, or given only as text, when it is exactly one of HL7's own
  status codes (``{"code": "refuted"}``, ``{"text": "Entered in error"}``); any other text is not read;
* a verification code filed under ``clinicalStatus`` (``entered-in-error``, ``refuted``) with no
  ``verificationStatus``: the Condition is void, as the clinic said (``condition_statuses``).

A status that is none of these (``unknown``, a local code) is read as it is: for a red flag, that counts
(the safe side, docs/pathway-facts.md §7).

*(Twelfth pass.)* Also what a record says of itself: an Encounter ``completed`` or ``discharged`` (R5) is
``finished``; a Bundle or record labelled ``SUBSETTED``, ``REDACTED`` or ``MASKED`` is not whole
(``is_subsetted``); a Patient ``replaced-by`` another is not her current record (``replaced_by``).
"""

from __future__ import annotations

from app.chart.references import reference_target
from app.fhir.datatypes import Json, array, coding_of, string

_NOT_TAKEN = "not-taken"
_NOT_DONE = "not-done"


def status_of(raw: Json) -> str | None:
    """``status``, as R4 writes it (``_lower``)."""
    return _lower(string(raw.get("status")))


def medication_status(raw: Json) -> str | None:
    """A MedicationRequest's or MedicationStatement's status, STU3 ``taken: n`` and DSTU2 ``wasNotTaken``
    read as R4's ``not-taken``."""
    taken = raw.get("taken")
    if raw.get("wasNotTaken") is True or (isinstance(taken, str) and taken.strip().lower() == "n"):
        return _NOT_TAKEN
    return status_of(raw)


def encounter_status(raw: Json) -> str | None:
    """An Encounter's status, R5's ``completed`` and ``discharged`` (the visit took place; R5 renamed R4's
    ``finished``) and a clinic export's ``complete`` read as R4's ``finished``: a physical-therapy visit
    recorded so was no care (R3a "start conservative care" instead of R3b)."""
    status = status_of(raw)
    return _FINISHED if status in _FINISHED_VISIT else status


_FINISHED = "finished"
_FINISHED_VISIT = frozenset({"completed", "complete", "discharged"})


def procedure_status(raw: Json) -> str | None:
    """A Procedure's status, STU3 ``notDone`` and DSTU2 ``notPerformed`` read as R4's ``not-done``."""
    if raw.get("notDone") is True or raw.get("notPerformed") is True:
        return _NOT_DONE
    return status_of(raw)


def concept_status(concept: object) -> str | None:
    """A Condition's clinicalStatus or verificationStatus: a bare code (STU3), or a CodeableConcept's code
    from HL7's own code system when it has one (a local coding may come first), else its first coding;
    with no coding that has a system, an HL7 status code written without one, or as the whole text."""
    if isinstance(concept, str):
        return _lower(string(concept))
    if not isinstance(concept, dict):
        return None
    raw = array(concept.get("coding"))
    codings = [c for c in map(coding_of, raw) if c is not None]
    hl7 = next((c for c in codings if "hl7.org" in c.system), None)
    chosen = hl7 or next(iter(codings), None)
    if chosen is not None:
        return _lower(chosen.code)
    bare = (_lower(string(c.get("code"))) for c in raw if isinstance(c, dict))
    return next((code for code in bare if code in _CONDITION_CODES), None) or _known(concept.get("text"))


# HL7's own Condition clinicalStatus and verificationStatus codes (R4): the only words read without a system.
_VOID_VERIFICATION = frozenset({"refuted", "entered-in-error"})
_CONDITION_CODES = frozenset({"active", "recurrence", "relapse", "inactive", "remission", "resolved",
                              "unconfirmed", "provisional", "differential", "confirmed"}) | _VOID_VERIFICATION


def _known(text: object) -> str | None:
    found = _lower(string(text))
    return found if found in _CONDITION_CODES else None


def condition_statuses(raw: Json) -> tuple[str | None, str | None]:
    """A Condition's (clinicalStatus, verificationStatus). A verification code a clinic filed under
    clinicalStatus (``entered-in-error``, ``refuted``: no clinical status says that) with no
    verificationStatus is its verification: the Condition is void, never an active finding."""
    clinical = concept_status(raw.get("clinicalStatus"))
    verification = concept_status(raw.get("verificationStatus"))
    if verification is None and clinical in _VOID_VERIFICATION:
        return None, clinical
    return clinical, verification


# Status codes written run together (camel case lower-cased): the R4 codes they are.
_RUN_TOGETHER = {"enteredinerror": "entered-in-error", "notdone": "not-done", "nottaken": "not-taken",
                 "inprogress": "in-progress", "onhold": "on-hold"}


def _lower(code: str | None) -> str | None:
    """Stripped and lower-cased (every R4 status code is lower case), words joined by ``-`` as R4 joins
    them: ``"Entered In Error"``, ``entered_in_error`` and ``enteredInError`` are ``entered-in-error``."""
    if code is None:
        return None
    text = code.strip().lower()
    if text.isalpha():  # the usual case: "final", "active"
        return _RUN_TOGETHER.get(text, text)
    return "-".join(text.replace("_", " ").replace("-", " ").split())


_V3_OBSERVATION_VALUE = ("http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
                         "http://hl7.org/fhir/v3/ObservationValue")  # R4, and STU3/DSTU2


def is_subsetted(resource: Json) -> bool:
    """The record (or the Bundle) says it is not whole: FHIR R4 has a server tag what ``_summary`` or
    ``_elements`` trimmed ``SUBSETTED`` (HL7 v3-ObservationValue; in ``meta.tag``, some servers put it in
    ``meta.security``) "to ensure that the incomplete resource is not accidentally used"; the security
    labels ``REDACTED`` and ``MASKED`` of the same code system say content was removed or hidden for
    privacy (a substance-use diagnosis under 42 CFR Part 2 is the drug use R7 reads). A trimmed encounter
    may have lost the reason that is a red flag. A Patient is never a red-flag source: its trimmed record
    (birthDate and gender are summary elements) is read as it is. A confidentiality label (``R``, ``N``)
    says who may see the record, not that part of it is missing: not read."""
    meta = resource.get("meta")
    if not isinstance(meta, dict) or ("tag" not in meta and "security" not in meta):
        return False  # most records' meta is a profile and a version: asked of every entry of every key
    if resource.get("resourceType") == "Patient":
        return False
    return any(_subsetted_label(label) for field in ("tag", "security") for label in array(meta.get(field)))


def _subsetted_label(label: object) -> bool:
    return isinstance(label, dict) and label.get("code") in _NOT_WHOLE \
        and label.get("system", _V3_OBSERVATION_VALUE[0]) in _V3_OBSERVATION_VALUE


_NOT_WHOLE = frozenset({"SUBSETTED", "REDACTED", "MASKED"})


def replaced_by(patient: Json, own: str) -> str | None:
    """The Patient this record was merged into: R4 ``Patient.link`` of type ``replaced-by`` ("the patient
    resource containing this link must no longer be used. The link points forward to another patient
    resource that must be used in lieu of" it). Not ``replaces`` (she is the survivor: the merge moved the
    records to her), ``refer`` or ``seealso`` (other records of one person, each whole), nor a link to a
    RelatedPerson or to herself. ``active: false`` alone is not read: a record not in active use (no visit
    for years, a death) is still whole."""
    for link in array(patient.get("link")):
        other = link.get("other") if isinstance(link, dict) else None
        reference = string(other.get("reference")) if isinstance(other, dict) else None
        target = reference_target(reference) if reference and _lower(string(link.get("type"))) == \
            "replaced-by" else None
        if target is not None and target[0] == "Patient" and target[1] != own:
            return target[1]
    return None

"""PURE (STYLE.md habit 1): the chart one hook call is decided on, as slim frozen views of the R4
resources the pathway reads (STYLE.md habit 5).

The views keep R4's field names (snake case) and only what the pathway reads. They are built from FHIR
JSON in data access (``app/fhir/parse.py``, which knows R4's JSON and skips a malformed resource on its
own), from a replayed export, or by a test by hand; so the pathway and the cards read a chart without
importing anything that fetches or parses it. Stdlib, ``app.immutable`` and ``app.terminology.coding``
only (the import-linter contract in ``pyproject.toml``).
"""

from __future__ import annotations

from dataclasses import field
from enum import StrEnum

from app.chart.dates import FhirDate
from app.immutable import immutable
from app.terminology.coding import Coding


@immutable
class NoteView:
    """A record's ``note`` (an Annotation) in words, one sentence each, and when it was written (``time``):
    a clinician may write a red flag only there ("new saddle anesthesia since yesterday" on a sciatica
    problem). Read as the record's stated words (docs/pathway-facts.md "Eleventh pass: narrative fields")."""

    texts: tuple[str, ...]
    time: FhirDate | None = None


@immutable
class PatientView:
    id: str
    birth_date: FhirDate | None = None
    gender: str | None = None
    # The id of the Patient this record was merged into (``Patient.link`` replaced-by): the records filed
    # there since the merge are not in this chart (app.fhir.chart_builder names them unread).
    replaced_by: str | None = None


@immutable
class ConditionView:
    """A Condition; ``onset_*`` keep every R4 onset[x] form so facts can pick per PATHWAY.md §2."""

    id: str
    codings: tuple[Coding, ...]
    text: str | None = None
    clinical_status: str | None = None
    verification_status: str | None = None
    onset: FhirDate | None = None
    onset_age_years: float | None = None
    onset_age_unit: str = "a"  # the UCUM unit it was written in (a, mo, wk, d): one of them is its precision
    onset_string: str | None = None
    onset_unread: bool = False  # an onset[x] written but not dated (an onsetRange, a period with only an end)
    recorded: FhirDate | None = None
    asserted: FhirDate | None = None  # the condition-assertedDate extension (US Core's date of diagnosis)
    abatement: FhirDate | None = None
    abated: bool = False
    categories: tuple[str, ...] = ()
    encounter: str | None = None  # the visit the diagnosis was made in (Condition.encounter reference)
    notes: tuple[NoteView, ...] = ()  # Condition.note in words
    # Condition.evidence: the manifestations it was diagnosed on ("low back pain", evidence urinary
    # retention), as codes, words and the records ``detail`` names.
    evidence_codings: tuple[Coding, ...] = ()
    evidence_texts: tuple[str, ...] = ()
    evidence_references: tuple[str, ...] = ()
    # Condition.stage's words (each summary's and type's text or display): a cancer stage says a cancer
    # (facts_cancer, eleventh pass).
    stage_texts: tuple[str, ...] = ()

    @property
    def reference(self) -> str:
        return f"Condition/{self.id}"


@immutable
class ObservationView:
    """An Observation. ``value`` is valueQuantity.value or valueInteger (``unit`` from the quantity);
    ``value_boolean``/``value_string`` keep the other value[x] forms a finding may be recorded with
    (PATHWAY.md §2: a negated finding never counts); ``body_site`` holds bodySite codings, laterality
    qualifiers included, so motor-strength grades are compared muscle by muscle (§3)."""

    id: str
    codings: tuple[Coding, ...]
    status: str | None = None
    effective: FhirDate | None = None
    value: float | None = None
    unit: str | None = None
    comparator: str | None = None  # valueQuantity.comparator ("<", "<=", ">", ">="): the value is a bound
    value_codings: tuple[Coding, ...] = ()
    value_boolean: bool | None = None
    value_string: str | None = None
    text: str | None = None
    body_site: tuple[Coding, ...] = ()
    value_text: str | None = None  # valueCodeableConcept's text, else its first display ("No", "Present")
    value_date: FhirDate | None = None  # valueDateTime: the day a row answers ("Illness onset date")
    # A panel's items, each read as an Observation with the panel's id, status, date and body site. The
    # chart lists them beside their panel (``Chart.observations``), so every reader sees them.
    components: tuple[ObservationView, ...] = ()
    notes: tuple[NoteView, ...] = ()  # Observation.note in words (a panel's, not repeated on its items)
    prose: tuple[str, ...] = ()  # a valueString of more than one word, one sentence each
    # Observation.interpretation as written: each coding's code ("POS", "H") and each text or display
    # ("Abnormal"); how an answer recorded only there is read is the pathway's (``facts_answers``).
    interpretation: tuple[str, ...] = ()
    members: tuple[str, ...] = ()  # hasMember: the Observations a panel groups, by reference

    @property
    def reference(self) -> str:
        return f"Observation/{self.id}"


@immutable
class ProcedureView:
    id: str
    codings: tuple[Coding, ...]
    status: str | None = None
    performed: FhirDate | None = None
    text: str | None = None
    body_site_codings: tuple[Coding, ...] = ()
    reason_codings: tuple[Coding, ...] = ()  # why it was done: a finding the chart states (reasonCode)
    reason_texts: tuple[str, ...] = ()  # each reasonCode in words (``facts_findings.findings``)
    performed_end: FhirDate | None = None  # performedPeriod.end: how recent a spinal procedure is (R7)
    reason_references: tuple[str, ...] = ()  # reasonReference: the Conditions it was done for
    notes: tuple[NoteView, ...] = ()  # Procedure.note in words

    @property
    def reference(self) -> str:
        return f"Procedure/{self.id}"


# A request or statement with one of these statuses was never taken (or its record is void).
VOID_MEDICATION = frozenset({"entered-in-error", "cancelled", "draft", "not-taken"})
# MedicationStatement: "intended" is not yet taken; "not-taken", "entered-in-error" never were.
TAKEN_STATEMENT = frozenset({"active", "completed"})


@immutable
class MedicationView:
    """MedicationRequest or MedicationStatement; ``start``/``end`` bound the exposure when known."""

    id: str
    resource_type: str
    codings: tuple[Coding, ...]
    text: str | None = None
    status: str | None = None
    start: FhirDate | None = None
    end: FhirDate | None = None
    supply_days: float | None = None
    reason_codings: tuple[Coding, ...] = ()  # why it was prescribed or taken (reasonCode)
    reason_texts: tuple[str, ...] = ()
    do_not_perform: bool = False  # R4 doNotPerform, a modifier: an order NOT to give the drug
    route_codings: tuple[Coding, ...] = ()  # dosage[Instruction].route: an epidural steroid is not systemic
    route_texts: tuple[str, ...] = ()
    reason_references: tuple[str, ...] = ()  # reasonReference: the Conditions it was given for
    notes: tuple[NoteView, ...] = ()  # MedicationRequest.note / MedicationStatement.note in words

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.id}"

    @property
    def taken(self) -> bool:
        """Its status says the drug was or is being taken: a MedicationStatement only when active or
        completed, a MedicationRequest when not void or draft (PATHWAY.md §2 v2). Both the conservative-care
        reader and the chart builder's "could not check" for an unnamed drug ask this. An order not to give
        it (``doNotPerform``) never was."""
        if self.do_not_perform:
            return False
        if self.resource_type == "MedicationStatement":
            return self.status in TAKEN_STATEMENT
        return self.status not in VOID_MEDICATION


@immutable
class ImagingView:
    """ImagingStudy or DiagnosticReport; ``modalities`` holds DICOM codes (MR, CT, CR, DX …).

    ``identifiers`` (``system|value``: the accession), ``based_on`` (the orders) and ``studies`` (a
    report's ``imagingStudy``) tie a report to its study, so one examination counts once (PATHWAY.md §2).
    """

    id: str
    resource_type: str
    codings: tuple[Coding, ...]
    modalities: tuple[str, ...] = ()
    started: FhirDate | None = None
    status: str | None = None
    text: str | None = None
    identifiers: tuple[str, ...] = ()
    based_on: tuple[str, ...] = ()
    studies: tuple[str, ...] = ()
    conclusion_codings: tuple[Coding, ...] = ()  # a report's coded conclusion (conclusionCode)
    conclusion_texts: tuple[str, ...] = ()  # its conclusion in words, one sentence each ("Epidural abscess")
    body_site_codings: tuple[Coding, ...] = ()  # a study's series.bodySite (which part was imaged)
    unread_forms: int = 0  # a report's presentedForm text that could not be decoded (skipped and counted)

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.id}"


@immutable
class ServiceRequestView:
    """A ServiceRequest: a draft imaging order, an earlier order, or a referral."""

    id: str | None
    codings: tuple[Coding, ...]
    text: str | None = None
    status: str | None = None
    intent: str | None = None
    authored_on: FhirDate | None = None
    reason_codings: tuple[Coding, ...] = ()
    reason_references: tuple[str, ...] = ()
    reason_texts: tuple[str, ...] = ()  # each reasonCode in words: a radiology order's "reason for exam"
    performer_type_codings: tuple[Coding, ...] = ()
    category_codings: tuple[Coding, ...] = ()
    service_texts: tuple[str, ...] = ()  # performerType and category in words ("Physical Therapy", uncoded)
    occurrence: FhirDate | None = None
    body_site_codings: tuple[Coding, ...] = ()  # where to image, when the code does not say (bodySite)
    detail_texts: tuple[str, ...] = ()  # orderDetail in words ("with contrast"), when the code does not say
    do_not_perform: bool = False  # R4 doNotPerform, a modifier: an order NOT to refer or treat
    note_texts: tuple[str, ...] = ()  # note and supportingInfo in words, one sentence each

    @property
    def reference(self) -> str | None:
        return f"ServiceRequest/{self.id}" if self.id else None


@immutable
class EncounterView:
    """An Encounter: a visit whose ``type``/``serviceType`` may say it was physical therapy (CODES.md §1e).
    ``based_on`` names the referrals (ServiceRequest) it carried out."""

    id: str
    status: str | None = None
    type_codings: tuple[Coding, ...] = ()
    service_type_codings: tuple[Coding, ...] = ()
    # type, serviceType and class in words: a visit typed only "Physical Therapy" (care) or "Oncology
    # Follow Up" (a cancer, facts_oncology)
    type_texts: tuple[str, ...] = ()
    start: FhirDate | None = None
    end: FhirDate | None = None
    based_on: tuple[str, ...] = ()
    reason_codings: tuple[Coding, ...] = ()  # why the patient came: a finding, never care given
    reason_texts: tuple[str, ...] = ()  # a chief complaint typed: "urinary retention since Monday"
    diagnoses: tuple[str, ...] = ()  # the Conditions the visit carried (Encounter.diagnosis.condition)
    reason_references: tuple[str, ...] = ()  # reasonReference: the Conditions the patient came for

    @property
    def reference(self) -> str:
        return f"Encounter/{self.id}"


class ChartCategory(StrEnum):
    """A kind of chart data that may be missing (``Chart.unavailable``): what a "could not check" card
    names and a rule asks about ("no red flags" needs conditions, observations, medications and
    procedures). The words a card says for them are in cards/labels.toml ``[categories]``."""

    PATIENT = "patient"
    # The Patient was read but gives no age (no birthDate, or one after the order date): the age-dependent
    # rules (under 18, R28; over 50, R9; the age-adjusted ESR limit) could not run. Named by the pathway.
    BIRTH_DATE = "birth_date"
    CONDITIONS = "conditions"
    OBSERVATIONS = "observations"
    PROCEDURES = "procedures"
    MEDICATIONS = "medications"
    VISITS = "visits"
    IMAGING = "imaging"
    # Spine imaging reports (DiagnosticReport): prior imaging, and a coded conclusion may state a red flag.
    REPORTS = "reports"
    ORDERS = "orders"  # orders and referrals (ServiceRequest)
    OTHER_PATIENT = "other_patient"  # another patient's records were set aside (PATHWAY.md invariant 7)


@immutable
class Chart:
    """Everything known about one patient for one hook call.

    ``skipped`` counts resources dropped as malformed; ``unavailable`` names data categories
    ("conditions", "medications" …) that could not be read at all, so cards can say what was not checked.
    """

    patient: PatientView | None = None
    conditions: tuple[ConditionView, ...] = ()
    observations: tuple[ObservationView, ...] = ()
    procedures: tuple[ProcedureView, ...] = ()
    medications: tuple[MedicationView, ...] = ()
    imaging: tuple[ImagingView, ...] = ()
    service_requests: tuple[ServiceRequestView, ...] = ()
    encounters: tuple[EncounterView, ...] = ()
    skipped: int = 0
    unavailable: frozenset[ChartCategory] = field(default_factory=frozenset)

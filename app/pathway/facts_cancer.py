"""Malignancy (PATHWAY.md §3, R8) recorded as its treatment: a cancer drug on the medication list or a
radiotherapy or chemotherapy Procedure is a cancer, active or in the past, as a Z85 code is; so is a cancer
staging or breast cancer specimen Observation, whatever its value, and a tumour registry's diagnosis coded
by its ICD-O-3 morphology and behaviour ("8500/3"). Since the tenth pass also a chemotherapy drug by its
HCPCS J9 code, a Procedure named for radiotherapy or chemotherapy ("XRT to L-spine"), and an oncology visit
or referral (``facts_oncology``). The coded
cancers (C00-C97, Z85, SNOMED CT, D37-D49) are read with the other red flags in ``facts_flags``. PURE.

Data compromises (docs/pathway-facts.md "Eighth pass: malignancy"): some of these drugs have other uses
(letrozole for ovulation induction, leuprolide for endometriosis, tamoxifen for risk reduction) and a few
radiotherapies treat benign disease; they are read as cancer all the same, the safe side, because the
flag only makes imaging appropriate (R8 is a warning, never a defer). Bone agents (denosumab, zoledronic
acid) are not read: the same ingredient treats osteoporosis, and only the dose tells them apart."""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.chart.model import ProcedureView
from app.pathway.facts_answers import observation_void
from app.pathway.facts_cancer_words import cancer_in_words, remembered_words
from app.pathway.facts_common import (
    Context,
    coded_observations,
    condition_first_date,
    condition_void,
    dated,
    drug_name,
    shown_name,
    treating_drugs,
    treating_procedures,
)
from app.pathway.facts_dates import possibly_by
from app.pathway.facts_match import member
from app.pathway.facts_oncology import oncology_care, staged_conditions
from app.pathway.model import Evidence, Finding, RedFlag
from app.terminology import CPT, SNOMED, Coding, canonical_system

__all__ = ["cancer_treatments"]

# Drugs: ``facts_common.treating_drugs`` (entered-in-error and not-taken show no cancer; a cancelled order
# still does). Procedures: ``facts_common.treating_procedures`` (not-done, "prior radiotherapy: not done",
# is none).
# ICD-O-3 (its HL7 URI and OID): a morphology is four digits and a behaviour digit, "8500/3" (also written
# "85003" or "M-8500/3"). Behaviour 3 malignant, 6 metastatic, 9 malignant of unknown origin; 1 uncertain
# (as ICD-10-CM D37-D48); 0 benign and 2 in situ are no cancer (§3 names C00-C96).
_ICD_O_3 = frozenset({
    "http://terminology.hl7.org/codesystem/icd-o-3", "http://hl7.org/fhir/sid/icd-o-3",
    "urn:oid:2.16.840.1.113883.6.43.1", "2.16.840.1.113883.6.43.1",
})
_MORPHOLOGY = re.compile(r"(?:m-?)?\d{4}/?([0-9])", re.IGNORECASE)
_BEHAVIOUR = {"3": Finding.CANCER_ACTIVE, "6": Finding.CANCER_ACTIVE, "9": Finding.CANCER_ACTIVE,
              "1": Finding.NEOPLASM_UNCERTAIN}


def cancer_treatments(ctx: Context) -> Iterator[tuple[RedFlag, Evidence]]:
    """§3 malignancy (major): a cancer treatment by the order date, whatever its age (a history of cancer
    counts at any date, §2), as the major flag."""
    procedures = treating_procedures(ctx, "cancer_treatment_procedure", Finding.CANCER_TREATMENT)
    drugs = treating_drugs(ctx, "antineoplastic", Finding.CANCER_TREATMENT)
    found = (*drugs, *procedures, *_stagings(ctx), *_morphologies(ctx), *_chemotherapy_drugs(ctx),
             *_treatments_in_words(ctx), *oncology_care(ctx), *staged_conditions(ctx))
    yield from ((RedFlag.MALIGNANCY_MAJOR, e) for e in found)


# HCPCS Level II J9000-J9999, "Chemotherapy drugs" (injected in clinic and billed by the drug), as a
# Procedure's code or a medication's coding; HCPCS is read as CPT's system (app/terminology/valuesets.py).
_J9 = re.compile(r"J9\d{3}", re.IGNORECASE)


def _chemotherapy_drugs(ctx: Context) -> Iterator[Evidence]:
    """A chemotherapy drug by its HCPCS J9 code (tenth pass): a Procedure read as the coded treatments are
    (``_performed``), or a medication not void, begun by the order date or undated."""
    for p in ctx.chart.procedures:
        coding = _j9(p.codings)
        if coding is not None:
            yield from _performed(ctx, p, coding, p.text or coding.display)
    for m in ctx.chart.medications:
        coding = _j9(m.codings)
        void = m.status in _NOT_TAKEN or m.do_not_perform or not possibly_by(m.start, ctx.order_date)
        if coding is not None and not void:
            yield Evidence(Finding.CANCER_TREATMENT, m.reference, dated(m.start), coding,
                           name=drug_name(m, coding))


def _performed(ctx: Context, p: ProcedureView, coding: Coding, name: str | None) -> Iterator[Evidence]:
    """A cancer treatment Procedure as ``facts_common.treating_procedures`` reads one: done, in progress
    or undated by the order date, or booked for any day (then undated); never not-done or in error."""
    by_order = possibly_by(p.performed, ctx.order_date)
    if p.status not in _NOT_DONE and (by_order or p.status == "preparation"):
        on = dated(p.performed) if by_order else None
        yield Evidence(Finding.CANCER_TREATMENT, p.reference, on, coding, name=shown_name(name))


def _j9(codings: tuple[Coding, ...]) -> Coding | None:
    # Codings are stripped as they are parsed (app/fhir/datatypes.py): the first two characters decide.
    return next((c for c in codings if c.code[:2] in ("J9", "j9") and _J9.fullmatch(c.code.strip())
                 and canonical_system(c.system or "") == CPT), None)


_NOT_DONE = frozenset({"entered-in-error", "not-done"})
_NOT_TAKEN = frozenset({"entered-in-error", "not-taken"})
# A radiotherapy or chemotherapy named in words: "XRT to L-spine", "Chemotherapy infusion", "SBRT".
_TREATMENT = re.compile(
    r"\b(?:chemo|chemotherapy|chemoradiation|chemoradiotherapy|radiotherapy|radiation\s+(?:therapy|treatment"
    r"|oncology)|xrt|sbrt|srs|imrt|brachytherapy|proton\s+(?:beam\s+)?therapy|radiosurgery)\b",
    re.IGNORECASE)
_SHOWN_AS = Coding(SNOMED, "367336001")  # chemotherapy: the member a treatment named in words is shown as
_NOT_TREATED = re.compile(r"\b(?:no|not|declined|refused|never|without)\b[\w\s/-]{0,20}$", re.IGNORECASE)
_DECLINED = re.compile(r"[\w\s,:;-]{0,20}?\b(?:declined|refused|not\s+(?:done|given|indicated)|deferred)\b",
                       re.IGNORECASE)


def _treatments_in_words(ctx: Context) -> Iterator[Evidence]:
    """A Procedure whose name (its text, a local code's display) says radiotherapy or chemotherapy, or
    names a cancer ("Excision of malignant melanoma"), when none of its codings is a listed treatment (a
    coded one is read by its code): read as the coded treatments are (tenth pass)."""
    for p in ctx.chart.procedures:
        name = next((t for t in (p.text, *(c.display for c in p.codings)) if t and _treats_cancer(t)), None)
        if name is not None and member(ctx.vs, "cancer_treatment_procedure", p.codings) is None:
            yield from _performed(ctx, p, _SHOWN_AS._replace(display=name), name)


@remembered_words
def _treats_cancer(text: str) -> bool:
    """A radiotherapy or chemotherapy named and not declined, or a cancer named (``cancer_in_words``)."""
    found = any(_NOT_TREATED.search(text, max(0, m.start() - 40), m.start()) is None
                and _DECLINED.match(text, m.end(), m.end() + 40) is None for m in _TREATMENT.finditer(text))
    return found or cancer_in_words(text) is not None


def _stagings(ctx: Context) -> Iterator[Evidence]:
    """A cancer staging or breast cancer specimen Observation (``cancer_staging``: AJCC stage group, TNM,
    receptor status), not void, dated by the order date or undated: only a cancer is staged, so its value
    is not read — an AJCC code, a SNOMED CT stage, "Stage IV-E" or "Positive (>10%)" alike, and a
    ``valueBoolean`` false (a registry's "no distant metastasis") still stages a cancer. The card shows
    the value as the chart words it, else the test's name."""
    for o, coding in coded_observations(ctx, "cancer_staging"):
        if observation_void(o) or not possibly_by(o.effective, ctx.order_date):
            continue
        name = shown_name(o.value_text or o.value_string or coding.display)
        yield Evidence(Finding.CANCER_STAGING, o.reference, dated(o.effective), coding, name=name)


def _morphologies(ctx: Context) -> Iterator[Evidence]:
    """A Condition coded by its ICD-O-3 morphology, as tumour registries and oncology systems export a
    diagnosis: a malignant or uncertain behaviour is the major flag, read as the coded cancers are (not
    void, begun by the order date or undated, any status: a history is history)."""
    patient = ctx.chart.patient
    for c in ctx.chart.conditions:
        found = next(((k, coding) for coding in c.codings if (k := _behaviour(coding)) is not None), None)
        if found is None or condition_void(c):
            continue
        first = condition_first_date(c, patient, ctx.order_date)
        if possibly_by(first, ctx.order_date):
            kind, coding = found
            yield Evidence(kind, c.reference, dated(first), coding, name=shown_name(coding.display))


def _behaviour(coding: Coding) -> Finding | None:
    """The finding an ICD-O-3 morphology's behaviour digit names; None for another system, benign, in situ."""
    if (coding.system or "").casefold().rstrip("/") not in _ICD_O_3:
        return None
    morphology = _MORPHOLOGY.fullmatch((coding.code or "").strip())
    return _BEHAVIOUR.get(morphology.group(1)) if morphology is not None else None

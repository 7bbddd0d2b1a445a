"""FHIR R4 Condition JSON → ``ConditionView`` (``app/fhir/parse.py`` dispatches): its codes and words,
both statuses, every way an onset is written (a date, an age, a period, words), its abatement, its notes,
its evidence and its stage (STYLE.md habit 5; a malformed one is skipped alone, ``ViewError``)."""

from __future__ import annotations

from typing import NamedTuple

from app.chart.dates import FhirDate, parse_fhir_date
from app.chart.model import ConditionView
from app.fhir.datatypes import (
    Json,
    age_of,
    array,
    codings_and_text,
    codings_of_all,
    in_years,
    period_end,
    period_start,
    references,
    string,
)
from app.fhir.statuses import condition_statuses
from app.fhir.view_error import required_id
from app.fhir.words import concept_texts, notes
from app.terminology.coding import Coding

# An abatement with no calendar date: the Condition ended, when is not said (an age is rare and needs the
# birth date; the pathway treats all of these as "date not recorded").
_UNDATED_ABATEMENTS = frozenset({"abatementString", "abatementAge", "abatementRange", "abatementPeriod"})


def parse_condition(raw: Json) -> ConditionView:
    """An abatementPeriod is dated by its end, else by its start (it had ended by then: a period left open
    is "abated since"); one with neither is an abatement whose date is not recorded — and so is one dated
    before the onset (docs/pathway-facts.md §1, "Eighth pass"): a foot drop begun on 1 March and "abated"
    a year before was read as long resolved."""
    period = raw.get("abatementPeriod")
    abatement = parse_fhir_date(raw.get("abatementDateTime")) or period_end(period) or period_start(period)
    undated = raw.get("abatementBoolean") is True or bool(_UNDATED_ABATEMENTS & raw.keys())
    abated = abatement is not None or undated
    codings, text = codings_and_text(raw.get("code"))
    onset = parse_fhir_date(raw.get("onsetDateTime")) or period_start(raw.get("onsetPeriod"))
    if abatement is not None and onset is not None and abatement.last() < onset.value:
        abatement = None  # abated before it began: one of the two is a typo, the abatement's date is unknown
    onset_age = age_of(raw.get("onsetAge"))
    age = in_years(onset_age)
    clinical, verification = condition_statuses(raw)
    evidence = _evidence(raw["evidence"]) if "evidence" in raw else _NO_EVIDENCE
    return ConditionView(
        id=required_id(raw),
        codings=codings,
        text=text,
        clinical_status=clinical,
        verification_status=verification,
        onset=onset,
        onset_age_years=age,
        onset_age_unit=onset_age[1] if onset_age is not None else "a",
        onset_string=string(raw.get("onsetString")),
        onset_unread=onset is None and age is None and _onset_written(raw),
        recorded=parse_fhir_date(raw.get("recordedDate")),
        asserted=_asserted(raw),
        abatement=abatement,
        abated=abated,
        categories=tuple(c.code for c in codings_of_all(raw.get("category"))),
        encounter=next(iter(references([raw.get("encounter")])), None),
        notes=notes(raw),
        evidence_codings=evidence.codings,
        evidence_texts=evidence.texts,
        evidence_references=evidence.references,
        stage_texts=_stage_texts(raw.get("stage")),
    )


class _Evidence(NamedTuple):
    codings: tuple[Coding, ...]
    texts: tuple[str, ...]
    references: tuple[str, ...]


_NO_EVIDENCE = _Evidence((), (), ())


def _evidence(items: object) -> _Evidence:
    """Condition.evidence: each item's codes and their words, and the records its ``detail`` names (the
    manifestations a diagnosis was made on: ``facts_findings`` reads them as the Condition's statements)."""
    found = [item for item in array(items) if isinstance(item, dict)]
    concepts = [concept for item in found for concept in array(item.get("code"))]
    details = [ref for item in found for ref in array(item.get("detail"))]
    return _Evidence(codings_of_all(concepts), concept_texts(concepts), references(details))


def _stage_texts(stages: object) -> tuple[str, ...]:
    """The words of each Condition.stage's summary and type: their text, else a coding's display (a stage
    given only as an assessment reference is read through the staging Observation it names)."""
    if not isinstance(stages, list):
        return ()
    found = (codings_and_text(stage.get(part))[1] for stage in stages[:8] if isinstance(stage, dict)
             for part in ("summary", "type"))
    return tuple(text for text in found if text is not None)


# US Core's "date of diagnosis" (USCDI): when the condition was first asserted, which may be long before a
# problem list's recordedDate (rewritten at reconciliation).
_ASSERTED_DATE = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"


def _asserted(raw: Json) -> FhirDate | None:
    found = (parse_fhir_date(e.get("valueDateTime")) for e in array(raw.get("extension"))
             if isinstance(e, dict) and e.get("url") == _ASSERTED_DATE)
    return next((day for day in found if day is not None), None)


# onset[x] other than onsetString (which the pathway reads itself); and the primitive extensions that
# carry a data-absent-reason in place of an onsetDateTime or onsetString ("unknown", "asked-unknown").
_ONSET_KEYS = ("onsetDateTime", "onsetAge", "onsetPeriod", "onsetRange", "_onsetDateTime", "_onsetString")


def _onset_written(raw: Json) -> bool:
    """An onset was written (an onsetRange, an onsetPeriod with only an end, an onsetDateTime that is no
    date, an onsetAge in no unit of time, a data-absent-reason saying it is unknown); with no onset read
    from it, it is written but not dated. The pathway must know one was written: it may lie before another
    diagnosis's."""
    return any(raw.get(key) is not None for key in _ONSET_KEYS)


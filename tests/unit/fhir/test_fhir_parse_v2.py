"""The v2 views: Encounter, DiagnosticReport links and dates, ImagingStudy accession, Procedure bodySite."""

from __future__ import annotations

from datetime import date

import pytest

from app.chart.model import EncounterView, ImagingView, ProcedureView
from app.fhir.parse import parse_resource
from app.fhir.view_error import ViewError

SERVICE_TYPE = "http://terminology.hl7.org/CodeSystem/service-type"


def test_encounter_keeps_status_type_service_type_period_and_based_on() -> None:
    view = parse_resource(
        {
            "resourceType": "Encounter",
            "id": "e1",
            "status": "finished",
            "type": [
                {"coding": [{"system": "http://snomed.info/sct", "code": "410158009"}]},
                {"coding": [{"system": "urn:oid:1.2.3", "code": "PT-VISIT"}]},
            ],
            "serviceType": {"coding": [{"system": SERVICE_TYPE, "code": "65"}]},
            "period": {"start": "2026-02-01T09:00:00-05:00", "end": "2026-02-01T09:45:00-05:00"},
            "basedOn": [{"reference": "ServiceRequest/s1"}, {"display": "no reference"}],
            "reasonCode": [{"coding": [{"system": "http://snomed.info/sct", "code": "91251008"}]}],
        }
    )
    assert isinstance(view, EncounterView)
    assert view.reference == "Encounter/e1"
    assert [c.code for c in view.type_codings] == ["410158009", "PT-VISIT"]
    assert [c.code for c in view.service_type_codings] == ["65"]
    assert view.start is not None and view.start.value == date(2026, 2, 1)
    assert view.based_on == ("ServiceRequest/s1",)


def test_encounter_without_id_is_malformed() -> None:
    with pytest.raises(ViewError):
        parse_resource({"resourceType": "Encounter", "status": "finished"})


def test_report_is_dated_by_effective_not_issued() -> None:
    dated = parse_resource(
        {
            "resourceType": "DiagnosticReport",
            "id": "r1",
            "status": "final",
            "effectivePeriod": {"start": "2025-12-01"},
            "issued": "2025-12-03T10:00:00Z",
        }
    )
    undated = parse_resource(
        {"resourceType": "DiagnosticReport", "id": "r2", "status": "final", "issued": "2025-12-03T10:00:00Z"}
    )
    assert isinstance(dated, ImagingView) and isinstance(undated, ImagingView)
    assert dated.started is not None and dated.started.value == date(2025, 12, 1)
    assert undated.started is None


def test_report_and_study_keep_accession_orders_and_study_links() -> None:
    report = parse_resource(
        {
            "resourceType": "DiagnosticReport",
            "id": "r1",
            "status": "amended",
            "identifier": [{"system": "urn:acc", "value": " A77 "}, {"system": "urn:x"}],
            "basedOn": [{"reference": "ServiceRequest/o1"}],
            "imagingStudy": [{"reference": "ImagingStudy/i1"}],
        }
    )
    study = parse_resource(
        {
            "resourceType": "ImagingStudy",
            "id": "i1",
            "status": "available",
            "identifier": [{"value": "A77"}],
            "basedOn": [{"reference": "ServiceRequest/o1"}],
        }
    )
    assert isinstance(report, ImagingView) and isinstance(study, ImagingView)
    assert (report.status, report.identifiers, report.based_on, report.studies) == (
        "amended",
        ("urn:acc|A77",),
        ("ServiceRequest/o1",),
        ("ImagingStudy/i1",),
    )
    assert (study.identifiers, study.based_on) == (("|A77",), ("ServiceRequest/o1",))


def test_procedure_keeps_every_body_site() -> None:
    view = parse_resource(
        {
            "resourceType": "Procedure",
            "id": "p1",
            "status": "completed",
            "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "22551"}]},
            "bodySite": [
                {"coding": [{"system": "http://snomed.info/sct", "code": "122494005"}]},
                {"coding": [{"system": "http://snomed.info/sct", "code": "122495006"}]},
            ],
        }
    )
    assert isinstance(view, ProcedureView)
    assert [c.code for c in view.body_site_codings] == ["122494005", "122495006"]

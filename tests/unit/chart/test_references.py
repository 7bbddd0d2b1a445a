"""Literal references read one way (app/chart/references.py): the pathway's links between resources."""

from __future__ import annotations

import pytest

from app.chart.references import reference_key


@pytest.mark.parametrize(("reference", "key"), [
    ("ServiceRequest/o1", "ServiceRequest/o1"),
    ("https://ehr.example.org/fhir/ServiceRequest/o1", "ServiceRequest/o1"),
    ("ServiceRequest/o1/_history/3", "ServiceRequest/o1"),
    ("https://ehr.example.org/fhir/ImagingStudy/s1/_history/1", "ImagingStudy/s1"),
    (" ImagingStudy/s1 ", "ImagingStudy/s1"),
    ("urn:uuid:1234", "urn:uuid:1234"),  # names no Type/id: compared as written
    ("#contained", "#contained"),
])
def test_a_reference_is_one_resource_however_it_is_written(reference: str, key: str) -> None:
    """A versioned or absolute reference names the same resource as the relative one (a visit's basedOn
    written ``…/_history/2`` still carried out its referral; a report's basedOn still ties it to its
    study)."""
    assert reference_key(reference) == key

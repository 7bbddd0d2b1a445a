"""``ClientIdentity.may_use_fhir_server``: a client's ``fhirServer`` must lie under a registered prefix."""

from __future__ import annotations

import pytest

from app.security import ClientIdentity

CLIENT = ClientIdentity("https://ehr.example.org", ("https://ehr.example.org/fhir", "http://127.0.0.1:8090"))


@pytest.mark.parametrize("url", [
    "https://ehr.example.org/fhir",
    "https://ehr.example.org/fhir/",
    "https://ehr.example.org/fhir/R4",
    "https://EHR.example.org:443/fhir/R4",
    "http://127.0.0.1:8090/anything",
])
def test_urls_under_a_prefix_are_allowed(url: str) -> None:
    assert CLIENT.may_use_fhir_server(url)


@pytest.mark.parametrize("url", [
    "https://ehr.example.org/fhirx",
    "https://ehr.example.org/other",
    "https://ehr.example.org.evil.test/fhir",
    "http://ehr.example.org/fhir",
    "https://ehr.example.org:8443/fhir",
    "https://user@ehr.example.org/fhir",
    "http://127.0.0.1:8091/",
    "ftp://ehr.example.org/fhir",
    "not a url",
])
def test_other_urls_are_refused(url: str) -> None:
    assert not CLIENT.may_use_fhir_server(url)


def test_client_without_prefixes_may_use_no_server() -> None:
    assert not ClientIdentity("https://ehr.example.org").may_use_fhir_server("https://ehr.example.org/fhir")

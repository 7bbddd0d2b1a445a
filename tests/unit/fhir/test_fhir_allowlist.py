"""Where the fallback may go: FHIR_SERVER_ALLOWLIST and same-origin ``next`` links (CONTRACT.md §3.5)."""

from __future__ import annotations

import pytest

from app.fhir.allowlist import same_origin, server_refusal
from app.urls import server_allowed_by

ALLOW = ["https://ehr.example.org/fhir", "http://127.0.0.1", "http://localhost",
         "https://pinned.example.org:8443"]


@pytest.mark.parametrize("server", [
    "https://ehr.example.org/fhir",
    "https://ehr.example.org/fhir/",
    "https://ehr.example.org/fhir/r4",
    "https://EHR.example.org/fhir",
    "https://ehr.example.org:443/fhir",
    "http://127.0.0.1:38211/fhir",            # loopback entry without a port: any port (development)
    "http://localhost:8090/fhir",
    "https://pinned.example.org:8443/any/path",
])
def test_servers_on_the_allowlist_may_be_called(server: str) -> None:
    assert server_refusal(server, ALLOW) is None


@pytest.mark.parametrize("server", [
    "http://ehr.example.org/fhir",            # scheme differs
    "https://ehr.example.org/fhirx",          # path prefix is not at a segment boundary
    "https://ehr.example.org/other",          # outside the allowed path
    "https://ehr.example.org.evil.com/fhir",  # host suffix trick
    "https://evil.com/ehr.example.org/fhir",
    "https://pinned.example.org/fhir",        # port pinned to 8443
    "https://ehr.example.org:8443/fhir",      # no port in the entry: the default port only
    "http://127.0.0.2:8080/fhir",             # another loopback address is another host
    "https://user:pw@ehr.example.org/fhir",   # credentials in the URL
    "https://ehr.example.org/fhir?x=1",
    "https://ehr.example.org/fhir/../admin",
    "https://ehr.example.org/fhir/%2e%2e/admin",
    "https://ehr.example.org:notaport/fhir",
    "",
    None,
])
def test_servers_off_the_allowlist_are_refused(server: str | None) -> None:
    assert server_refusal(server, ALLOW) is not None


def test_an_empty_allowlist_refuses_everything() -> None:
    assert server_refusal("https://ehr.example.org/fhir", []) is not None


def test_a_client_list_narrows_but_never_widens() -> None:
    assert server_refusal("https://ehr.example.org/fhir", ALLOW, ["https://ehr.example.org"]) is None
    assert server_refusal("https://ehr.example.org/fhir", ALLOW, ["https://other.example.org"]) is not None
    assert server_refusal("https://new.example.org/fhir", ALLOW, ["https://new.example.org"]) is not None


@pytest.mark.parametrize(("link", "same"), [
    ("https://ehr.example.org/fhir/Condition?page=2", True),
    ("https://ehr.example.org:443/fhir/Condition", True),
    ("https://ehr.example.org/elsewhere", False),  # another path: the token must not follow it
    ("https://ehr.example.org/fhirx/Condition", False),
    ("https://ehr.example.org/fhir/../admin", False),
    ("https://ehr.example.org/fhir/%2e%2e/admin", False),
    ("https://ehr.example.org/fhir/\ud800", False),  # a lone surrogate cannot be sent
    ("http://ehr.example.org/fhir/Condition", False),
    ("https://ehr.example.org:444/fhir/Condition", False),
    ("https://other.example.org/fhir/Condition", False),
    ("Condition?page=2", False),  # callers resolve relative links first
])
def test_a_next_link_must_be_on_the_server_and_under_its_path(link: str, same: bool) -> None:
    assert same_origin(link, "https://ehr.example.org/fhir") is same


# A trust entry's ``fhir_servers`` narrow the allow-list by the same rule (app.urls.server_allowed_by).
CLIENT_SERVERS = ["https://ehr.example.org/fhir", "http://127.0.0.1:8090"]


@pytest.mark.parametrize("server", [
    "https://ehr.example.org/fhir",
    "https://ehr.example.org/fhir/",
    "https://ehr.example.org/fhir/R4",
    "https://EHR.example.org:443/fhir/R4",
    "http://127.0.0.1:8090/anything",
])
def test_servers_under_a_client_entry_may_be_called(server: str) -> None:
    assert server_refusal(server, ALLOW, CLIENT_SERVERS) is None


@pytest.mark.parametrize("server", [
    "https://ehr.example.org/fhirx",
    "https://ehr.example.org/other",
    "https://ehr.example.org.evil.test/fhir",
    "http://ehr.example.org/fhir",
    "https://ehr.example.org:8443/fhir",
    "https://user@ehr.example.org/fhir",
    "http://127.0.0.1:8091/",                 # the client entry pins port 8090
    "ftp://ehr.example.org/fhir",
    "not a url",
])
def test_servers_outside_every_client_entry_are_refused(server: str) -> None:
    assert server_refusal(server, ALLOW, CLIENT_SERVERS) is not None


def test_a_client_without_servers_may_use_none() -> None:
    assert server_refusal("https://ehr.example.org/fhir", ALLOW, []) is not None


@pytest.mark.parametrize(("server", "entry", "allowed"), [
    ("http://127.0.0.1:9999/fhir", "http://127.0.0.1", True),   # a loopback entry without a port: any port
    ("http://127.0.0.1:9999/fhir", "http://127.0.0.1:8090", False),
    ("https://ehr.example.org:8443/fhir", "https://ehr.example.org", False),
    ("https://ehr.example.org/fhir/R4", "https://ehr.example.org/fhir/", True),
])
def test_an_entry_admits_by_one_rule(server: str, entry: str, allowed: bool) -> None:
    assert server_allowed_by(server, entry) is allowed

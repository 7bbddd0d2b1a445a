"""A search too long for a server's URL limit is sent in parts (app.fhir.search_split): each part under the
limit, the OR list's values kept whole and in order, every other parameter on every part."""

from __future__ import annotations

from urllib.parse import parse_qsl

from app.fhir.search_split import split_search
from app.fhir.templates import PREFETCH_TEMPLATES, fill_template


def params(query: str) -> dict[str, str]:
    return dict(parse_qsl(query.partition("?")[2]))


def test_a_search_within_the_limit_is_sent_as_it_is() -> None:
    query = "Condition?patient=p1&_count=250"
    assert split_search(query, 2_000) == (query,)
    assert split_search("Patient/p1", 5) == ("Patient/p1",)


def test_a_long_or_list_is_cut_into_parts_under_the_limit_with_the_other_parameters_on_each() -> None:
    codes = [f"{n:05d}-{n % 10}" for n in range(600)]
    query = f"Observation?patient=p1&code={','.join(codes)}&_count=250"

    parts = split_search(query, 1_000)

    assert len(parts) > 1
    assert all(len(part.partition("?")[2]) <= 1_000 for part in parts)
    assert [code for part in parts for code in params(part)["code"].split(",")] == codes
    assert all(params(part)["patient"] == "p1" and params(part)["_count"] == "250" for part in parts)
    assert all(part.startswith("Observation?patient=p1&code=") for part in parts)


def test_the_observations_search_fits_a_default_iis_query_string_once_split() -> None:
    """IIS (Epic's FHIR front end) refuses a query string over 2,048 bytes by default; the observations
    search is longer than that whole, even for a short patient id."""
    query = fill_template(PREFETCH_TEMPLATES["observations"], {"patientId": "x" * 64})
    assert len(query.partition("?")[2]) > 2_048

    parts = split_search(query, 2_000)

    assert len(parts) >= 2
    assert all(len(part.partition("?")[2]) <= 2_000 for part in parts)
    whole = params(query)["code"].split(",")
    assert [code for part in parts for code in params(part)["code"].split(",")] == whole


def test_a_value_longer_than_the_room_goes_alone_and_a_single_value_is_never_cut() -> None:
    long_value = "x" * 300
    parts = split_search(f"Observation?code=a,{long_value},b", 100)
    assert [params(part)["code"] for part in parts] == ["a", long_value, "b"]
    query = f"Observation?code={long_value}"
    assert split_search(query, 100) == (query,)

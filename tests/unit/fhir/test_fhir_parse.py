"""Reading a CodeableConcept (app/fhir/datatypes.py): once, for its codings and its text."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.chart.dates import parse_fhir_date
from app.fhir.datatypes import codings_and_text, codings_of
from app.fhir.parse import parse_service_request
from app.fhir.parse_condition import parse_condition
from app.fhir.parse_observation import parse_observation

_TEXT = st.one_of(st.none(), st.just(""), st.just("  "), st.text(max_size=8), st.integers())
_CODING = st.one_of(
    st.fixed_dictionaries({}, optional={"system": _TEXT, "code": _TEXT, "display": _TEXT}),
    st.integers(),
    st.text(max_size=3),
)
_CODINGS = st.one_of(st.lists(_CODING, max_size=4), _TEXT)
_CONCEPT = st.one_of(st.fixed_dictionaries({}, optional={"text": _TEXT, "coding": _CODINGS}), _TEXT)


def _reference_text(concept: Any) -> str | None:
    """The rule as written before: the concept's text, else the first non-blank display of its codings."""
    if not isinstance(concept, dict):
        return None
    text = concept.get("text")
    if isinstance(text, str) and text.strip():
        return text
    codings = concept.get("coding") if isinstance(concept.get("coding"), list) else []
    displays = [c.get("display") for c in codings if isinstance(c, dict)]
    return next((d for d in displays if isinstance(d, str) and d.strip()), None)


@given(_CONCEPT)
def test_one_pass_reads_the_same_codings_and_text(concept: Any) -> None:
    assert codings_and_text(concept) == (codings_of(concept), _reference_text(concept))


def test_condition_text_falls_back_to_the_first_display_even_of_an_unusable_coding() -> None:
    raw = {
        "resourceType": "Condition",
        "id": "c1",
        "code": {"coding": [{"display": "Sciatica"}, {"system": "http://snomed.info/sct", "code": "23056005",
                                                       "display": "Sciatica (disorder)"}]},
    }

    view = parse_condition(raw)

    assert view.text == "Sciatica"
    assert [c.code for c in view.codings] == ["23056005"]


# --- PATHWAY.md §2/§3 v2: the value[x] forms, bodySite and reasonReference the red-flag rules read ----


def _observation(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": "o1", "status": "final",
            "code": {"coding": [{"system": "urn:site", "code": "mmt"}], "text": "Ankle strength"}, **fields}


def test_observation_keeps_boolean_string_and_integer_values() -> None:
    assert parse_observation(_observation(valueBoolean=False)).value_boolean is False
    assert parse_observation(_observation(valueString=" 4- ")).value_string == " 4- "
    assert parse_observation(_observation(valueInteger=3)).value == 3.0
    assert parse_observation(_observation(valueBoolean="no")).value_boolean is None  # not a boolean: ignored


def test_observation_keeps_code_text_and_body_site_with_laterality() -> None:
    site = {"coding": [{"system": "http://snomed.info/sct", "code": "344001"}],
            "extension": [{"url": "laterality", "valueCodeableConcept": {
                "coding": [{"system": "http://snomed.info/sct", "code": "7771000"}]}}]}

    view = parse_observation(_observation(bodySite=site, valueQuantity={"value": 4}))

    assert view.text == "Ankle strength"
    assert [c.code for c in view.body_site] == ["344001", "7771000"]
    assert (view.value, view.unit) == (4.0, None)


def test_service_request_keeps_reason_references() -> None:
    view = parse_service_request({
        "resourceType": "ServiceRequest", "id": "s1",
        "reasonReference": [{"reference": "Condition/c9"}, {"display": "no reference"}, "junk"],
    })

    assert view.reason_references == ("Condition/c9",)


@pytest.mark.parametrize(
    ("abatement", "abated", "dated"),
    [
        ({"abatementDateTime": "2026-02-01"}, True, True),
        ({"abatementPeriod": {"end": "2026-02-01"}}, True, True),
        ({"abatementPeriod": {"start": "2026-02-01"}}, True, True),  # abated since then
        ({"abatementPeriod": {}}, True, False),  # abated, when not written
        ({"abatementBoolean": True}, True, False),
        ({"abatementString": "after catheter"}, True, False),
        ({"abatementAge": {"value": 40, "unit": "a"}}, True, False),
        ({"abatementRange": {"low": {"value": 40, "unit": "a"}}}, True, False),
        ({"abatementBoolean": False}, False, False),
        ({}, False, False),
    ],
)
def test_every_abatement_form_says_the_condition_ended(abatement: dict[str, Any], abated: bool,
                                                        dated: bool) -> None:
    """R4 abatement[x]: every form but a false boolean says the Condition ended; only two carry a date (an
    undated one reads "date not recorded" on a red-flag card, PATHWAY.md §2)."""
    view = parse_condition({"resourceType": "Condition", "id": "c1", **abatement})
    assert (view.abated, view.abatement is not None) == (abated, dated)


def test_an_abatement_period_with_only_a_start_is_dated_by_its_start() -> None:
    """A retention "abated since" last week, the period left open: it ended then, not at an unknown time."""
    raw = {"resourceType": "Condition", "id": "c1", "abatementPeriod": {"start": "2026-03-06"}}
    view = parse_condition(raw)
    assert view.abatement == parse_fhir_date("2026-03-06")


@pytest.mark.parametrize(
    ("concept", "text"),
    [
        ({"text": "No", "coding": [{"system": "urn:local", "code": "N", "display": "Nope"}]}, "No"),
        ({"coding": [{"system": "urn:local", "code": "Y", "display": "Yes"}]}, "Yes"),  # first display
        ({"coding": [{"system": "urn:local", "code": "Y"}]}, None),
    ],
)
def test_observation_keeps_the_words_of_a_coded_answer(concept: dict[str, Any], text: str | None) -> None:
    """A flowsheet answers with its own codes: their words decide whether the finding is asserted (§2)."""
    view = parse_observation({"resourceType": "Observation", "id": "o1", "valueCodeableConcept": concept})
    assert view.value_text == text


@pytest.mark.parametrize(("age", "years"), [
    ({"value": 45, "unit": "a", "code": "a", "system": "http://unitsofmeasure.org"}, 45.0),
    ({"value": 45, "unit": "years"}, 45.0),  # no UCUM code, the unit as a word
    ({"value": 45, "unit": "yr"}, 45.0),
    ({"value": 6, "unit": "months"}, 0.5),
    ({"value": 45, "unit": "years", "system": "http://snomed.info/sct", "code": "258707000"}, 45.0),
    ({"value": 45, "unit": "years", "code": "YRS"}, 45.0),  # a code not known: its word
    ({"value": 45, "unit": "kg"}, None),
    ({"value": True, "unit": "a"}, None),
])
def test_onset_age_reads_its_unit_as_ucum_code_or_as_a_word(age: dict[str, Any], years: float | None) -> None:
    view = parse_condition({"resourceType": "Condition", "id": "c1", "onsetAge": age})
    assert view.onset_age_years == years


"""How exports write a code and its system (docs/pathway-facts.md "Twelfth pass: codes, statuses and record
metadata"). ``raw_decision.decide`` adds each resource to a 19-day lumbar radiculopathy (begun 2026-02-20)
and decides a lumbar MRI ordered on 2026-03-11: R1 (defer) without a red flag.

PATHWAY.md §6 matches on (system, code). HL7 v2 feeds converted to FHIR, and CSV exports, name the system
by HL7's v2 mnemonic (table 0396: ``SCT``, ``I10``, ``LN``, ``RXNORM``, ``C4``) or by its plain name
(``SNOMED CT``, ``ICD-10-CM``), write a code as a JSON number, a SNOMED CT code with its term, or a system
with a version after ``|``. Each was read as no code at all: a cauda equina coded so was a defer."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import decide

from app.pathway.model import RedFlag
from app.terminology import CPT, ICD10CM, LOINC, RXNORM, SNOMED, canonical_system


def condition(system: str | None, code: object, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"code": code}
    if system is not None:
        coding["system"] = system
    if display is not None:
        coding["display"] = display
    return {"resourceType": "Condition", "id": "rf", "code": {"coding": [coding]},
            "onsetDateTime": "2026-03-05"}


@pytest.mark.parametrize(("system", "code"), [
    ("SCT", "192970008"), ("SNOMED CT", "192970008"), ("SNOMED-CT", "192970008"),
    ("SNOMEDCT_US", "192970008"), ("snomed", "192970008"),
    ("I10", "G83.4"), ("I10C", "G83.4"), ("ICD-10-CM", "G834"), ("ICD10CM", "g83.4"), ("ICD-10", "G83.4"),
    ("ICD10", "G83.4"),
    ("I9CDX", "344.60"), ("ICD-9-CM", "344.61"), ("I9C", "34460"),
    ("http://hl7.org/fhir/sid/icd-10-cm|2024", "G83.4"),      # a canonical's version written into the system
    ("http://snomed.info/sct|20240301", "192970008"),
])
def test_r5_a_cauda_equina_under_the_systems_name_or_v2_mnemonic(system: str, code: str) -> None:
    """HL7's own v2 mnemonics (THO NamingSystem "Other" identifiers) and the systems' plain names are the
    same systems: a cauda equina coded under them was no code, R1 (defer)."""
    decision = decide(condition(system, code))

    assert RedFlag.CES in decision.facts.red_flags
    assert decision.rules[0] == "R5"


def test_r5_a_snomed_code_written_as_a_json_number() -> None:
    """A CSV conversion writes the SCTID as a number: it was dropped (R1)."""
    assert decide(condition(SNOMED, 192970008)).rules[0] == "R5"


@pytest.mark.parametrize(("system", "code"), [
    (SNOMED, "192970008 |Cauda equina syndrome (disorder)|"),  # SNOMED CT's compositional grammar
    (SNOMED, "192970008 - Cauda equina syndrome"), (SNOMED, "192970008 Cauda equina syndrome"),  # a sheet
    (SNOMED, '"192970008"'), (ICD10CM, '"G83.4"'), (ICD10CM, "'G83.4'"),  # a CSV's quotes kept in the value
])
def test_r5_a_code_written_with_its_term_or_in_quotes(system: str, code: str) -> None:
    """Before: no code (R1). An ICD-10-CM code followed by its description was read already (the header
    rule takes any character after a listed code)."""
    assert decide(condition(system, code)).rules[0] == "R5"


@pytest.mark.parametrize("code", ["1929700089", "19297000", "A192970008 |x|", "12345 |too short|"])
def test_r1_another_snomed_id_is_not_cauda_equina(code: str) -> None:
    assert RedFlag.CES not in decide(condition(SNOMED, code)).facts.red_flags


@pytest.mark.parametrize(("system", "code"), [
    ("SCT", "386661006"), ("I10", "R50.9"), (ICD10CM, 5095),  # a fever's code elsewhere; a number, not ICD
    ("LOCAL", "192970008"), ("SNOMED CT", "G83.4"), ("I9CP", "344.60"),  # ICD-9-CM *procedures*: never read
    ("http://example.org/sct", "192970008"), ("urn:oid:1.2.840.114350.1.13.0.1.7.2.696871", "G83.4"),
    (ICD10CM, True),
])
def test_r1_no_cauda_equina_under_another_or_a_local_system(system: str, code: object) -> None:
    """Only the systems' own names and mnemonics are read: a local system (an Epic OID, a site URL, a word
    that names no standard), ICD-9-CM procedures, a code of the wrong system, a boolean stay unread."""
    assert RedFlag.CES not in decide(condition(system, code)).facts.red_flags


@pytest.mark.parametrize(("name", "canonical"), [
    ("LN", LOINC), ("LOINC", LOINC), ("RXNORM", RXNORM), ("RxNorm", RXNORM), ("C4", CPT), ("CPT-4", CPT),
    ("CPT", CPT), ("SCT", SNOMED), ("I10", ICD10CM), ("ICD-10-CM", ICD10CM),
])
def test_canonical_system_reads_the_names_of_every_system_the_pathway_matches(name: str, canonical: str
                                                                             ) -> None:
    assert canonical_system(name) == canonical


def test_r7_a_temperature_under_loinc_v2_mnemonic_and_ibuprofen_under_rxnorms_name() -> None:
    """A lab feed's ``LN`` and a pharmacy feed's ``RXNORM``: the fever counted, the NSAID is care."""
    fever = {"resourceType": "Observation", "id": "t", "status": "final", "effectiveDateTime": "2026-03-09",
             "code": {"coding": [{"system": "LN", "code": "8310-5"}]},
             "valueQuantity": {"value": 39.2, "unit": "Cel", "system": "http://unitsofmeasure.org",
                               "code": "Cel"}}
    assert decide(fever).rules[0] == "R7"
    ibuprofen = {"resourceType": "MedicationRequest", "id": "m", "status": "active", "intent": "order",
                 "authoredOn": "2026-03-01",
                 "medicationCodeableConcept": {"coding": [{"system": "RXNORM", "code": 5640}]}}
    assert decide(ibuprofen).facts.conservative_care


def screen(value: dict[str, Any]) -> dict[str, Any]:
    """A cauda equina screen row (coded with the finding it screens for) answered ``value``."""
    return {"resourceType": "Observation", "id": "q", "status": "final", "effectiveDateTime": "2026-03-09",
            "code": {"coding": [{"system": SNOMED, "code": "192970008"}]}, "valueCodeableConcept": value}


@pytest.mark.parametrize("code", ["373067005 |No (qualifier value)|", '"373067005"', "2667000 |Absent|",
                                  "373067005 - No"])
def test_r1_a_screen_answered_no_with_its_term_is_no(code: str) -> None:
    """PATHWAY.md §2: a negated Observation never counts. A No written with its term was a SNOMED CT code
    that is no answer, read as a finding: R5 critical on a careful negative screen. Now a No."""
    decision = decide(screen({"coding": [{"system": SNOMED, "code": code}]}))

    assert RedFlag.CES not in decision.facts.red_flags
    assert decision.rules[0] == "R1"


@pytest.mark.parametrize("value", [
    {"coding": [{"system": SNOMED, "code": "373066001 |Yes|"}]},
    {"coding": [{"system": "LN", "code": "LA33-6"}]},                 # Yes under LOINC's v2 mnemonic
    {"coding": [{"system": "SCT", "code": 373066001}]},
])
def test_r5_a_screen_answered_yes_however_coded(value: dict[str, Any]) -> None:
    assert decide(screen(value)).rules[0] == "R5"

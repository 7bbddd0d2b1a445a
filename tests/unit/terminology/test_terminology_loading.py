"""`load_value_sets` reads the data once and refuses malformed files, naming them (PATHWAY.md §6)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from app.terminology import Coding, load_value_sets
from app.terminology.valuesets import CPT, ICD10CM

DATA = Path(__file__).resolve().parents[3] / "app" / "terminology" / "data"


def good(concept: str = "demo") -> dict[str, Any]:
    return {
        "concept": concept,
        "title": "Demo",
        "source": "test",
        "codes": [{"system": ICD10CM, "code": "M54.16", "display": "Radiculopathy, lumbar region"}],
        "ranges": [{"system": ICD10CM, "from": "C00", "to": "C96", "display": "Malignant neoplasms"}],
    }


def write(directory: Path, name: str, doc: object) -> Path:
    path = directory / f"{name}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_a_well_formed_file_loads(tmp_path: Path) -> None:
    write(tmp_path, "demo", good())

    value_sets = load_value_sets(tmp_path)

    assert value_sets.concepts == ("demo",)
    assert value_sets.get("demo").title == "Demo"


def test_invalid_json_fails_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"concept": "broken",', encoding="utf-8")

    with pytest.raises(ValueError, match=r"broken\.json"):
        load_value_sets(tmp_path)


def _without(key: str) -> dict[str, Any]:
    doc = good()
    del doc[key]
    return doc


RADICULOPATHY = "Radiculopathy, lumbar region"  # the display of good()'s code


def _with_code(**changes: Any) -> dict[str, Any]:
    doc = good()
    doc["codes"][0].update(changes)
    return doc


def _with_second_code(**changes: Any) -> dict[str, Any]:
    doc = good()
    doc["codes"].append({**doc["codes"][0], **changes})
    return doc


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "Input should be an object"),
        (_without("concept"), "concept: Field required"),
        (_without("codes"), "codes: Field required"),
        ({**good(), "range": []}, "range: Extra inputs are not permitted"),
        (_with_code(system="http://snomed.info/sct/"), "codes: M54.16: unknown system"),
        (_with_code(code=""), "codes.0.code: String should have at least 1 character"),
        (_with_code(code="M5"), "codes.0: 'M5' is too short"),
        (_with_code(attributes={"region": 3}), r"codes.0.attributes.region: Input should be a valid string"),
        (_with_code(verify="yes"), "codes.0.verify: Input should be a valid boolean"),
        ({**good(), "codes": [good()["codes"][0]] * 2}, "codes: duplicate code http://hl7.org/fhir/sid/icd-10-cm|M5416"),
        ({**good(), "ranges": [{"system": "http://loinc.org", "from": "1", "to": "2"}]},
         "ICD-10-CM or ICD-9-CM only"),
        ({**good(), "ranges": [{"system": ICD10CM, "from": "C96", "to": "C00"}]}, "3-character"),
        ({**good(), "ranges": [{"system": ICD10CM, "from": "C50.1", "to": "C96"}]}, "3-character"),
        ({**good(), "codes": [], "ranges": []}, "no codes and no ranges"),
        ({**good(), "text_match": 1}, "text_match: Input should be a valid boolean"),
        ({**good(), "concept": "Demo"}, "concept: concept 'Demo' must be snake_case"),
        (_with_code(display=" "), "codes.0.display: String should have at least 1 character"),
        (_with_second_code(code=" m5416"), "duplicate code"),
        ({**_with_second_code(code="M54.17"), "text_match": True}, "duplicate display or name radicul"),
        ({**_with_second_code(code="M54.17", display="Sciatica", names=[RADICULOPATHY]), "text_match": True},
         "codes: duplicate display or name radicul"),
        (_with_code(names=["Sciatica"]), "codes: names are read only with text_match"),
        ({**good(), "ranges": [{**good()["ranges"][0], "display": 3}]}, "ranges.0.display"),
        (_with_code(system="urn:site:flowsheet"), "unknown system 'urn:site:flowsheet'"),
    ],
)
def test_malformed_file_fails_naming_the_file_and_the_fault(
    tmp_path: Path, doc: object, message: str
) -> None:
    write(tmp_path, "demo", doc)

    with pytest.raises(ValueError, match=message) as error:
        load_value_sets(tmp_path)

    assert "demo.json" in str(error.value)


def test_two_files_cannot_define_the_same_concept(tmp_path: Path) -> None:
    write(tmp_path, "demo", good("demo"))
    write(tmp_path, "demo_copy", good("demo"))

    with pytest.raises(ValueError, match=r"demo_copy\.json: concept 'demo' is not the file name"):
        load_value_sets(tmp_path)


def test_imaging_attributes_use_the_closed_vocabulary(tmp_path: Path) -> None:
    doc = good("spine_imaging")
    doc["ranges"] = []
    doc["codes"] = [
        {
            "system": "http://www.ama-assn.org/go/cpt",
            "code": "72148",
            "display": "MRI",
            "attributes": {"region": "lumbar", "modality": "MRI", "contrast": "without"},
        }
    ]
    write(tmp_path, "spine_imaging", doc)

    with pytest.raises(ValueError, match=r"spine_imaging\.json: .*modality='MRI' is not allowed"):
        load_value_sets(tmp_path)


def test_a_site_extensible_concept_takes_site_code_systems_and_may_ship_empty(tmp_path: Path) -> None:
    """PATHWAY.md §3 motor strength: the site adds its own flowsheet rows (any URI with a scheme)."""
    row = {"system": "urn:site:flowsheet", "code": "MMT-1", "display": "Muscle strength"}
    write(tmp_path, "demo", {**good(), "site_extensible": True, "codes": [row], "ranges": []})
    write(tmp_path, "empty", {**good("empty"), "site_extensible": True, "codes": [], "ranges": []})

    value_sets = load_value_sets(tmp_path)

    assert value_sets.contains("demo", Coding("urn:site:flowsheet", "MMT-1"))
    assert value_sets.get("empty").members == ()


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"region": "lumbar", "modality": "mri"}, r"72148: attributes must be exactly"),
        ({"region": "sacral", "modality": "mri", "contrast": "without"}, r"72148: region='sacral' is not"),
    ],
)
def test_attributes_read_by_code_are_complete_and_closed(
    tmp_path: Path, attributes: dict[str, str], message: str
) -> None:
    code = {"system": CPT, "code": "72148", "display": "MRI", "attributes": attributes}
    write(tmp_path, "spine_imaging", {**good("spine_imaging"), "codes": [code], "ranges": []})

    with pytest.raises(ValueError, match=rf"spine_imaging\.json: code {message}"):
        load_value_sets(tmp_path)


def test_a_concept_with_attributes_has_no_ranges(tmp_path: Path) -> None:
    code = {"system": CPT, "code": "72148", "display": "MRI",
            "attributes": {"region": "lumbar", "modality": "mri", "contrast": "without"}}
    write(tmp_path, "spine_imaging", {**good("spine_imaging"), "codes": [code]})

    with pytest.raises(ValueError, match=r"spine_imaging\.json: concept 'spine_imaging': codes with attr"):
        load_value_sets(tmp_path)


def test_an_empty_directory_fails(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no value set files"):
        load_value_sets(tmp_path)


def test_version_is_stable_and_follows_the_data(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    before = load_value_sets(copy).version

    assert before == load_value_sets().version
    assert len(before) == 12
    write(copy, "demo", good())
    assert load_value_sets(copy).version != before

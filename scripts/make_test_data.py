"""Write the FHIR test patients under tests/fixtures/patients/, reproducibly.

Two kinds, both as R4 ``transaction`` Bundles of ``PUT Type/id`` entries (ids are kept, reloading is
idempotent):

- ``spine/``: hand-made pathway patients, every date relative to ``EVALUATION_DATE`` (the orders the
  tests send carry ``authoredOn = EVALUATION_DATE``, so no clock is involved);
- ``ehr/``: charts shaped like EHR exports (``scripts/ehr_charts.py``), each with the decision expected;
- ``synthea/``: a seeded PySynthea population (seed AND reference date pinned: same inputs, same bytes),
  slimmed to what the prefetch templates read, so the files stay small enough to commit.

``manifest.json`` lists every patient with the order to rate. ``--check`` regenerates into a temporary
directory and fails if anything differs from the committed files.

    python scripts/make_test_data.py            # write tests/fixtures/patients/
    python scripts/make_test_data.py --check    # verify the committed files are what the script makes
    python scripts/bulk_export.py DIR --patients 5000  # a Bulk Data export for replay
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.util
import json
import sys
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "patients"
EVALUATION_DATE = date(2025, 6, 2)
SYNTHEA_SEED = 42
SYNTHEA_REFERENCE_DATE = datetime(2025, 6, 1)
SYNTHEA_POPULATION = 3

ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
UCUM = "http://unitsofmeasure.org"
# What the prefetch templates ask for (app/fhir/templates.py): Observations by code or by category,
# DiagnosticReports by spine imaging code, every resource of the other types.
TEMPLATE_LOINC = {"8310-5", "72514-3", "30341-2", "4537-7", "1988-5", "30522-7", "6690-2", "75325-1"}
TEMPLATE_CATEGORIES = {"exam", "survey", "social-history"}
KEPT_TYPES = ("Patient", "Condition", "Observation", "Procedure", "MedicationRequest", "MedicationStatement",
              "Encounter", "ImagingStudy", "DiagnosticReport", "ServiceRequest")
LUMBAR_MRI = {"system": CPT, "code": "72148", "display": "MRI lumbar spine without contrast"}
CERVICAL_MRI = {"system": CPT, "code": "72141", "display": "MRI cervical spine without contrast"}

# Chronic problems that pad the many-conditions patient past SEKMET's default page of 20.
FILLER_CONDITIONS = [
    ("I10", "Essential (primary) hypertension"),
    ("E11.9", "Type 2 diabetes mellitus without complications"),
    ("E78.5", "Hyperlipidemia, unspecified"),
    ("J45.909", "Unspecified asthma, uncomplicated"),
    ("K21.9", "Gastro-esophageal reflux disease without esophagitis"),
    ("F41.1", "Generalized anxiety disorder"),
    ("E03.9", "Hypothyroidism, unspecified"),
    ("G47.33", "Obstructive sleep apnea"),
    ("M17.11", "Unilateral primary osteoarthritis, right knee"),
    ("N40.0", "Benign prostatic hyperplasia"),
    ("H40.9", "Unspecified glaucoma"),
    ("I48.91", "Unspecified atrial fibrillation"),
    ("E66.9", "Obesity, unspecified"),
    ("J30.9", "Allergic rhinitis, unspecified"),
    ("L40.0", "Psoriasis vulgaris"),
    ("K58.9", "Irritable bowel syndrome without diarrhea"),
    ("G43.909", "Migraine, unspecified"),
    ("F32.A", "Depression, unspecified"),
    ("I25.10", "Atherosclerotic heart disease of native coronary artery"),
    ("N18.3", "Chronic kidney disease, stage 3"),
    ("D64.9", "Anemia, unspecified"),
    ("M10.9", "Gout, unspecified"),
    ("H25.9", "Unspecified age-related cataract"),
    ("Z87.891", "Personal history of nicotine dependence"),
]


def day(offset: int) -> str:
    """A date ``offset`` days before the evaluation date (positive = in the past)."""
    return (EVALUATION_DATE - timedelta(days=offset)).isoformat()


# --- hand-made spine patients ------------------------------------------------------------------------


class PatientBuilder:
    """Collects the resources of one hand-made patient; ids are ``<patient id>-<kind>-<n>``."""

    def __init__(self, pid: str, birth: str, gender: str, given: str) -> None:
        self.pid = pid
        self.resources: list[dict[str, Any]] = [{
            "resourceType": "Patient", "id": pid, "gender": gender, "birthDate": birth,
            "name": [{"family": "Spine", "given": [given]}],
        }]

    def _add(self, resource_type: str, body: dict[str, Any]) -> None:
        n = sum(r["resourceType"] == resource_type for r in self.resources) + 1
        self.resources.append({"resourceType": resource_type, "id": f"{self.pid}-{resource_type.lower()}-{n}",
                               "subject": {"reference": f"Patient/{self.pid}"}, **body})

    def condition(self, code: str, display: str, *, onset: int | None, recorded: int | None = None,
                  active: bool = True) -> PatientBuilder:
        body: dict[str, Any] = {
            "clinicalStatus": _concept("http://terminology.hl7.org/CodeSystem/condition-clinical",
                                       "active" if active else "resolved"),
            "verificationStatus": _concept("http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                           "confirmed"),
            "category": [_concept("http://terminology.hl7.org/CodeSystem/condition-category",
                                  "problem-list-item")],
            "code": {"coding": [{"system": ICD10, "code": code, "display": display}], "text": display},
        }
        if onset is not None:
            body["onsetDateTime"] = day(onset)
        body["recordedDate"] = day(recorded if recorded is not None else onset or 0)
        self._add("Condition", body)
        return self

    def temperature(self, celsius: float, on: int) -> PatientBuilder:
        self._add("Observation", {
            "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "8310-5", "display": "Body temperature"}]},
            "effectiveDateTime": day(on),
            "valueQuantity": {"value": celsius, "unit": "Cel", "system": UCUM, "code": "Cel"},
        })
        return self

    def pain(self, score: int, on: int) -> PatientBuilder:
        self._add("Observation", {
            "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "72514-3", "display": "Pain severity"}]},
            "effectiveDateTime": day(on), "valueQuantity": {"value": score, "unit": "{score}", "system": UCUM,
                                                            "code": "{score}"},
        })
        return self

    def medication(self, rxnorm: str, display: str, on: int) -> PatientBuilder:
        self._add("MedicationRequest", {
            "status": "active", "intent": "order", "authoredOn": day(on),
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": rxnorm, "display": display}]},
        })
        return self

    def procedure(self, cpt: str, display: str, on: int) -> PatientBuilder:
        self._add("Procedure", {
            "status": "completed", "performedDateTime": day(on),
            "code": {"coding": [{"system": CPT, "code": cpt, "display": display}]},
        })
        return self

    def imaging(self, cpt: str, display: str, modality: str, on: int) -> PatientBuilder:
        self._add("ImagingStudy", {
            "status": "available", "started": day(on), "description": display,
            "procedureCode": [{"coding": [{"system": CPT, "code": cpt, "display": display}]}],
            "modality": [{"system": DICOM, "code": modality}],
            "series": [{"uid": f"1.2.840.99999.{on}", "modality": {"system": DICOM, "code": modality}}],
        })
        return self


def _concept(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def spine_patients() -> Iterator[tuple[PatientBuilder, dict[str, Any], str]]:
    """(patient, order coding, what it shows). Ages are at the evaluation date."""
    yield (PatientBuilder("spine-lumbar-day20", "1980-03-14", "female", "Lumbar")
           .condition("M54.16", "Radiculopathy, lumbar region", onset=20)
           .pain(6, on=20), LUMBAR_MRI, "lumbar radiculopathy for 20 days, no red flags")
    yield (PatientBuilder("spine-cauda-equina", "1973-07-02", "male", "Cauda")
           .condition("M54.16", "Radiculopathy, lumbar region", onset=10)
           .condition("G83.4", "Cauda equina syndrome", onset=1)
           .condition("R33.9", "Retention of urine, unspecified", onset=1),
           LUMBAR_MRI, "cauda equina syndrome with new urinary retention")
    many = PatientBuilder("spine-many-conditions", "1958-11-23", "male", "Many")
    for index, (code, display) in enumerate(FILLER_CONDITIONS):
        many.condition(code, display, onset=400 + 30 * index)
    yield (many.condition("M54.17", "Radiculopathy, lumbosacral region", onset=60)
           .medication("7258", "naproxen", on=55)
           .procedure("97110", "Therapeutic exercises", on=40),
           LUMBAR_MRI, f"{len(FILLER_CONDITIONS) + 1} conditions (pages), radiculopathy 60 days, "
           "conservative care")
    yield (PatientBuilder("spine-onset-unknown", "1985-01-30", "female", "Unknown")
           .condition("M54.16", "Radiculopathy, lumbar region", onset=None, recorded=30),
           LUMBAR_MRI, "radiculopathy without onset: duration unverified")
    yield (PatientBuilder("spine-fever", "1969-05-05", "male", "Fever")
           .condition("M54.16", "Radiculopathy, lumbar region", onset=15)
           .temperature(38.6, on=2),
           LUMBAR_MRI, "radiculopathy for 15 days with a fever of 38.6 C two days ago")
    yield (PatientBuilder("spine-prior-mri", "1975-09-19", "female", "Prior")
           .condition("M54.16", "Radiculopathy, lumbar region", onset=150)
           .medication("5640", "ibuprofen", on=140)
           .procedure("97110", "Therapeutic exercises", on=120)
           .imaging("72148", "MRI lumbar spine without contrast", "MR", on=90),
           LUMBAR_MRI, "lumbar MRI 90 days ago, no surgery since")
    yield (PatientBuilder("spine-cervical-day10", "1982-12-01", "male", "Cervical")
           .condition("M54.12", "Radiculopathy, cervical region", onset=10),
           CERVICAL_MRI, "cervical radiculopathy for 10 days")


# --- the seeded Synthea population -------------------------------------------------------------------


def synthea_bundles(seed: int = SYNTHEA_SEED, reference_date: datetime = SYNTHEA_REFERENCE_DATE,
                    population: int = SYNTHEA_POPULATION) -> list[dict[str, Any]]:
    """PySynthea with pinned seed and reference date (without ``reference_date`` it follows the clock).

    The defaults make the test fixtures; demo/background.py passes its own."""
    from synthea.engine.generator import Generator, GeneratorOptions
    from synthea.helpers.config import Config

    options = GeneratorOptions()
    options.population_size = population
    options.seed = seed
    options.reference_date = reference_date
    options.reference_date_explicit = True
    config = Config()
    config.load()
    with tempfile.TemporaryDirectory(prefix="synthea-") as scratch:
        config.set("exporter.baseDirectory", scratch)
        generator = Generator(options, config=config)
        exporter = next(e for e in generator.exporter.patient_exporters if type(e).__name__ == "FHIRExporter")
        people = (generator.generate_person(index) for index in range(population))
        bundles = (exporter.create_bundle(person) for person in people if person is not None)
        return [json.loads(json.dumps(bundle, default=str)) for bundle in bundles]


def slim(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """Only the types and Observation codes the templates read, no narratives, ``urn:uuid`` → ``Type/id``."""
    references = {e["fullUrl"]: f"{e['resource']['resourceType']}/{e['resource']['id']}"
                  for e in bundle["entry"]}
    kept = [e["resource"] for e in bundle["entry"] if _keep(e["resource"])]
    return [_relink({k: v for k, v in r.items() if k != "text"}, references) for r in kept]


def _keep(resource: dict[str, Any]) -> bool:
    kind = resource["resourceType"]
    if kind not in KEPT_TYPES:
        return False
    codes = {c.get("code") for c in resource.get("code", {}).get("coding", [])}
    if kind == "DiagnosticReport":
        return bool(codes & _report_codes())
    if kind != "Observation":
        return True
    concepts = resource.get("category", [])
    categories = {c.get("code") for concept in concepts for c in concept.get("coding", [])}
    return bool(codes & TEMPLATE_LOINC or categories & TEMPLATE_CATEGORIES)


def _report_codes() -> set[str]:
    from app.fhir.templates import REPORT_VALUE_SETS
    from app.terminology import load_value_sets

    sets = load_value_sets()
    return {m.coding.code for name in REPORT_VALUE_SETS for m in sets.get(name).members}


def _relink(value: Any, references: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: references.get(item, item) if key == "reference" else _relink(item, references)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_relink(v, references) for v in value]
    return value


# --- writing -----------------------------------------------------------------------------------------


def transaction(resources: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": f"urn:spine-cds:{r['resourceType']}/{r['id']}", "resource": r,
         "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}} for r in resources
    ]}


def write_bundle(path: Path, bundle: dict[str, Any]) -> None:
    """One entry per line: compact enough to commit, and a diff still shows which resource changed."""
    entries = ",\n".join(json.dumps(e, sort_keys=True, ensure_ascii=False) for e in bundle["entry"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'{{"resourceType": "Bundle", "type": "transaction", "entry": [\n{entries}\n]}}\n')


def manifest_entry(path: Path, resources: list[dict[str, Any]], order: dict[str, Any], about: str,
                   root: Path) -> dict[str, Any]:
    return {
        "id": resources[0]["id"],
        "file": path.relative_to(root).as_posix(),
        "conditions": sum(r["resourceType"] == "Condition" for r in resources),
        "order": order,
        "about": about,
    }


def generate(root: Path, *, synthea: bool = True) -> None:
    patients = []
    for builder, order, about in spine_patients():
        path = root / "spine" / f"{builder.pid}.json"
        write_bundle(path, transaction(builder.resources))
        patients.append(manifest_entry(path, builder.resources, order, about, root))
    for resources, order, about, expected in _ehr_charts().ehr_patients(EVALUATION_DATE):
        path = root / "ehr" / f"{resources[0]['id']}.json"
        write_bundle(path, transaction(resources))
        patients.append({**manifest_entry(path, resources, order, about, root), "expected": expected})
    if synthea:
        for bundle in synthea_bundles():
            resources = slim(bundle)
            assert resources[0]["resourceType"] == "Patient"
            path = root / "synthea" / f"{resources[0]['id']}.json"
            write_bundle(path, transaction(resources))
            patients.append(manifest_entry(path, resources, LUMBAR_MRI, "Synthea", root))
    manifest = {
        "evaluation_date": EVALUATION_DATE.isoformat(),
        "synthea": {"seed": SYNTHEA_SEED, "reference_date": SYNTHEA_REFERENCE_DATE.date().isoformat(),
                    "population": SYNTHEA_POPULATION},
        "patients": patients,
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def _ehr_charts() -> ModuleType:
    """scripts/ehr_charts.py, loaded by path: demo/background.py loads this file by path too, so the
    scripts directory is not on ``sys.path``."""
    spec = importlib.util.spec_from_file_location("ehr_charts", Path(__file__).with_name("ehr_charts.py"))
    if spec is None or spec.loader is None:
        raise ImportError("scripts/ehr_charts.py not found")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def differences(left: Path, right: Path) -> list[str]:
    compared = filecmp.dircmp(left, right)
    found = [*compared.left_only, *compared.right_only, *compared.diff_files, *compared.funny_files]
    for name, sub in compared.subdirs.items():
        found += [f"{name}/{item}" for item in differences(Path(sub.left), Path(sub.right))]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="regenerate and compare with --out")
    args = parser.parse_args(argv)
    if not args.check:
        generate(args.out)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        generate(Path(scratch))
        changed = differences(args.out, Path(scratch))
    for name in changed:
        print(f"differs: {name}", file=sys.stderr)
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())

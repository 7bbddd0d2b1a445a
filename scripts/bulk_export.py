"""Write a FHIR Bulk Data ``$export``-shaped folder for ``spine-cds replay``:
``python scripts/bulk_export.py DIR --patients 100 [--gzip] [--slim]``.

One NDJSON file per resource type (``Condition.ndjson``, rolled to ``Condition.2.ndjson`` every
``ROLL_LINES`` resources; ``.ndjson.gz`` with ``--gzip``) and a ``manifest.json`` as the export's status
answer lists them. Reproducible: the same arguments write the same bytes.

Where the patients come from (the data compromise, said plainly): PySynthea makes about one patient per
2–3 seconds, so a pool of ``--synthea-pool`` seeded Synthea patients is generated once and patient ``k``
is pool patient ``k mod pool`` under new ids (every UUID gets the suffix ``-k``). What makes each patient
a spine case is drawn per patient from a seeded generator: a back or neck story (``SCENARIOS``: early
and persistent radiculopathy, onset unknown, cauda equina, fever, cancer history, repeat MRI, myelopathy,
no diagnosis) and one to three spine imaging orders dated over the two years before the reference date,
each by one of a pool of requesting clinicians. A few lines are deliberately broken (``--malformed-every``)
so that a replay shows it skips and counts them.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import re
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import make_test_data as base

EXPORT_TYPES = ("Patient", "Encounter", "Condition", "Observation", "Procedure", "MedicationRequest",
                "ImagingStudy", "DiagnosticReport", "Immunization", "ServiceRequest")
ROLL_LINES = 50_000
SPAN_DAYS = 730
SNOMED = "http://snomed.info/sct"
_UUID = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
ORDERS = {
    "lumbar-mri": ("72148", "MRI lumbar spine without contrast"),
    "lumbar-mri-contrast": ("72158", "MRI lumbar spine without and with contrast"),
    "lumbar-ct": ("72131", "CT lumbar spine without contrast"),
    "cervical-mri": ("72141", "MRI cervical spine without contrast"),
}


# --- the Synthea pool --------------------------------------------------------------------------------


def synthea_pool(size: int, seed: int, *, slim: bool) -> list[list[tuple[str, str]]]:
    """Per pool patient: (type, JSON text) of every exported resource, narratives dropped, links relative."""
    pool = []
    for bundle in base.synthea_bundles(seed=seed, population=size):
        references = {e["fullUrl"]: f"{e['resource']['resourceType']}/{e['resource']['id']}"
                      for e in bundle["entry"]}
        kept = [e["resource"] for e in bundle["entry"] if _exported(e["resource"], slim)]
        resources = [base._relink({k: v for k, v in r.items() if k != "text"}, references) for r in kept]
        pool.append([(r["resourceType"], json.dumps(r, sort_keys=True)) for r in resources])
    return pool


def _exported(resource: dict[str, Any], slim: bool) -> bool:
    if resource["resourceType"] not in EXPORT_TYPES:
        return False
    return base._keep(resource) if slim and resource["resourceType"] in base.KEPT_TYPES else not slim


def clone(patient: list[tuple[str, str]], index: int) -> tuple[str, list[tuple[str, str]]]:
    """Pool patient under new ids: every UUID (ids, references, identifiers) gets ``-<index>``."""
    suffix = f"-{index}"
    lines = [(kind, _UUID.sub(lambda m: m.group(1) + suffix, text)) for kind, text in patient]
    patient_id = json.loads(next(text for kind, text in lines if kind == "Patient"))["id"]
    return patient_id, lines


# --- the spine story ---------------------------------------------------------------------------------


class Story:
    """The spine resources of one patient, dated relative to each order (``ago(n)`` = n days before)."""

    def __init__(self, patient_id: str, rng: random.Random) -> None:
        self.patient_id, self.rng, self.resources = patient_id, rng, []
        self.at = datetime(2025, 6, 1)

    def ago(self, days: int) -> str:
        return (self.at - timedelta(days=days)).date().isoformat()

    def add(self, kind: str, body: dict[str, Any]) -> None:
        n = sum(r["resourceType"] == kind for r in self.resources) + 1
        self.resources.append({"resourceType": kind, "id": f"{self.patient_id}-sp-{kind[:4].lower()}{n}",
                               "subject": {"reference": f"Patient/{self.patient_id}"}, **body})

    def condition(self, code: str, display: str, onset: int | None, recorded: int | None = None) -> None:
        body: dict[str, Any] = {
            "clinicalStatus": base._concept("http://terminology.hl7.org/CodeSystem/condition-clinical",
                                            "active"),
            "verificationStatus": base._concept("http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                                "confirmed"),
            "category": [base._concept("http://terminology.hl7.org/CodeSystem/condition-category",
                                       "problem-list-item")],
            "code": {"coding": [{"system": base.ICD10, "code": code, "display": display}], "text": display},
            "recordedDate": self.ago(recorded if recorded is not None else onset or 0),
        }
        if onset is not None:
            body["onsetDateTime"] = self.ago(onset)
        self.add("Condition", body)

    def naproxen(self, ago: int) -> None:
        self.add("MedicationRequest", {
            "status": "completed", "intent": "order", "authoredOn": self.ago(ago),
            "medicationCodeableConcept": {"coding": [{"system": base.RXNORM, "code": "198013",
                                                      "display": "naproxen 500 MG Oral Tablet"}]}})

    def physical_therapy(self, ago: int) -> None:
        self.add("Procedure", {"status": "completed", "performedDateTime": self.ago(ago), "code": {
            "coding": [{"system": base.CPT, "code": "97110", "display": "Therapeutic exercises"}]}})

    def fever(self, ago: int) -> None:
        celsius = round(self.rng.uniform(38.2, 39.5), 1)
        self.add("Observation", {"status": "final", "effectiveDateTime": self.ago(ago), "code": {
            "coding": [{"system": base.LOINC, "code": "8310-5", "display": "Body temperature"}]},
            "valueQuantity": {"value": celsius, "unit": "Cel", "system": base.UCUM, "code": "Cel"}})

    def prior_mri(self, ago: int) -> None:
        self.add("ImagingStudy", {
            "status": "available", "started": self.ago(ago), "description": ORDERS["lumbar-mri"][1],
            "procedureCode": [{"coding": [{"system": base.CPT, "code": "72148"}]}],
            "modality": [{"system": base.DICOM, "code": "MR"}]})

    def order(self, kind: str, requester: str, status: str, reason: str | None = None) -> None:
        code, display = ORDERS[kind]
        hour, minute = self.rng.randint(8, 17), self.rng.choice((0, 15, 30, 45))
        body: dict[str, Any] = {
            "status": status, "intent": "order",
            "category": [{"coding": [{"system": SNOMED, "code": "363679005", "display": "Imaging"}]}],
            "code": {"coding": [{"system": base.CPT, "code": code, "display": display}], "text": display},
            "authoredOn": f"{self.ago(0)}T{hour:02d}:{minute:02d}:00+01:00",
            "requester": {"reference": requester},
        }
        if reason:
            body["reasonCode"] = [{"coding": [{"system": SNOMED, "code": reason}]}]
        self.add("ServiceRequest", body)


def _lumbar_early(s: Story) -> str:
    onset = s.rng.randint(3, 41)
    s.condition("M54.16", "Radiculopathy, lumbar region", onset, max(0, onset - 2))
    if s.rng.random() < 0.5:
        s.naproxen(max(1, onset - 2))
    return s.rng.choices(["lumbar-mri", "lumbar-ct", "lumbar-mri-contrast"], [85, 10, 5])[0]


def _lumbar_persistent(s: Story) -> str:
    onset = s.rng.randint(42, 200)
    s.condition("M51.16", "Intervertebral disc disorders with radiculopathy, lumbar region", onset, onset - 3)
    s.naproxen(onset - 5)
    if s.rng.random() < 0.6:
        s.physical_therapy(onset - 20)
    return "lumbar-mri"


def _cervical(s: Story) -> str:
    s.condition("M54.12", "Radiculopathy, cervical region", s.rng.randint(3, 150))
    return "cervical-mri"


def _onset_unknown(s: Story) -> str:
    s.condition("M54.16", "Radiculopathy, lumbar region", None, s.rng.randint(10, 60))
    return "lumbar-mri"


def _recent_sciatica(s: Story) -> None:
    s.condition("M54.16", "Radiculopathy, lumbar region", s.rng.randint(5, 30))


def _cauda_equina(s: Story) -> str:
    _recent_sciatica(s)
    s.condition("G83.4", "Cauda equina syndrome", 1)
    s.condition("R33.9", "Retention of urine, unspecified", 1)
    return "lumbar-mri"


def _fever(s: Story) -> str:
    _recent_sciatica(s)
    s.fever(s.rng.randint(1, 3))
    return "lumbar-mri"


def _cancer(s: Story) -> str:
    s.condition("Z85.3", "Personal history of malignant neoplasm of breast", s.rng.randint(1000, 3000))
    _recent_sciatica(s)
    return "lumbar-mri"


def _repeat_mri(s: Story) -> str:
    s.condition("M51.16", "Intervertebral disc disorders with radiculopathy, lumbar region",
                s.rng.randint(200, 300))
    s.prior_mri(s.rng.randint(30, 180))
    return "lumbar-mri"


def _myelopathy(s: Story) -> str:
    s.condition("M54.12", "Radiculopathy, cervical region", s.rng.randint(10, 40))
    s.condition("M47.12", "Other spondylosis with myelopathy, cervical region", s.rng.randint(2, 8))
    return "cervical-mri"


def _no_diagnosis(s: Story) -> str:
    return "lumbar-mri"


SCENARIOS: list[tuple[Callable[[Story], str], int]] = [
    (_lumbar_early, 32), (_lumbar_persistent, 20), (_cervical, 10), (_onset_unknown, 7), (_cauda_equina, 3),
    (_fever, 3), (_cancer, 4), (_repeat_mri, 7), (_myelopathy, 2), (_no_diagnosis, 12),
]


def spine_story(patient_id: str, rng: random.Random, clinicians: int) -> list[dict[str, Any]]:
    story = Story(patient_id, rng)
    last = datetime(2025, 6, 1)
    for _ in range(rng.choices([1, 2, 3], [80, 17, 3])[0]):
        story.at = last - timedelta(days=rng.randint(1, SPAN_DAYS // 2))
        last = story.at
        scenario = rng.choices([s for s, _ in SCENARIOS], [w for _, w in SCENARIOS])[0]
        kind = scenario(story)
        status = rng.choices(["completed", "active", "revoked", "entered-in-error"], [80, 10, 7, 3])[0]
        reason = "279039007" if scenario is _no_diagnosis else None
        story.order(kind, f"Practitioner/clinician-{rng.randint(1, clinicians)}", status, reason)
    return story.resources


# --- writing -----------------------------------------------------------------------------------------


class ExportWriter:
    """Rolling per-type NDJSON files and the manifest listing them."""

    def __init__(self, out: Path, *, gz: bool) -> None:
        self.out, self.gz = out, gz
        self.handles: dict[str, IO[str]] = {}
        self.counts: dict[str, int] = {}
        self.files: list[dict[str, Any]] = []
        self.current: dict[str, dict[str, Any]] = {}
        out.mkdir(parents=True, exist_ok=True)

    def write(self, kind: str, line: str) -> None:
        count = self.counts.get(kind, 0)
        if count % ROLL_LINES == 0:
            self._roll(kind, count // ROLL_LINES + 1)
        self.handles[kind].write(line + "\n")
        self.counts[kind] = count + 1
        self.current[kind]["count"] += 1

    def _roll(self, kind: str, number: int) -> None:
        if kind in self.handles:
            self.handles[kind].close()
        name = f"{kind}.ndjson" if number == 1 else f"{kind}.{number}.ndjson"
        name += ".gz" if self.gz else ""
        path = self.out / name
        handle = gzip.GzipFile(path, "wb", compresslevel=6, mtime=0) if self.gz else path.open("wb")
        self.handles[kind] = io.TextIOWrapper(handle, encoding="utf-8", newline="\n")
        self.current[kind] = {"type": kind, "url": name, "count": 0}
        self.files.append(self.current[kind])

    def close(self, transaction_time: str) -> None:
        for handle in self.handles.values():
            handle.close()
        manifest = {"transactionTime": transaction_time, "request": "$export", "requiresAccessToken": False,
                    "output": sorted(self.files, key=lambda f: f["url"]), "error": []}
        (self.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def write_export(out: Path, *, patients: int, pool_size: int, seed: int, gz: bool, slim: bool,
                 malformed_every: int) -> None:
    pool = synthea_pool(pool_size, seed, slim=slim)
    writer = ExportWriter(out, gz=gz)
    clinicians = max(3, patients // 100)
    for index in range(patients):
        patient_id, lines = clone(pool[index % len(pool)], index)
        for kind, text in lines:
            writer.write(kind, text)
        rng = random.Random(seed * 1_000_003 + index)  # noqa: S311 - reproducible test data, not secrets
        for resource in spine_story(patient_id, rng, clinicians):
            writer.write(resource["resourceType"], json.dumps(resource, sort_keys=True))
        if malformed_every and index % malformed_every == malformed_every - 1:
            writer.write("Condition", '{"resourceType": "Condition", "id": "broken-' + str(index))
    writer.close("2025-06-01T00:00:00Z")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("export", type=Path, metavar="DIR", help="write an export to DIR")
    parser.add_argument("--patients", type=int, default=100)
    parser.add_argument("--synthea-pool", type=int, default=10, help="distinct Synthea patients to clone")
    parser.add_argument("--seed", type=int, default=base.SYNTHEA_SEED)
    parser.add_argument("--gzip", action="store_true", help="write .ndjson.gz")
    parser.add_argument("--slim", action="store_true", help="only the Observation codes the hooks read")
    parser.add_argument("--malformed-every", type=int, default=1000, help="a broken line every N patients")
    args = parser.parse_args(argv)
    write_export(args.export, patients=args.patients, pool_size=args.synthea_pool, seed=args.seed,
                 gz=args.gzip, slim=args.slim, malformed_every=args.malformed_every)
    return 0


if __name__ == "__main__":
    sys.exit(main())

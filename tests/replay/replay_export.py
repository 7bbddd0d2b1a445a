"""Small Bulk Data exports for the replay tests, built from the hand-made fixture patients.

Every fixture patient gets its spine order (``manifest.json``) as a ServiceRequest authored on the
fixtures' evaluation date; ``extra`` resources test one edge each. Conditions are split over
``Condition.ndjson`` and ``Condition.2.ndjson.gz`` so that rolled and compressed files are read too.
"""

from __future__ import annotations

import csv
import gzip
import json
import uuid
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.settings import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "patients"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text())
ORDER_AT = f"{MANIFEST['evaluation_date']}T10:00:00+01:00"
BROKEN_LINE = '{"resourceType": "Condition", "id": "broken'
CPT = "http://www.ama-assn.org/go/cpt"
PAMA_RATING = "http://fhir.org/argonaut/Extension/pama-rating"


def spine_patients() -> list[dict[str, Any]]:
    return [p for p in MANIFEST["patients"] if p["file"].startswith("spine/")]


def patient_resources(entry: dict[str, Any]) -> list[dict[str, Any]]:
    bundle = json.loads((FIXTURES / entry["file"]).read_text())
    return [e["resource"] for e in bundle["entry"]]


def order(patient_id: str, coding: dict[str, str], *, suffix: str = "order", authored: str = ORDER_AT,
          status: str = "active", requester: str = "Practitioner/dr-a") -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": f"{patient_id}-{suffix}", "status": status,
            "intent": "order", "code": {"coding": [coding]},
            "subject": {"reference": f"Patient/{patient_id}"},
            "authoredOn": authored, "requester": {"reference": requester}}


def fixture_resources() -> list[dict[str, Any]]:
    found = []
    for entry in spine_patients():
        found += patient_resources(entry)
        found.append(order(entry["id"], entry["order"]))
    return found


def write_export(folder: Path, resources: list[dict[str, Any]], *, broken_lines: int = 1) -> Path:
    by_type: dict[str, list[str]] = defaultdict(list)
    for resource in resources:
        by_type[resource["resourceType"]].append(json.dumps(resource))
    by_type["Condition"] += [BROKEN_LINE] * broken_lines
    folder.mkdir(parents=True, exist_ok=True)
    for kind, lines in by_type.items():
        if kind == "Condition" and len(lines) > 1:
            half = len(lines) // 2
            (folder / "Condition.ndjson").write_text("\n".join(lines[:half]) + "\n")
            with gzip.open(folder / "Condition.2.ndjson.gz", "wt") as handle:
                handle.write("\n".join(lines[half:]) + "\n")
        else:
            (folder / f"{kind}.ndjson").write_text("\n".join(lines) + "\n")
    (folder / "manifest.json").write_text(json.dumps({"output": sorted(by_type)}))
    return folder


def replay_into(source: Path, out: Path, settings: Settings, **options: Any) -> dict[str, Any]:
    from app.replay.progress import silent
    from app.replay.run import replay

    return replay(str(source), out, settings, progress=silent, **options)


def read_rows(out: Path) -> list[dict[str, str]]:
    with (out / "decisions.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def order_sign(patient_id: str, resources: list[dict[str, Any]], draft: dict[str, Any]) -> dict[str, Any]:
    """The order-sign call a conforming EHR makes for ``draft`` with ``resources`` on record: each under
    the template whose search it satisfies, a Medication beside the prescriptions (an included entry)."""
    from app.fhir.templates import PREFETCH_TEMPLATES
    from app.replay.asof import prefetch_key

    prefetch: dict[str, Any] = {key: {"resourceType": "Bundle", "type": "searchset", "entry": []}
                                for key in PREFETCH_TEMPLATES if key != "patient"}
    for resource in resources:
        key = "medications" if resource["resourceType"] == "Medication" else prefetch_key(resource)
        if resource["resourceType"] == "Patient":
            prefetch["patient"] = resource
        elif key is not None:
            prefetch[key]["entry"].append({"resource": resource})
    return {"hook": "order-sign", "hookInstance": str(uuid.uuid4()), "prefetch": prefetch,
            "context": {"userId": "Practitioner/dr-a", "patientId": patient_id,
                        "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": draft}]}}}


def hook_answer(response: dict[str, Any]) -> dict[str, str]:
    """What a replayed row says, read from the hook's response: rating, card topics, card count."""
    cards = response["cards"]
    ratings = [ext["valueCodeableConcept"]["coding"][0]["code"]
               for action in response.get("systemActions", []) for ext in action["resource"]["extension"]
               if ext["url"] == PAMA_RATING]
    return {"rating": ratings[0] if ratings else "",
            "topics": " ".join(card["source"]["topic"]["code"] for card in cards),
            "cards": str(len(cards))}

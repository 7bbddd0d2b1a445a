"""Load the synthetic test patients (tests/fixtures/patients) into the demo FHIR server, then exit.

    python seed.py http://localhost:8090/fhir /patients

Standard library only (it runs in the FHIR server's image). Each bundle is a FHIR transaction of PUTs,
so loading twice leaves the same data.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def wait_for(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{base}/metadata", timeout=2):  # noqa: S310 (our own server)
                return
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def post(base: str, bundle: bytes) -> int:
    request = urllib.request.Request(base, data=bundle, method="POST",  # noqa: S310 (our own server)
                                     headers={"Content-Type": "application/fhir+json"})
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        status: int = response.status
        return status


def main(base: str, directory: Path) -> int:
    wait_for(base)
    manifest = json.loads((directory / "manifest.json").read_text())
    for patient in manifest["patients"]:
        status = post(base, (directory / patient["file"]).read_bytes())
        print(f"{patient['id']}: {status} ({patient['about']})")
    print(f"evaluation date of the fixtures: {manifest['evaluation_date']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1].rstrip("/"), Path(sys.argv[2])))

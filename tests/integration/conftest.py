"""Integration fixtures: a real FHIR server (SEKMET, on loopback) holding the test patients, and the app.

SEKMET is started once per session as a subprocess (simulator, validation and traffic log off; bound to
127.0.0.1 on a free port, ``base_url`` set to that port so its ``next`` links point back at it) and loaded
with every bundle of tests/fixtures/patients/ (written by scripts/make_test_data.py). The app runs
in-process behind ``httpx.ASGITransport`` with its lifespan entered once per session, so tests that use
it run on the session's event loop (``pytest.mark.asyncio(loop_scope="session")``).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import pytest_asyncio

from demo import sekmet as sekmet_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

ROOT = Path(__file__).resolve().parents[2]
PATIENTS = ROOT / "tests" / "fixtures" / "patients"
SEKMET = Path(sys.executable).with_name("sekmet")
# One keep-alive client for the test's own reads: a new connection per GET made an eleven-key prefetch
# take ten times as long as the service's own fallback fetch.
_CLIENT = httpx.Client()
ORDER_SIGN = "/cds-services/spine-imaging-order-sign"


@dataclass(frozen=True)
class FixturePatient:
    id: str
    file: str
    conditions: int
    order: dict[str, Any]
    about: str
    expected: dict[str, Any] | None = None  # ehr/ charts: rating, deciding rule, card topics


@dataclass(frozen=True)
class FhirServer:
    """The running SEKMET: its base URL, the patients loaded, and the searches a good EHR would run."""

    base: str
    patients: tuple[FixturePatient, ...]
    evaluation_date: str

    def patient(self, patient_id: str) -> FixturePatient:
        return next(p for p in self.patients if p.id == patient_id)

    def get(self, query: str) -> httpx.Response:
        url = query if query.startswith("http") else f"{self.base}/{query}"
        return _CLIENT.get(url, headers={"Accept": "application/fhir+json"}, timeout=30)

    def search_all(self, query: str) -> list[dict[str, Any]]:
        """Every entry of a search, following ``next`` links (what an EHR's complete prefetch holds)."""
        entries: list[dict[str, Any]] = []
        url: str | None = query
        while url:
            page = self.get(url).raise_for_status().json()
            entries += page.get("entry", [])
            url = next((link["url"] for link in page.get("link", []) if link["relation"] == "next"), None)
        return entries

    def prefetch(self, patient_id: str, keys: set[str] | None = None) -> dict[str, Any]:
        """A complete prefetch as a conforming CDS client would send it (P4, P6): reads and full searches."""
        from app.fhir.templates import PREFETCH_TEMPLATES, fill_template

        prefetch: dict[str, Any] = {}
        for key, template in PREFETCH_TEMPLATES.items():
            if keys is not None and key not in keys:
                continue
            query = fill_template(template, {"patientId": patient_id})
            if "?" not in query:
                response = self.get(query)
                prefetch[key] = response.json() if response.status_code == 200 else None
                continue
            entries = self.search_all(query)
            prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "total": len(entries),
                             "entry": entries}
        return prefetch


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start_sekmet(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    if not SEKMET.exists():
        pytest.fail(f"SEKMET is not installed next to {sys.executable}: pip install 'spine-cds[dev]'")
    port = _free_port()
    config = workdir / "sekmet.yaml"
    base = sekmet_settings.write_config(config, "127.0.0.1", port, workdir / "data")
    env = sekmet_settings.environment()
    with (workdir / "sekmet.log").open("wb") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [str(SEKMET), "serve", "--config", str(config), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, cwd=workdir, env=env,
        )
    _wait_until_ready(process, base, workdir)
    return process, base


def _wait_until_ready(process: subprocess.Popen[bytes], base: str, workdir: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (workdir / "sekmet.log").read_text()[-2000:]
            pytest.fail(f"SEKMET exited ({process.returncode}): {log}")
        try:
            if httpx.get(f"{base}/metadata", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    _stop(process)
    pytest.fail("SEKMET did not answer /metadata within 30 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _load(base: str) -> tuple[tuple[FixturePatient, ...], str]:
    manifest = json.loads((PATIENTS / "manifest.json").read_text())
    patients = tuple(FixturePatient(**entry) for entry in manifest["patients"])
    with httpx.Client(timeout=60) as client:
        for patient in patients:
            response = client.post(base, content=(PATIENTS / patient.file).read_bytes(),
                                   headers={"Content-Type": "application/fhir+json"})
            assert response.status_code == 200, response.text[:500]
    return patients, manifest["evaluation_date"]


@pytest.fixture(scope="session")
def fhir_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FhirServer]:
    process, base = _start_sekmet(tmp_path_factory.mktemp("sekmet"))
    try:
        patients, evaluation_date = _load(base)
        yield FhirServer(base, patients, evaluation_date)
    finally:
        _CLIENT.close()
        _stop(process)


@dataclass(frozen=True)
class Cds:
    """The app under test, and how to call its order-sign service for a fixture patient."""

    http: httpx.AsyncClient
    app: FastAPI
    server: FhirServer

    def order_sign(self, patient_id: str, *, prefetch: dict[str, Any] | None = None,
                   fhir_server: str | None = None, token: str | None = None) -> dict[str, Any]:
        patient = self.server.patient(patient_id)
        order = {
            "resourceType": "ServiceRequest", "id": "draft-imaging-1", "status": "draft", "intent": "order",
            "code": {"coding": [patient.order]}, "subject": {"reference": f"Patient/{patient_id}"},
            "authoredOn": self.server.evaluation_date,
        }
        body: dict[str, Any] = {
            "hook": "order-sign",
            "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/integration", "patientId": patient_id,
                        "draftOrders": {"resourceType": "Bundle", "type": "collection",
                                        "entry": [{"resource": order}]}},
        }
        if fhir_server:
            body["fhirServer"] = fhir_server
        if token:
            body["fhirAuthorization"] = {"access_token": token, "token_type": "Bearer", "expires_in": 300,
                                         "scope": "patient/*.read", "subject": "spine-cds"}
        if prefetch is not None:
            body["prefetch"] = prefetch
        return body

    async def call(self, body: dict[str, Any]) -> httpx.Response:
        return await self.http.post(ORDER_SIGN, json=body)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def cds(fhir_server: FhirServer, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Cds]:
    from app.main import create_app
    from app.settings import Settings

    database = tmp_path_factory.mktemp("cds") / "db.sqlite"
    settings = Settings(profile="development", auth_required=False, database_url=f"sqlite:///{database}")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as http:
            yield Cds(http, app, fhir_server)

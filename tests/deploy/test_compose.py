"""compose.yaml, checked without Docker: its settings start the app, its services agree
with one another and with the Dockerfile, and its demo FHIR server's config and seed script work — run
here against SEKMET as the integration tests run it."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from deploy.images import final_stage, read_dockerfile
from sqlalchemy import make_url

from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
SEKMET = Path(sys.executable).with_name("sekmet")
SEED = ROOT / "deploy" / "compose" / "seed.py"


def environment(service: str) -> dict[str, str]:
    return {name: str(value) for name, value in SERVICES[service].get("environment", {}).items()}


def test_the_stack_has_the_service_a_database_and_a_fhir_server() -> None:
    assert {"spine-cds", "postgres", "fhir", "fhir-seed"} <= SERVICES.keys()


def test_the_service_settings_are_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    env = environment("spine-cds")
    assert all(name.removeprefix("SPINE_CDS_").lower() in Settings.model_fields for name in env)
    settings = Settings(**{name.removeprefix("SPINE_CDS_").lower(): value for name, value in env.items()})
    assert settings.database_url.startswith("postgresql+psycopg://")


def test_the_database_url_matches_the_postgres_service() -> None:
    url = make_url(environment("spine-cds")["SPINE_CDS_DATABASE_URL"])
    postgres = environment("postgres")
    assert (url.host, url.username, url.password, url.database) == (
        "postgres", postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"], postgres["POSTGRES_DB"])
    assert SERVICES["spine-cds"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "healthcheck" in SERVICES["postgres"]


def test_the_service_runs_as_in_kubernetes() -> None:
    service = SERVICES["spine-cds"]
    user = next(ins.text for ins in reversed(final_stage(read_dockerfile(ROOT / "Dockerfile")))
                if ins.keyword == "USER")
    assert service["user"] == user
    assert service["read_only"] is True and "/tmp" in service["tmpfs"]
    assert service["cap_drop"] == ["ALL"]
    assert (ROOT / service["build"] / "Dockerfile").is_file()


def test_the_fhir_server_shares_the_service_network_and_its_port_is_published() -> None:
    config = yaml.safe_load((ROOT / "deploy" / "compose" / "sekmet.yaml").read_text())
    for name in ("fhir", "fhir-seed"):
        assert SERVICES[name]["network_mode"] == "service:spine-cds"
    assert f"{config['port']}:{config['port']}" in SERVICES["spine-cds"]["ports"]
    assert config["base_url"] == f"http://localhost:{config['port']}/fhir"
    build = SERVICES["fhir"]["build"]
    dockerfile = read_dockerfile(ROOT / build["context"] / build["dockerfile"])
    for ins in dockerfile:
        if ins.keyword == "COPY":
            assert (ROOT / build["context"] / ins.text.split()[0]).is_file()
    host_path = SERVICES["fhir-seed"]["volumes"][0].split(":")[0]
    assert (ROOT / host_path / "manifest.json").is_file()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.integration
def test_the_demo_fhir_server_config_serves_and_the_seed_loads_every_patient(tmp_path: Path) -> None:
    if not SEKMET.exists():
        pytest.skip("SEKMET is not installed (pip install 'spine-cds[dev]')")
    config = yaml.safe_load((ROOT / "deploy" / "compose" / "sekmet.yaml").read_text())
    port = _free_port()
    base = f"http://127.0.0.1:{port}/fhir"
    config.update(host="127.0.0.1", port=port, base_url=base, data_dir=str(tmp_path / "data"))
    (tmp_path / "sekmet.yaml").write_text(yaml.safe_dump(config))
    with (tmp_path / "sekmet.log").open("wb") as log:
        server = subprocess.Popen([str(SEKMET), "serve", "--config", str(tmp_path / "sekmet.yaml")],
                                  stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        seeded = subprocess.run([sys.executable, str(SEED), base, str(ROOT / "tests/fixtures/patients")],
                                capture_output=True, text=True, timeout=120, check=False)
        assert seeded.returncode == 0, seeded.stderr[-2000:]
        patients = yaml.safe_load((ROOT / "tests/fixtures/patients/manifest.json").read_text())["patients"]
        for patient in patients:
            assert httpx.get(f"{base}/Patient/{patient['id']}", timeout=10).status_code == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

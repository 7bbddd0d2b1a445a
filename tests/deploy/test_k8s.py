"""Kubernetes manifests: deploy/k8s rendered as ``kustomize build`` would render them,
every document validated against the Kubernetes API schema, and the parts that must agree with the app
checked against it: probe paths against its routes, settings against ``Settings``, writable paths against
the read-only root, grace periods against the image's shutdown timeout."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from deploy.images import final_stage, read_dockerfile
from deploy.kustomize import Resource, build, containers, pod_specs
from deploy.routes import serves_get

from app.feedback.db import CONNECT_TIMEOUT_SECONDS
from app.policyfile import read_policy_file
from app.security import load_trust_registry
from app.settings import Profile, Settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30.0"  # the oldest minor release still supported when this was written
TARGETS = ["base", "overlays/sandbox", "overlays/prod"]
IMAGE_ROOT = "/srv/spine-cds"  # WORKDIR of the image: its files are this repository's
EXTERNAL_SECRETS = {"spine-cds-database": {"url"}, "spine-cds-trust": {"registry.yaml"}}
RESTRICTED_VOLUME_TYPES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                           "persistentVolumeClaim", "projected", "secret"}
DATABASE_URL_FORM = "postgresql+psycopg://spine:secret@db:5432/spine"  # what spine-cds-database holds
FINAL_STAGE = final_stage(read_dockerfile(ROOT / "Dockerfile"))


@cache
def rendered(target: str) -> tuple[Resource, ...]:
    return tuple(build(K8S / target))


def one(target: str, kind: str) -> Resource:
    [found] = [r for r in rendered(target) if r["kind"] == kind]
    return found


def the_container(target: str) -> dict[str, Any]:
    [container] = containers(one(target, "Deployment"))
    return container


def the_pod(target: str) -> dict[str, Any]:
    [pod] = pod_specs(one(target, "Deployment"))
    return pod


@pytest.fixture(params=TARGETS)
def target(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_every_document_is_valid_for_the_kubernetes_api(target: str) -> None:
    for resource in rendered(target):
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


def test_every_document_has_a_kind_a_name_and_a_namespace_in_overlays(target: str) -> None:
    kinds = {r["kind"] for r in rendered(target)}
    assert {"Deployment", "Service", "PodDisruptionBudget", "ConfigMap", "NetworkPolicy",
            "ServiceAccount"} <= kinds
    for resource in rendered(target):
        assert resource["metadata"]["name"]
        if target.startswith("overlays") and resource["kind"] != "Namespace":
            assert resource["metadata"]["namespace"] == one(target, "Namespace")["metadata"]["name"]


def test_probes_ask_real_routes_on_a_declared_port(target: str) -> None:
    container = the_container(target)
    ports = {port["name"] for port in container["ports"]}
    kinds = ("startupProbe", "livenessProbe", "readinessProbe")
    probes = {kind: container[kind]["httpGet"] for kind in kinds}
    assert probes["livenessProbe"]["path"] == "/healthz"  # touches nothing: no restart for a slow database
    assert probes["readinessProbe"]["path"] == "/readyz"
    for kind, probe in probes.items():
        assert serves_get(probe["path"]), f"{kind} asks {probe['path']}, which the app does not serve"
        assert probe["port"] in ports


def test_readiness_waits_longer_than_the_database_ping(target: str) -> None:
    assert the_container(target)["readinessProbe"]["timeoutSeconds"] > CONNECT_TIMEOUT_SECONDS


def test_shutdown_fits_in_the_grace_period(target: str) -> None:
    command = next(ins for ins in FINAL_STAGE if ins.keyword == "CMD").exec_form()
    graceful = int(command[command.index("--timeout-graceful-shutdown") + 1])
    pre_stop = int(the_container(target)["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert pre_stop + graceful < the_pod(target)["terminationGracePeriodSeconds"]


def test_requests_and_limits_for_cpu_and_memory(target: str) -> None:
    resources = the_container(target)["resources"]
    for bound in ("requests", "limits"):
        assert {"cpu", "memory"} <= resources[bound].keys()


def test_runs_non_root_read_only_as_the_image_user_and_meets_restricted(target: str) -> None:
    pod, container = the_pod(target), the_container(target)
    user = next(ins.text for ins in reversed(FINAL_STAGE) if ins.keyword == "USER")
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert str(pod["securityContext"]["runAsUser"]) == user.split(":")[0]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    # Pod Security Standards, "restricted" profile
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert not any(pod.get(host) for host in ("hostNetwork", "hostPID", "hostIPC"))
    assert all(set(volume) - {"name"} <= RESTRICTED_VOLUME_TYPES for volume in pod["volumes"])
    assert pod["automountServiceAccountToken"] is False


def test_the_only_writable_paths_are_mounted_volumes(target: str) -> None:
    mounts = {m["mountPath"]: m for m in the_container(target)["volumeMounts"]}
    volumes = {v["name"]: v for v in the_pod(target)["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]["name"]]
    database = container_environment(target)["SPINE_CDS_DATABASE_URL"]
    if database.startswith("sqlite:"):
        directory = str(Path(database.removeprefix("sqlite:///")).parent)
        assert directory in mounts and not mounts[directory].get("readOnly")


def test_selectors_and_references_agree(target: str) -> None:
    deployment = one(target, "Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    service = one(target, "Service")
    assert service["spec"]["selector"].items() <= labels.items()
    ports = {p["name"] for p in the_container(target)["ports"]}
    assert all(p["targetPort"] in ports for p in service["spec"]["ports"])
    for kind in ("PodDisruptionBudget", "NetworkPolicy"):
        selector = one(target, kind)["spec"].get("selector") or one(target, kind)["spec"]["podSelector"]
        assert selector["matchLabels"].items() <= labels.items()
    hpas = [r for r in rendered(target) if r["kind"] == "HorizontalPodAutoscaler"]
    for hpa in hpas:
        assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
        assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
        assert "replicas" not in deployment["spec"], "with an HPA, an applied replica count fights it"
    if not hpas:
        assert deployment["spec"]["replicas"] == 1  # SQLite on an emptyDir: one pod


def test_config_maps_exist_and_secrets_are_the_documented_ones(target: str) -> None:
    config_maps = {r["metadata"]["name"] for r in rendered(target) if r["kind"] == "ConfigMap"}
    for name, keys in references(target).items():
        kind, resource = name
        if kind == "ConfigMap":
            assert resource in config_maps
        else:
            assert keys <= EXTERNAL_SECRETS[resource]
    documented = (ROOT / "docs" / "deploy.md").read_text()
    assert all(secret in documented for secret in EXTERNAL_SECRETS)


def test_network_policy_admits_the_service_port_and_not_the_metadata_address(target: str) -> None:
    policy = one(target, "NetworkPolicy")["spec"]
    ports = {p["name"] for p in the_container(target)["ports"]}
    assert all(port["port"] in ports for rule in policy["ingress"] for port in rule["ports"])
    blocks = [peer["ipBlock"] for rule in policy["egress"] for peer in rule["to"] if "ipBlock" in peer]
    assert all("169.254.169.254/32" in block.get("except", []) for block in blocks)


@pytest.mark.parametrize("target", ["overlays/sandbox", "overlays/prod"])
def test_settings_start_the_app(target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment the pod gets, with mounted files, makes a Settings that passes its safety checks.
    (The base alone names no public URL: it is never applied by itself.)"""
    env = container_environment(target)
    assert all(name.removeprefix("SPINE_CDS_").split("__")[0].lower() in Settings.model_fields
               for name in env if name.startswith("SPINE_CDS_"))
    for name in [n for n in os.environ if n.startswith("SPINE_CDS_")]:
        monkeypatch.delenv(name)
    files = mounted_files(target, tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, files.get(value, value))
    settings = Settings()
    assert settings.database_url == env["SPINE_CDS_DATABASE_URL"]
    assert settings.trust_file is not None and settings.trust_file.exists()
    production = settings.profile is Profile.PRODUCTION
    if not production:  # the trust file ships in the image; a production one is a Secret
        load_trust_registry(settings.trust_file, production=False)
    assert (target == "overlays/sandbox") is not production


def test_the_policy_file_is_valid() -> None:
    read_policy_file(K8S / "base" / "site-policy.yaml")


def test_prod_pins_the_image_and_keeps_two_pods_up() -> None:
    image = the_container("overlays/prod")["image"]
    assert not image.endswith(":latest") and ("@sha256:" in image or ":" in image.rsplit("/", 1)[-1])
    hpa = one("overlays/prod", "HorizontalPodAutoscaler")
    assert hpa["spec"]["minReplicas"] >= 2
    assert one("overlays/prod", "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1


# --- what the pod sees -----------------------------------------------------------------------------------


def container_environment(target: str) -> dict[str, str]:
    """envFrom ConfigMaps, then env values; a Secret's value is a placeholder of the documented form."""
    container, maps = the_container(target), config_map_data(target)
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(maps[source["configMapRef"]["name"]])
    for variable in container.get("env", []):
        secret = variable.get("valueFrom", {}).get("secretKeyRef")
        env[variable["name"]] = DATABASE_URL_FORM if secret else variable["value"]
    return env


def mounted_files(target: str, tmp_path: Path) -> dict[str, str]:
    """Container path → a local file with what the pod would read there (the image's own files are ours)."""
    volumes = {v["name"]: v for v in the_pod(target)["volumes"]}
    maps, files = config_map_data(target), {}
    for mount in the_container(target)["volumeMounts"]:
        volume = volumes[mount["name"]]
        if "configMap" in volume:
            contents = maps[volume["configMap"]["name"]]
        elif "secret" in volume:
            contents = {item["path"]: yaml.safe_dump({"clients": []}) for item in volume["secret"]["items"]}
        else:
            continue
        for name, text in contents.items():
            local = tmp_path / mount["name"] / name
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_text(text)
            files[f"{mount['mountPath']}/{name}"] = str(local)
    for value in container_environment(target).values():
        if value.startswith(IMAGE_ROOT + "/"):
            files[value] = str(ROOT / value.removeprefix(IMAGE_ROOT + "/"))
    return files


def config_map_data(target: str) -> dict[str, dict[str, str]]:
    return {r["metadata"]["name"]: r["data"] for r in rendered(target) if r["kind"] == "ConfigMap"}


def references(target: str) -> dict[tuple[str, str], set[str]]:
    """(kind, name) → keys used, for every ConfigMap and Secret the pod refers to."""
    found: dict[tuple[str, str], set[str]] = {}
    container, pod = the_container(target), the_pod(target)
    for source in container.get("envFrom", []):
        found.setdefault(("ConfigMap", source["configMapRef"]["name"]), set())
    for variable in container.get("env", []):
        for kind, ref in (("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef")):
            if ref in variable.get("valueFrom", {}):
                key = variable["valueFrom"][ref]
                found.setdefault((kind, key["name"]), set()).add(key["key"])
    for volume in pod["volumes"]:
        if "configMap" in volume:
            found.setdefault(("ConfigMap", volume["configMap"]["name"]), set())
        if "secret" in volume:
            keys = {item["key"] for item in volume["secret"].get("items", [])}
            found.setdefault(("Secret", volume["secret"]["secretName"]), set()).update(keys)
    return found

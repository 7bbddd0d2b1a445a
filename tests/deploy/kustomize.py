"""A small kustomize for the tests: enough of ``kustomize build`` to render deploy/k8s without the binary.

Supported, as kustomize does them: ``resources`` (files and directories, built recursively),
``configMapGenerator`` (``literals``, ``files``; ``behavior`` create, merge or replace; names suffixed
with a content hash and references rewritten), ``patches`` by ``path`` (strategic merge: maps merged,
``null`` deletes a field, lists of containers, env, volumes, volumeMounts and ports merged by their
Kubernetes merge keys, ``$patch: delete`` on a list item or a whole resource), ``namespace`` and
``images``. Anything else in a kustomization.yaml is an error, so the manifests cannot use a feature whose
result these tests would not see. The hash differs from kustomize's own; only its presence matters.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

Resource = dict[str, Any]
SUPPORTED = {"apiVersion", "kind", "resources", "configMapGenerator", "patches", "namespace", "images"}
MERGE_KEYS = {"containers": "name", "initContainers": "name", "env": "name", "volumes": "name",
              "volumeMounts": "mountPath", "ports": "containerPort"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass"}
GENERATED = "__generated__"


class KustomizeError(ValueError):
    pass


def build(directory: Path) -> list[Resource]:
    """What ``kustomize build directory`` prints, as parsed documents."""
    resources = _build(directory)
    names = _hash_generated(resources)
    for resource in resources:
        _rewrite_config_map_refs(resource, names)
    return resources


def _build(directory: Path) -> list[Resource]:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED
    if unknown:
        raise KustomizeError(f"{directory}: not understood by tests/deploy/kustomize.py: {sorted(unknown)}")
    resources: list[Resource] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        resources += _build(path) if path.is_dir() else [d for d in yaml.safe_load_all(path.read_text()) if d]
    for generator in kustomization.get("configMapGenerator", []):
        _generate(resources, generator, directory)
    for patch in kustomization.get("patches", []):
        _apply_patch(resources, patch, directory)
    if "namespace" in kustomization:
        for resource in resources:
            if resource["kind"] not in CLUSTER_SCOPED:
                resource["metadata"]["namespace"] = kustomization["namespace"]
    for image in kustomization.get("images", []):
        _set_image(resources, image)
    return resources


def _generate(resources: list[Resource], generator: dict[str, Any], directory: Path) -> None:
    unknown = set(generator) - {"name", "literals", "files", "behavior"}
    if unknown:
        raise KustomizeError(f"configMapGenerator {generator['name']}: unsupported {sorted(unknown)}")
    data = dict(literal.split("=", 1) for literal in generator.get("literals", []))
    for entry in generator.get("files", []):
        key, _, path = entry.rpartition("=")
        data[key or Path(path).name] = (directory / path).read_text()
    behavior = generator.get("behavior", "create")
    existing = _find(resources, "ConfigMap", generator["name"])
    if behavior == "create":
        if existing is not None:
            raise KustomizeError(f"ConfigMap {generator['name']} generated twice; use behavior: merge")
        resources.append({"apiVersion": "v1", "kind": "ConfigMap", GENERATED: True,
                          "metadata": {"name": generator["name"]}, "data": data})
    elif existing is None:
        raise KustomizeError(f"behavior {behavior}: no ConfigMap {generator['name']} to change")
    else:
        existing["data"] = {**existing["data"], **data} if behavior == "merge" else data


def _apply_patch(resources: list[Resource], entry: dict[str, Any], directory: Path) -> None:
    if set(entry) != {"path"}:
        raise KustomizeError(f"patches: only `path:` entries are supported, not {sorted(entry)}")
    patch = yaml.safe_load((directory / entry["path"]).read_text())
    target = _find(resources, patch["kind"], patch["metadata"]["name"])
    if target is None:
        raise KustomizeError(f"{entry['path']}: no {patch['kind']} {patch['metadata']['name']} to patch")
    if patch.get("$patch") == "delete":
        resources.remove(target)
    else:
        merge(target, patch)


def merge(base: dict[str, Any], patch: dict[str, Any]) -> None:
    """Strategic merge of ``patch`` into ``base``, in place."""
    for key, value in patch.items():
        if key == "$patch":
            continue
        if value is None:
            base.pop(key, None)
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        elif isinstance(value, list) and key in MERGE_KEYS and isinstance(base.get(key), list):
            _merge_list(base[key], value, MERGE_KEYS[key])
        else:
            base[key] = copy.deepcopy(value)


def _merge_list(items: list[dict[str, Any]], patch: list[dict[str, Any]], key: str) -> None:
    for change in patch:
        found = next((item for item in items if item.get(key) == change.get(key)), None)
        if change.get("$patch") == "delete":
            if found is None:
                raise KustomizeError(f"$patch: delete of {key}={change.get(key)!r}: no such item")
            items.remove(found)
        elif found is not None:
            merge(found, change)
        else:
            items.append(copy.deepcopy(change))


def _find(resources: list[Resource], kind: str, name: str) -> Resource | None:
    return next((r for r in resources if r["kind"] == kind and r["metadata"]["name"] == name), None)


def pod_specs(resource: Resource) -> list[dict[str, Any]]:
    spec = resource.get("spec", {})
    if resource["kind"] == "Pod":
        return [spec]
    template = spec.get("jobTemplate", {}).get("spec", spec).get("template")
    return [template["spec"]] if template else []


def containers(resource: Resource) -> list[dict[str, Any]]:
    return [c for pod in pod_specs(resource) for c in [*pod.get("initContainers", []), *pod["containers"]]]


def _set_image(resources: list[Resource], image: dict[str, str]) -> None:
    for resource in resources:
        for container in containers(resource):
            name = container["image"].split("@")[0].rsplit(":", 1)[0]
            if name == image["name"]:
                new = image.get("newName", name)
                suffix = f"@{image['digest']}" if "digest" in image else f":{image.get('newTag', 'latest')}"
                container["image"] = new + suffix


def _hash_generated(resources: list[Resource]) -> dict[str, str]:
    names = {}
    for resource in resources:
        if resource.pop(GENERATED, False):
            digest = hashlib.sha256(json.dumps(resource["data"], sort_keys=True).encode()).hexdigest()[:10]
            old = resource["metadata"]["name"]
            names[old] = resource["metadata"]["name"] = f"{old}-{digest}"
    return names


def _rewrite_config_map_refs(resource: Resource, names: dict[str, str]) -> None:
    for pod in pod_specs(resource):
        for volume in pod.get("volumes", []):
            if "configMap" in volume:
                ref = volume["configMap"]
                ref["name"] = names.get(ref["name"], ref["name"])
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    ref = source["configMapRef"]
                    ref["name"] = names.get(ref["name"], ref["name"])
            for variable in container.get("env", []):
                ref = variable.get("valueFrom", {}).get("configMapKeyRef")
                if ref is not None:
                    ref["name"] = names.get(ref["name"], ref["name"])

"""deploy/k8s/dry_run.py and the kube-apiserver wrapper module, without starting anything
(`make k8s-dry-run` runs the real thing; it is not part of `make test`, see deploy/k8s/README.md)."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GO_MOD = ROOT / "deploy" / "k8s" / "apiserver" / "go.mod"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


dry_run = _load("k8s_dry_run", ROOT / "deploy" / "k8s" / "dry_run.py")


def test_the_wrapper_replaces_each_staging_module_by_the_release_of_the_same_kubernetes():
    text = GO_MOD.read_text(encoding="utf-8")
    kubernetes = re.search(r"^require k8s\.io/kubernetes v1\.(\d+\.\d+)$", text, re.M)
    assert kubernetes, "go.mod requires k8s.io/kubernetes v1.x.y on a line of its own"
    replaces = re.findall(r"^\t(k8s\.io/[\w-]+) => (k8s\.io/[\w-]+) (v[\w.-]+)$", text, re.M)
    assert len(replaces) >= 30, "every staging module of k8s.io/kubernetes (31 in 1.34)"
    for old, new, version in replaces:
        assert old == new and version == f"v0.{kubernetes[1]}", f"{old} => {new} {version}"
    assert "\ntool k8s.io/kubernetes/cmd/kube-apiserver\n" in text


def test_it_sends_what_the_manifest_tier_renders(tmp_path):
    manifests = _load("k8s_manifests", ROOT / "tests" / "unit" / "test_k8s_manifests.py")
    found = dry_run.targets(tmp_path / "dry-run")
    (tmp_path / "tier").mkdir()
    assert list(found)[:len(manifests.TARGETS)] == manifests.TARGETS
    assert set(found) - set(manifests.TARGETS) == set(manifests.combinations(tmp_path / "tier"))
    assert all((folder / "kustomization.yaml").is_file() for folder in found.values())


def test_objects_are_sent_to_their_resource_path():
    api = dry_run.Api(Path("/nonexistent/ca.crt"))
    api.discovered = {"apps/v1": {"Deployment": {"name": "deployments", "namespaced": True}},
                      "v1": {"Namespace": {"name": "namespaces", "namespaced": False}}}
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "status", "namespace": "delovod"}}
    assert api.path(deployment) == "/apis/apps/v1/namespaces/delovod/deployments/status"
    assert api.path({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "delovod"}}) == \
        "/api/v1/namespaces/delovod"
    with pytest.raises(LookupError, match="no StatefulSet in apps/v1"):
        api.path({**deployment, "kind": "StatefulSet"})


def test_a_warning_header_is_read_as_its_text():
    header = '299 - "would violate PodSecurity \\"restricted:latest\\": runAsNonRoot != true"'
    assert dry_run._warning_text(header) == 'would violate PodSecurity "restricted:latest": runAsNonRoot != true'

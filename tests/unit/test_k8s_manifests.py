"""The Kubernetes deployment (deploy/k8s) renders, and every workload in it stays safe.

Each kustomization is rendered with the ``kustomize`` binary itself (``make test`` builds it
into .local/bin through deploy/local/test_tools.sh; kubectl is never needed): the base, every
folder under ``overlays/``, and the base with every component switched on. Every rendered
object must be valid Kubernetes 1.30 in strict mode (no unknown field) for two validators:
kubernetes-validate (Python) and kubeconform (Go), the latter fed kubernetes-validate's bundled
schemas so that it runs offline.
"""
from __future__ import annotations

import concurrent.futures
import copy
import importlib
import importlib.resources
import ipaddress
import itertools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import pytest

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAYS = sorted(p for p in (K8S / "overlays").iterdir() if p.is_dir()) if (K8S / "overlays").is_dir() else []
COMPONENTS = sorted(p for p in (K8S / "components").iterdir() if p.is_dir()) if (K8S / "components").is_dir() else []

SERVICES = {"registry": 8001, "status": 8002, "notifications": 8003, "catalogue": 8004, "desk": 8005}
MIN_REPLICAS = {"registry": 2, "status": 2, "notifications": 2, "catalogue": 2, "desk": 2}
DESK = "desk"                                              # the staff's workspace: HTTP only, no brokers
FIXED_TWO = {"notifications"}                              # exactly two replicas (the GIL), and says why
AUTOSCALED = {"status"}                                    # a HorizontalPodAutoscaler owns the count
AUTHENTICATING = {"registry", "status", "notifications", "desk"}  # read the token-signing key (the desk signs)
PUBLIC = {"status", "catalogue"}                           # citizens reach them, through the public ingress
# Who may open a connection to each service (components/network-policies): the public ingress
# controller's pods, or namespaces labelled for staff access (the internal ingress controller).
PUBLIC_INGRESS_PEER = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}},
                       "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ingress-nginx",
                                                       "app.kubernetes.io/component": "controller"}}}
CLERK_PEER = {"namespaceSelector": {"matchLabels": {"delovod.bg/clerk-access": "true"}}}
OPERATOR_PEER = {"namespaceSelector": {"matchLabels": {"delovod.bg/operator-access": "true"}}}
DESK_PEER = {"podSelector": {"matchLabels": {"app": "desk"}}}  # the desk calls them on a person's behalf
SMS_GATEWAY_PEER = {"namespaceSelector": {"matchLabels": {"delovod.bg/sms-gateway": "true"}}}  # Kannel's reports
MAIL_RELAY_PEER = {"namespaceSelector": {"matchLabels": {"delovod.bg/mail-relay": "true"}}}  # bounces (DSNs)
# Processes of a service beside its server, in its pod: name -> (its module, its port, the Service's port)
SIDECARS = {"notifications": {"bounces": ("notifications.entrypoints.bounces", 2525, 25)}}
SIDECAR_PEERS = {("notifications", 2525): [MAIL_RELAY_PEER]}
ALLOWED_PEERS = {"status": [PUBLIC_INGRESS_PEER, CLERK_PEER, DESK_PEER], "catalogue": [PUBLIC_INGRESS_PEER, DESK_PEER],
                 "registry": [CLERK_PEER, DESK_PEER], "notifications": [OPERATOR_PEER, DESK_PEER], "desk": [CLERK_PEER]}
EXTRA_PEERS = {"notifications": ([SMS_GATEWAY_PEER],)}     # rules of their own, beside ALLOWED_PEERS'
SECRET_NAME = "delovod-secrets"
# Secrets the operators of components/in-cluster-infra generate: name -> the keys read from it
OPERATOR_SECRETS = {"delovod-rabbitmq-default-user": {"connection_string"},
                    **{f"{name}-mongo": {"connectionString.standard"} for name in ("registry", "status",
                                                                                    "notifications", "catalogue", "desk")}}
UID = 10001
PYTHONPATH = "/app/proto:/app/libs:/app/services"
SENSITIVE = re.compile(r"(MONGO_URI|AMQP_URI|ACCESS_KEY|SECRET_KEY|PASSWORD|TOKEN|SECRET)$")
CREDENTIALS_IN_URI = re.compile(r"://[^/@\s:]+:[^/@\s]*@")
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass",
                  "CustomResourceDefinition", "PriorityClass", "IngressClass", "ValidatingWebhookConfiguration",
                  "MutatingWebhookConfiguration"}
TARGETS = ["base", *(f"overlays/{p.name}" for p in OVERLAYS), "base+all-components"]
KUBERNETES_VERSION = "1.30.0"
TOOLS_BIN = ROOT / ".local" / "bin"
ACCEPTED = K8S / "checks-accepted.yaml"   # linter findings left standing, one reason each
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: dozens of renderings
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
CRDS = K8S / "crds"                       # the operators' CRDs, to validate their resources
IMAGE = re.compile(r"(?:(?P<registry>[a-z0-9.-]+\.[a-z]{2,}(?::\d+)?)/)?delovod/(?P<service>[a-z-]+)"
                   r":[\w.-]+(?:@sha256:[0-9a-f]{64})?")


# --- rendering -----------------------------------------------------------------------------
def _kustomization(folder: Path) -> dict:
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        if (folder / name).is_file():
            return yaml.safe_load((folder / name).read_text(encoding="utf-8")) or {}
    raise FileNotFoundError(f"no kustomization.yaml in {folder}")


def _yaml_docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def _pod_specs(doc: dict) -> list[dict]:
    kind, spec = doc.get("kind"), doc.get("spec") or {}
    if kind == "Pod":
        return [spec]
    if kind == "CronJob":
        return [spec["jobTemplate"]["spec"]["template"]["spec"]]
    if kind in WORKLOAD_KINDS:
        return [spec["template"]["spec"]]
    return []


def tool(name: str) -> str:
    """The binary test_tools.sh built into .local/bin, else one on the PATH, else a skip
    (which fails the run under CI=true, see tests/conftest.py)."""
    local = TOOLS_BIN / name
    found = str(local) if os.access(local, os.X_OK) else shutil.which(name)
    if not found:
        pytest.skip(f"{name} is missing: `bash deploy/local/test_tools.sh` builds it into .local/bin")
    return found


def render(folder: Path) -> list[dict]:
    done = subprocess.run([tool("kustomize"), "build", str(folder)], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"kustomize build {folder} failed:\n{done.stderr}")
    return [d for d in yaml.load_all(done.stdout, Loader=LOADER) if d]


@pytest.fixture(scope="session")
def target_dirs(tmp_path_factory) -> dict[str, Path]:
    """Folder of each target; the base with every component is a throwaway kustomization."""
    all_components = tmp_path_factory.mktemp("k8s-all-components")
    rel = lambda p: os.path.relpath(p, all_components)  # kustomize refuses absolute roots
    (all_components / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "namespace": "delovod", "resources": [rel(BASE)], "components": [rel(c) for c in COMPONENTS]}))
    return {"base": BASE, **{f"overlays/{p.name}": p for p in OVERLAYS}, "base+all-components": all_components}


_CACHE: dict[str, list[dict]] = {}


@pytest.fixture(params=TARGETS)
def rendered(request, target_dirs) -> tuple[str, list[dict]]:
    name = request.param
    if name not in _CACHE:
        folder = target_dirs[name]
        _CACHE[name] = render(folder)
    return name, copy.deepcopy(_CACHE[name])


# --- helpers -------------------------------------------------------------------------------
def of_kind(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d.get("kind") == kind]


def by_name(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in of_kind(docs, kind)}


def autoscaler(deployment: dict, docs: list[dict]) -> dict | None:
    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        if (ref["kind"], ref["name"]) == ("Deployment", deployment["metadata"]["name"]):
            return hpa
    return None


def replicas(deployment: dict, docs: list[dict]) -> int:
    """The least number of pods the Deployment runs: its autoscaler's minimum when it has one."""
    hpa = autoscaler(deployment, docs)
    return hpa["spec"].get("minReplicas", 1) if hpa else deployment["spec"].get("replicas", 1)


def workloads(docs: list[dict]) -> list[dict]:
    return [d for d in docs if d.get("kind") in WORKLOAD_KINDS]


def containers(pod: dict) -> list[dict]:
    return pod.get("containers", []) + pod.get("initContainers", [])


def server(deployment: dict) -> dict:
    name, cs = deployment["metadata"]["name"], deployment["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in cs] == ["server", *SIDECARS.get(name, {})], f"{name}: its server and its sidecars only"
    return cs[0]


def quantity(value) -> float:
    """Kubernetes quantity to a float (cores or bytes)."""
    text = str(value)
    units = {"m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
             "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
    for suffix in sorted(units, key=len, reverse=True):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * units[suffix]
    return float(text)


def effective_env(container: dict, docs: list[dict]) -> dict[str, tuple]:
    """name -> ("value", v) | ("secret", secret, key) | ("configmap", name, value) | ("field", ...)."""
    maps = by_name(docs, "ConfigMap")
    env: dict[str, tuple] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            ref = source["configMapRef"]["name"]
            assert ref in maps, f"{container['name']}: envFrom ConfigMap {ref} is not in the rendered output"
            env.update({k: ("configmap", ref, v) for k, v in (maps[ref].get("data") or {}).items()})
        elif "secretRef" in source:
            raise AssertionError(f"{container['name']}: envFrom a whole Secret; name each key with secretKeyRef")
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = ("value", str(var["value"]))
        elif "secretKeyRef" in (var.get("valueFrom") or {}):
            ref = var["valueFrom"]["secretKeyRef"]
            env[var["name"]] = ("secret", ref["name"], ref["key"])
        elif "configMapKeyRef" in (var.get("valueFrom") or {}):
            ref = var["valueFrom"]["configMapKeyRef"]
            data = maps[ref["name"]].get("data") or {}
            env[var["name"]] = ("configmap", ref["name"], data[ref["key"]])
        else:
            env[var["name"]] = ("field", var.get("valueFrom"))
    return env


def plain(env: dict[str, tuple], name: str) -> str | None:
    """The literal value of a variable set by value or ConfigMap, else None."""
    entry = env.get(name)
    if entry is None or entry[0] not in ("value", "configmap"):
        return None
    return entry[-1]


def resolve_port(container: dict, port) -> int:
    if isinstance(port, int):
        return port
    named = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
    assert port in named, f"{container['name']}: port {port!r} names no container port"
    return named[port]


def settings_variables() -> dict[str, set[str]]:
    """Env variables each service reads, from the settings classes (prefix + field name)."""
    try:
        kit = importlib.import_module("servicekit.settings").KitSettings
        classes = {name: getattr(importlib.import_module(f"{name}.settings"), f"{name.capitalize()}Settings")
                   for name in SERVICES}
    except ImportError as exc:  # the settings need pydantic-settings and PYTHONPATH=proto:libs:services
        pytest.skip(f"cannot import the settings classes to check variable names: {exc}")
    shared = {f"DELOVOD_{f.upper()}" for f in kit.model_fields}
    return {name: shared | {f"DELOVOD_{name.upper()}_{f.upper()}" for f in cls.model_fields if f != "kit"}
            for name, cls in classes.items()}


def selects(selector: dict, labels: dict) -> bool:
    if set(selector) - {"matchLabels"}:
        raise AssertionError(f"only matchLabels selectors are expected, got {selector}")
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())


# --- what every rendering must satisfy ---------------------------------------------------
def test_the_four_services_the_desk_and_nothing_else(rendered):
    target, docs = rendered
    deployments, services, accounts = (by_name(docs, k) for k in ("Deployment", "Service", "ServiceAccount"))
    assert set(deployments) == set(SERVICES), target
    assert set(services) == set(SERVICES), target
    assert set(SERVICES) <= set(accounts), target
    backing = re.compile(r"mongo|rabbit|kafka|minio|seaweed|smtp|ferret", re.I)
    for d in workloads(docs):
        for c in containers(_pod_specs(d)[0]):
            assert not backing.search(c["image"]), f"{target}: backing services are external, not {c['image']}"


def test_every_workload_keeps_the_secure_defaults(rendered):
    target, docs = rendered
    accounts = by_name(docs, "ServiceAccount")
    assert workloads(docs), target
    for w in workloads(docs):
        where = f"{target}: {w['kind']} {w['metadata']['name']}"
        pod = _pod_specs(w)[0]
        assert pod.get("automountServiceAccountToken") is False, where
        sa = pod.get("serviceAccountName")
        assert sa in accounts, f"{where}: service account {sa!r} is not rendered"
        assert accounts[sa].get("automountServiceAccountToken") is False, f"{where}: {sa}"
        if w["kind"] == "Deployment":
            assert sa == w["metadata"]["name"], f"{where}: each service has its own service account"
        for flag in ("hostNetwork", "hostPID", "hostIPC"):
            assert not pod.get(flag), f"{where}: {flag}"
        psc = pod.get("securityContext") or {}
        assert psc.get("runAsNonRoot") is True, where
        assert psc.get("runAsUser") == UID, where
        assert (psc.get("seccompProfile") or {}).get("type") == "RuntimeDefault", where
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for c in containers(pod):
            at = f"{where} container {c['name']}"
            sc = c.get("securityContext") or {}
            assert sc.get("allowPrivilegeEscalation") is False, at
            assert sc.get("readOnlyRootFilesystem") is True, at
            assert "ALL" in ((sc.get("capabilities") or {}).get("drop") or []), at
            assert not (sc.get("capabilities") or {}).get("add"), at
            assert not sc.get("privileged"), at
            assert sc.get("runAsNonRoot", True) is True and sc.get("runAsUser", UID) == UID, at
            res = c.get("resources") or {}
            for kind in ("cpu", "memory"):
                req, lim = (res.get("requests") or {}).get(kind), (res.get("limits") or {}).get(kind)
                assert req is not None and lim is not None, f"{at}: {kind} request and limit"
                assert quantity(req) <= quantity(lim), f"{at}: {kind} request {req} over limit {lim}"
            tmp = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
            assert tmp and "emptyDir" in volumes[tmp[0]["name"]], f"{at}: /tmp must be an emptyDir"
            image = c["image"]
            assert IMAGE.fullmatch(image), f"{at}: image {image}"
            assert not image.split("@")[0].endswith(":latest"), f"{at}: pin a tag, not latest"
            if target.startswith("overlays/"):
                assert "@sha256:" in image and IMAGE.fullmatch(image)["registry"], \
                    f"{at}: an overlay runs images from the municipality's registry, pinned by digest: {image}"
            for kind in ("ephemeral-storage",):
                req, lim = (res.get("requests") or {}).get(kind), (res.get("limits") or {}).get(kind)
                assert req is not None and lim is not None, f"{at}: {kind} request and limit"
                assert quantity(req) <= quantity(lim), f"{at}: {kind} request {req} over limit {lim}"
                scratch = sum(quantity(volumes[m["name"]]["emptyDir"].get("sizeLimit", "0"))
                              for m in c.get("volumeMounts", []) if "emptyDir" in volumes[m["name"]])
                assert quantity(lim) > scratch, f"{at}: {kind} limit {lim} leaves no room beside its emptyDirs"


def test_deployments_run_their_service_with_probes_on_health(rendered):
    target, docs = rendered
    for name, d in by_name(docs, "Deployment").items():
        where = f"{target}: {name}"
        c = server(d)
        assert IMAGE.fullmatch(c["image"])["service"] == name, where
        assert c.get("command") == ["python", "-m", name], where
        assert replicas(d, docs) >= MIN_REPLICAS[name], where
        pre_stop = ((c.get("lifecycle") or {}).get("preStop") or {}).get("exec", {}).get("command", [])
        assert pre_stop[:1] == ["sleep"] and 0 < int(pre_stop[1]) < d["spec"]["template"]["spec"].get(
            "terminationGracePeriodSeconds", 30), f"{where}: a preStop pause shorter than the grace period"
        assert selects(d["spec"]["selector"], d["spec"]["template"]["metadata"]["labels"]), where
        port = SERVICES[name]
        assert [p["containerPort"] for p in c.get("ports", [])] == [port], where
        # readiness asks the service's own servers (GET /health/ready); liveness stays cheap
        paths = {"readinessProbe": "/health" if name == DESK else "/health/ready", "livenessProbe": "/health"}
        for probe, path in paths.items():
            get = (c.get(probe) or {}).get("httpGet")
            assert get, f"{where}: {probe} must be an httpGet"
            assert get.get("path") == path, f"{where}: {probe}"
            assert resolve_port(c, get["port"]) == port, f"{where}: {probe} port"
        env = effective_env(c, docs)
        assert plain(env, "PYTHONPATH") == PYTHONPATH, where
        assert plain(env, "OTEL_SERVICE_NAME") == name, where
        assert plain(env, f"DELOVOD_{name.upper()}_HTTP_HOST") == "0.0.0.0", f"{where}: must listen on all addresses"
        assert plain(env, f"DELOVOD_{name.upper()}_HTTP_PORT") == str(port), where


def test_each_service_reaches_its_deployments_port(rendered):
    target, docs = rendered
    deployments = by_name(docs, "Deployment")
    for name, svc in by_name(docs, "Service").items():
        where = f"{target}: Service {name}"
        d = deployments[name]
        assert svc["spec"].get("type", "ClusterIP") == "ClusterIP", f"{where}: expose through an ingress"
        assert selects({"matchLabels": svc["spec"]["selector"]}, d["spec"]["template"]["metadata"]["labels"]), where
        ports = svc["spec"]["ports"]
        assert len(ports) == 1 + len(SIDECARS.get(name, {})), where
        c = server(d)
        assert ports[0]["port"] == SERVICES[name], where
        assert resolve_port(c, ports[0].get("targetPort", ports[0]["port"])) == SERVICES[name], where
        sidecars = d["spec"]["template"]["spec"]["containers"][1:]
        for (sidecar, (module, port, service_port)), p, sc in zip(SIDECARS.get(name, {}).items(), ports[1:], sidecars):
            assert sc["name"] == sidecar and sc["command"] == ["python", "-m", module], where
            assert p["port"] == service_port and resolve_port(sc, p["targetPort"]) == port, f"{where}: {sidecar}"
            for probe in ("readinessProbe", "livenessProbe"):
                assert resolve_port(sc, sc[probe]["tcpSocket"]["port"]) == port, f"{where}: {sidecar} {probe}"


def test_settings_come_from_configmaps_and_secrets_under_their_real_names(rendered):
    target, docs = rendered
    known = settings_variables()
    for w in workloads(docs):
        pod = _pod_specs(w)[0]
        name = w["metadata"]["name"] if w["kind"] == "Deployment" else pod["serviceAccountName"]
        mounts = {m["mountPath"]: m for c in containers(pod) for m in c.get("volumeMounts", [])}
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for c in containers(pod):
            where = f"{target}: {w['kind']} {w['metadata']['name']}"
            env = effective_env(c, docs)
            for var, source in env.items():
                if var.startswith("DELOVOD_"):
                    assert var in known.get(name, ()), f"{where}: {var} is read by no setting of {name}"
                if SENSITIVE.search(var):
                    assert source[0] == "secret" and (source[1] == SECRET_NAME or source[2] in
                                                      OPERATOR_SECRETS.get(source[1], ())), \
                        f"{where}: {var} must come from {SECRET_NAME} or an operator's Secret, not {source}"
                elif source[0] in ("value", "configmap"):
                    assert not CREDENTIALS_IN_URI.search(source[-1]), f"{where}: credentials in {var}"
                if var.endswith("_DIR") and source[0] in ("value", "configmap"):
                    path = PurePosixPath(source[-1])
                    writable = [m for p, m in mounts.items() if path.is_relative_to(p) and not m.get("readOnly")]
                    assert writable, f"{where}: {var}={path} is on the read-only root filesystem"
            if w["kind"] != "Deployment" or c["name"] != "server":  # a sidecar needs only what it reads
                continue
            required = {f"DELOVOD_{name.upper()}_MONGO_URI"} | ({"DELOVOD_AMQP_URI"} if name != DESK else set())
            if name == "registry":
                required |= {"DELOVOD_REGISTRY_S3_ACCESS_KEY", "DELOVOD_REGISTRY_S3_SECRET_KEY"}
            infra = "in-cluster-infra" in target or target == "base+all-components"
            operators = {"DELOVOD_AMQP_URI": ("delovod-rabbitmq-default-user", "connection_string"),
                         f"DELOVOD_{name.upper()}_MONGO_URI": (f"{name}-mongo", "connectionString.standard")}
            for var in required:
                expected = operators[var] if infra and var in operators else (SECRET_NAME,)
                assert env.get(var, ("",))[1:1 + len(expected)] == expected and env[var][0] == "secret", \
                    f"{where}: {var} from {expected}, not {env.get(var)}"
            key_file = PurePosixPath(plain(env, "DELOVOD_AUTH_SECRET_FILE") or "/nonexistent")
            mount = mounts.get(str(key_file.parent))
            if name in AUTHENTICATING:
                assert mount and mount.get("readOnly"), f"{where}: {key_file.parent} must be a read-only mount"
                secret = volumes[mount["name"]].get("secret") or {}
                assert secret.get("secretName") == SECRET_NAME, where
                assert {"key": "jwt-secret", "path": key_file.name} in secret.get("items", []), where
                code_keys = PurePosixPath(plain(env, "DELOVOD_ACCESS_CODE_KEYS_FILE") or "/nonexistent")
                has_code_keys = code_keys.parent == key_file.parent and \
                    {"key": "access-code-keys", "path": code_keys.name} in secret.get("items", [])
                assert has_code_keys == (name in ("registry", "status")), \
                    f"{where}: the access-code keys belong to registry and status only"
            else:
                assert not any((v.get("secret") or {}).get("secretName") == SECRET_NAME for v in volumes.values()), \
                    f"{where}: {name} checks no tokens, so it gets no key"


def test_no_secret_is_rendered_and_configmaps_hold_no_credentials(rendered):
    target, docs = rendered
    assert not of_kind(docs, "Secret"), f"{target}: Secrets are created by the operator, never rendered"
    for cm in of_kind(docs, "ConfigMap"):
        for key, value in (cm.get("data") or {}).items():
            assert not SENSITIVE.search(key), f"{target}: {cm['metadata']['name']}.{key} belongs in a Secret"
            assert not CREDENTIALS_IN_URI.search(str(value)), f"{target}: credentials in {key}"


def test_everything_lands_in_one_restricted_namespace(rendered):
    target, docs = rendered
    namespaces = of_kind(docs, "Namespace")
    assert len(namespaces) == 1, target
    ns = namespaces[0]["metadata"]
    assert ns["labels"].get("pod-security.kubernetes.io/enforce") == "restricted", target
    for d in docs:
        if d["kind"] not in CLUSTER_SCOPED:
            assert d["metadata"].get("namespace") == ns["name"], f"{target}: {d['kind']} {d['metadata']['name']}"


def test_replicated_services_have_a_disruption_budget(rendered):
    target, docs = rendered
    budgets = of_kind(docs, "PodDisruptionBudget")
    for name, d in by_name(docs, "Deployment").items():
        if replicas(d, docs) > 1:
            labels = d["spec"]["template"]["metadata"]["labels"]
            assert any(selects(b["spec"]["selector"], labels) for b in budgets), f"{target}: {name}"


def test_status_scales_on_cpu_and_notifications_runs_two(rendered):
    target, docs = rendered
    for name, d in by_name(docs, "Deployment").items():
        hpa = autoscaler(d, docs)
        assert (hpa is not None) == (name in AUTOSCALED), f"{target}: {name}"
        if hpa:
            assert "replicas" not in d["spec"], f"{target}: {name}: the autoscaler owns replicas; apply must not reset it"
            assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"] >= MIN_REPLICAS[name], target
            assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"], target
        if name in FIXED_TWO:
            assert d["spec"].get("replicas") == 2 and d["spec"]["strategy"]["type"] == "RollingUpdate", f"{target}: {name}"
    source = (BASE / "notifications.yaml").read_text(encoding="utf-8")
    assert "Two replicas: one Python process keeps about one core" in source, "notifications.yaml says why it runs two"


def _policy_rules(policies: list[dict], labels: dict, direction: str) -> list[dict]:
    return [r for p in policies if selects(p["spec"]["podSelector"], labels)
            and direction.capitalize() in p["spec"].get("policyTypes", []) for r in p["spec"].get(direction, [])]


def test_network_policies_when_present_let_in_and_out_only_what_is_needed(rendered):
    target, docs = rendered
    policies = of_kind(docs, "NetworkPolicy")
    if target.startswith("overlays/"):
        assert policies, f"{target}: a municipality runs with components/network-policies"
    if not policies:
        return
    deny = [p for p in policies if p["spec"].get("podSelector") in ({}, None)
            and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
            and not p["spec"].get("ingress") and not p["spec"].get("egress")]
    assert deny, f"{target}: no default deny policy for ingress and egress"
    for name, d in by_name(docs, "Deployment").items():
        labels = d["spec"]["template"]["metadata"]["labels"]
        rules = _policy_rules(policies, labels, "ingress")
        assert rules, f"{target}: nothing may reach {name}"
        for rule in rules:
            ports = [p["port"] for p in rule.get("ports", [])]
            if len(ports) == 1 and (name, ports[0]) in SIDECAR_PEERS:
                assert rule.get("from") == SIDECAR_PEERS[name, ports[0]], f"{target}: {name} admits {rule.get('from')}"
                continue
            assert ports == [SERVICES[name]], f"{target}: {name} opens {ports}"
            assert rule.get("from") in (ALLOWED_PEERS[name], *EXTRA_PEERS.get(name, ())), \
                f"{target}: {name} admits {rule.get('from')}"
        egress = _policy_rules(policies, labels, "egress")
        dns = [r for r in egress if {(p["port"], p["protocol"]) for p in r.get("ports", [])} == {(53, "UDP"), (53, "TCP")}]
        assert dns and all(r.get("to") for r in dns), f"{target}: {name} resolves names through the cluster DNS only"
        opened = {p["port"] for r in egress for p in r.get("ports", [])}
        expected = {53, 5671, 5672, 9092, 9093, 27017, 4318} | {
            "registry": {443, 9000, 8333}, "notifications": {25, 587, 465, 13013, 443, 9000, 8333},
            "desk": {389, 636, 8001, 8002, 8003, 8004}}.get(name, set())
        assert opened == expected, f"{target}: {name} may connect to ports {sorted(opened)}"
        assert all(r.get("ports") for r in egress), f"{target}: {name} has an egress rule open on every port"


# --- valid Kubernetes ------------------------------------------------------------------------
def _strict(schema):
    """Unknown fields become errors, as for the API server's strict field validation: every
    object schema listing its properties, and not preserving unknown fields, gets
    additionalProperties: false (what kubeconform's -strict does to the built-in schemas)."""
    if isinstance(schema, dict):
        for value in schema.values():
            _strict(value)
        if schema.get("type") == "object" and isinstance(schema.get("properties"), dict) \
                and not schema.get("x-kubernetes-preserve-unknown-fields") and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
    elif isinstance(schema, list):
        for value in schema:
            _strict(value)
    return schema


def crd_schemas() -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) -> the strict JSON schema of that custom resource, from deploy/k8s/crds."""
    schemas = {}
    for path in sorted(CRDS.rglob("*.yaml")):
        for crd in _yaml_docs(path):
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
                schema.setdefault("properties", {}).update(
                    apiVersion={"type": "string"}, kind={"type": "string"}, metadata={"type": "object"})
                schemas[(f"{group}/{version['name']}", kind)] = _strict(schema)
    return schemas


CRD_SCHEMAS = crd_schemas() if CRDS.is_dir() else {}


def strict_errors(doc: dict) -> str | None:
    """The verdict on one object: None when valid Kubernetes 1.30, strictly (kubernetes-validate),
    or, for an operator's resource, valid against its CRD (deploy/k8s/crds), strictly."""
    import jsonschema
    import kubernetes_validate

    crd = CRD_SCHEMAS.get((doc.get("apiVersion"), doc.get("kind")))
    if crd is not None:
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                  for e in jsonschema.Draft7Validator(crd).iter_errors(doc)]
        return f"{doc['kind']} {doc['metadata']['name']}: {'; '.join(errors)}" if errors else None
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError) as exc:
        return f"{doc.get('kind')} {doc.get('metadata', {}).get('name')}: {exc.message}"
    return None


@pytest.fixture(scope="session")
def kubeconform_schemas(tmp_path_factory) -> list[str]:
    """kubernetes-validate's strict 1.30 schemas laid out as kubeconform reads them, so that it
    needs no download: each schema refers to its sibling _definitions.json, and loses its $id
    (an https URL kubeconform would resolve that reference against)."""
    source = importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema" / \
        f"v{KUBERNETES_VERSION}-local-strict"
    root = tmp_path_factory.mktemp("kubeconform-schemas")
    target = root / f"v{KUBERNETES_VERSION}-standalone-strict"
    target.mkdir()
    for schema in source.iterdir():
        data = json.loads(schema.read_text(encoding="utf-8").replace('"/api/_definitions.json', '"_definitions.json'))
        data.pop("$id", None)
        (target / schema.name).write_text(json.dumps(data), encoding="utf-8")
    for (api_version, kind), schema in CRD_SCHEMAS.items():  # the operators' resources
        group, version = api_version.split("/")
        (root / "crds" / group).mkdir(parents=True, exist_ok=True)
        (root / "crds" / group / f"{kind.lower()}_{version}.json").write_text(json.dumps(schema), encoding="utf-8")
    return [str(root / "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}"
                       "/{{ .ResourceKind }}{{ .KindSuffix }}.json"),
            str(root / "crds" / "{{ .Group }}" / "{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json")]


def kubeconform_errors(docs_by_name: dict[str, list[dict]], schemas: list[str], folder: Path) -> list[str]:
    """kubeconform's complaints about the given renderings (one file each), [] when all are valid."""
    files = []
    for name, docs in docs_by_name.items():
        files.append(folder / (re.sub(r"\W+", "_", name) + ".yaml"))
        files[-1].write_text(yaml.dump_all(docs, Dumper=DUMPER), encoding="utf-8")
    done = subprocess.run([tool("kubeconform"), "-strict", "-kubernetes-version", KUBERNETES_VERSION,
                           *(a for s in schemas for a in ("-schema-location", s)),
                           "-output", "json", "-summary", *map(str, files)],
                          capture_output=True, text=True, timeout=120)
    report = json.loads(done.stdout or "{}")
    found = report.get("summary", {}).get("valid", 0)
    errors = [f"{r['filename']}: {r['kind']} {r['name']}: {r['msg']}" for r in report.get("resources", [])]
    if done.returncode != 0 and not errors:
        errors.append(f"kubeconform exited {done.returncode}: {done.stderr}")
    if found != sum(len(d) for d in docs_by_name.values()) and not errors:
        errors.append(f"kubeconform validated {found} objects: {report.get('summary')}")
    return errors


def test_every_rendered_object_is_valid_kubernetes(rendered):
    target, docs = rendered
    errors = [e for e in map(strict_errors, docs) if e]
    assert not errors, f"{target}: not valid Kubernetes {KUBERNETES_VERSION}:\n" + "\n".join(errors)


def test_kubeconform_finds_every_rendering_valid(target_dirs, kubeconform_schemas, tmp_path):
    renderings = {name: render(folder) for name, folder in target_dirs.items()}
    errors = kubeconform_errors(renderings, kubeconform_schemas, tmp_path)
    assert not errors, "\n".join(errors)


def test_both_validators_refuse_an_unknown_field(kubeconform_schemas, tmp_path):
    """Strict means strict: a misspelt field (here in the pod's security context) is an error."""
    deployment = next(d for d in render(BASE) if d["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonroot"] = True
    assert "runAsNonroot" in (strict_errors(deployment) or "")
    errors = kubeconform_errors({"misspelt": [deployment]}, kubeconform_schemas, tmp_path)
    assert len(errors) == 1 and "runAsNonroot" in errors[0], errors


# --- specific targets ----------------------------------------------------------------------
@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_an_overlay_fills_every_placeholder(overlay):
    docs = render(overlay)
    namespace = of_kind(docs, "Namespace")[0]["metadata"]["name"]
    assert namespace == f"delovod-{overlay.name}"
    config = {k: v for cm in of_kind(docs, "ConfigMap") for k, v in (cm.get("data") or {}).items()}
    left = {k: v for k, v in config.items() if ".invalid" in v}
    assert not left, f"{overlay.name} keeps the base's placeholders: {left}"
    assert config["DELOVOD_PUBLIC_BASE_URL"].startswith("https://")
    assert _kustomization(overlay).get("images"), "an overlay pins its image tags"


def test_base_sends_no_traces_and_the_component_switches_them_on(target_dirs):
    shared = lambda docs: next(cm["data"] for cm in of_kind(docs, "ConfigMap")
                               if cm["metadata"]["name"].startswith("delovod-config"))
    assert shared(render(BASE))["OTEL_TRACES_EXPORTER"] == "none"
    if any(c.name == "otel-collector-endpoint" for c in COMPONENTS):
        data = shared(render(target_dirs["base+all-components"]))
        assert data["OTEL_TRACES_EXPORTER"] == "otlp"
        assert data["OTEL_EXPORTER_OTLP_ENDPOINT"].startswith("http")


# --- the sources themselves ----------------------------------------------------------------
def test_no_secret_data_is_committed():
    for path in sorted(K8S.rglob("*")):
        if path.suffix not in (".yaml", ".yml") and path.name != "Kustomization":
            continue
        for doc in _yaml_docs(path):
            if doc.get("kind") == "Secret":
                assert not doc.get("data") and not doc.get("stringData"), f"{path}: Secret with data"
            if doc.get("kind") in ("Kustomization", "Component"):
                assert not doc.get("secretGenerator"), f"{path}: secretGenerator; the operator creates {SECRET_NAME}"
    leftovers = [p for p in K8S.rglob("*") if p.is_file() and re.search(r"\.(env|pem|key)$|secret", p.name, re.I)]
    assert not leftovers, f"secret-looking files under deploy/k8s: {leftovers}"


def test_every_manifest_file_is_used_by_a_kustomization():
    used = set()
    for folder in {p.parent for p in K8S.rglob("kustomization.yaml")}:
        spec = _kustomization(folder)
        used |= {(folder / r).resolve() for r in spec.get("resources", [])}
        used |= {(folder / p["path"]).resolve() for p in spec.get("patches", []) if "path" in p}
    manifests = {p.resolve() for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml"
                 and p != ACCEPTED and CRDS not in p.parents}
    assert not manifests - used, f"not listed in any kustomization: {sorted(manifests - used)}"
    missing = [p for p in used if not p.exists()]
    assert not missing, f"listed but missing: {missing}"
    assert COMPONENTS and OVERLAYS and (BASE / "kustomization.yaml").is_file()


# --- ingress -------------------------------------------------------------------------------
# What the public ingress class may route, per service: the citizens' pages and nothing else.
PUBLIC_PATHS = {"status": {("/", "Exact"), ("/api/v1/cases/lookup", "Exact")},
                "catalogue": {("/", "Exact"), ("/api/v1/services", "Prefix")}}
PUBLIC_CLASS, INTERNAL_CLASS = "nginx", "nginx-internal"
RATE_LIMIT = "nginx.ingress.kubernetes.io/limit-rpm"


def _routes(ingress: dict) -> list[tuple[str, str, str, str]]:
    """(host, path, pathType, service) of every rule of an Ingress."""
    return [(rule.get("host", ""), p["path"], p["pathType"], p["backend"]["service"]["name"])
            for rule in ingress["spec"].get("rules", []) for p in rule["http"]["paths"]]


def test_ingresses_when_present_expose_the_citizens_pages_publicly_and_the_rest_internally(rendered):
    target, docs = rendered
    ingresses = of_kind(docs, "Ingress")
    if target.startswith("overlays/"):
        assert ingresses, f"{target}: a municipality runs with components/ingress"
    services = by_name(docs, "Service")
    for ing in ingresses:
        where = f"{target}: Ingress {ing['metadata']['name']}"
        cls = ing["spec"].get("ingressClassName")
        assert cls in (PUBLIC_CLASS, INTERNAL_CLASS), f"{where}: class {cls}"
        hosts = {h for r in ing["spec"]["rules"] for h in [r["host"]]}
        tls_hosts = {h for t in ing["spec"].get("tls", []) for h in t["hosts"]}
        assert hosts and hosts == tls_hosts and all(t.get("secretName") for t in ing["spec"]["tls"]), \
            f"{where}: every host served over TLS"
        for host, path, path_type, service in _routes(ing):
            assert service in services, f"{where}: {path} routes to a Service that is not rendered"
            port = ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"]
            assert port == {"name": "http"}, where
            if cls == PUBLIC_CLASS:
                assert (path, path_type) in PUBLIC_PATHS.get(service, set()), \
                    f"{where}: {path} ({path_type}) of {service} must not be public"
            elif service == DESK:
                assert (path, path_type) == ("/", "Prefix"), f"{where}: the desk takes the staff host's /"
            else:
                assert path.startswith("/api/"), f"{where}: {path}"
        if cls == PUBLIC_CLASS and any(s == "status" for *_, s in _routes(ing)):
            assert int(ing["metadata"]["annotations"][RATE_LIMIT]) <= 60, f"{where}: the lookup is rate limited"
    if ingresses:
        public = {(p, t) for i in ingresses if i["spec"]["ingressClassName"] == PUBLIC_CLASS
                  for _, p, t, _s in _routes(i)}
        assert public == set().union(*PUBLIC_PATHS.values()), f"{target}: public routes {public}"
        internal = {s for i in ingresses if i["spec"]["ingressClassName"] == INTERNAL_CLASS for *_, s in _routes(i)}
        assert internal == {"registry", "status", "notifications", DESK}, f"{target}: staff routes go to {internal}"
        assert len({h for i in ingresses for h, *_ in _routes(i)}) == 3, f"{target}: status, catalogue, staff hosts"


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_an_overlay_names_its_hosts_registry_and_ingress_network(overlay):
    docs = render(overlay)
    hosts = [h for i in of_kind(docs, "Ingress") for h, *_ in _routes(i)]
    assert hosts and not [h for h in hosts if h.endswith(".invalid")], f"{overlay.name} keeps placeholder hosts"
    for entry in _kustomization(overlay)["images"]:
        assert IMAGE.fullmatch(f"{entry.get('newName', '')}:x")["registry"], f"{overlay.name}: {entry}"
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", entry.get("digest", "")), f"{overlay.name}: {entry} has no digest"
    config = {k: v for cm in of_kind(docs, "ConfigMap") for k, v in (cm.get("data") or {}).items()}
    networks = [ipaddress.ip_network(n.strip()) for n in config["DELOVOD_STATUS_TRUSTED_PROXY_NETWORKS"].split(",")]
    documentation = ipaddress.ip_network("192.0.2.0/24")
    for net in networks:
        assert net.prefixlen >= 24 and net != documentation, \
            f"{overlay.name}: trust X-Forwarded-For from the ingress controller's nodes, not {net}"


# --- every combination ---------------------------------------------------------------------
def combinations(target_dirs_root: Path) -> dict[str, Path]:
    """A throwaway kustomization for the base and each overlay with every subset of the
    components it does not switch on itself."""
    made = {}
    for name, root in [("base", BASE), *((f"overlays/{o.name}", o) for o in OVERLAYS)]:
        own = {(root / c).resolve() for c in _kustomization(root).get("components", [])}
        rest = [c for c in COMPONENTS if c.resolve() not in own]
        for size in range(len(rest) + 1):
            for chosen in itertools.combinations(rest, size):
                folder = target_dirs_root / re.sub(r"\W+", "_", f"{name}+{'+'.join(c.name for c in chosen)}")
                folder.mkdir()
                rel = lambda p: os.path.relpath(p, folder)
                (folder / "kustomization.yaml").write_text(yaml.safe_dump({
                    "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                    "resources": [rel(root)], "components": [rel(c) for c in chosen]}))
                made[f"{name}+{'+'.join(c.name for c in chosen) or 'nothing'}"] = folder
    return made


def test_every_overlay_and_component_combination_renders_valid(kubeconform_schemas, tmp_path):
    (tmp_path / "combinations").mkdir()
    made = combinations(tmp_path / "combinations")
    assert len(made) >= 2 ** len(COMPONENTS), sorted(made)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:  # kustomize processes
        renderings = dict(zip(made, pool.map(render, made.values())))
    errors = kubeconform_errors(renderings, kubeconform_schemas, tmp_path)
    assert not errors, "\n".join(errors)
    for name, docs in renderings.items():
        assert {d["metadata"]["name"] for d in of_kind(docs, "Deployment")} == set(SERVICES), name


# --- linters: kube-score and checkov -------------------------------------------------------
CHECKOV = ROOT / ".local" / "checkov-venv" / "bin" / "checkov"


def accepted_findings(targets: list[str]) -> dict[tuple[str, str, str, str], str]:
    """(linter, check, Kind/name, target) -> the reason it is left standing. An entry holds in
    every linted target unless it names its `targets`."""
    data = yaml.safe_load(ACCEPTED.read_text(encoding="utf-8"))
    accepted = {}
    for linter in ("kube-score", "checkov"):
        for entry in data[linter]:
            assert len(entry["reason"].split()) >= 8, f"{entry['check']}: give a reason, not a word"
            for target in entry.get("targets", targets):
                assert target in targets, f"{entry['check']}: no linted target {target}"
                for obj in entry["objects"]:
                    accepted[(linter, entry["check"], obj, target)] = entry["reason"]
    return accepted


def kube_score_findings(docs: list[dict], folder: Path) -> set[tuple[str, str, str]]:
    path = folder / "kube-score.yaml"
    path.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    done = subprocess.run([tool("kube-score"), "score", "--output-format", "json", str(path)],
                          capture_output=True, text=True, timeout=120)
    if not done.stdout.strip().startswith("["):
        pytest.fail(f"kube-score failed ({done.returncode}): {done.stderr}")
    return {("kube-score", c["check"]["id"], f"{o['type_meta']['kind']}/{o['object_meta']['name']}")
            for o in json.loads(done.stdout) for c in o["checks"] if not c["skipped"] and c["grade"] < 10}


def checkov_findings(folder: Path) -> set[tuple[str, str, str]]:
    if not os.access(CHECKOV, os.X_OK):
        pytest.skip("checkov is missing: `bash deploy/local/test_tools.sh` installs it into .local/checkov-venv")
    env = {**os.environ, "PATH": f"{Path(tool('kustomize')).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([str(CHECKOV), "-d", str(folder), "--framework", "kustomize", "--skip-download",
                           "--quiet", "--compact", "-o", "json"], capture_output=True, text=True, timeout=300, env=env)
    try:
        reports = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov failed ({done.returncode}): {done.stderr[-2000:]}")
    reports = reports if isinstance(reports, list) else [reports]
    assert reports and reports[0].get("summary", {}).get("resource_count", 0) > 0, f"checkov checked nothing in {folder}"
    assert not any(r["summary"].get("parsing_errors") for r in reports), reports
    # resource: "<where>:Kind.namespace.name"
    return {("checkov", f["check_id"], "/".join(f["resource"].rsplit(":", 1)[-1].split(".")[::2]))
            for r in reports for f in r["results"]["failed_checks"]}


LINTED = [t for t in TARGETS if t != "base"]  # never deployed without components/network-policies


@pytest.fixture(scope="session")
def lint_findings(target_dirs, tmp_path_factory) -> set[tuple[str, str, str, str]]:
    """Every finding of both linters on what is deployed: each overlay, and the base with every
    component."""
    found = set()
    for name in LINTED:
        folder = target_dirs[name]
        lint = kube_score_findings(render(folder), tmp_path_factory.mktemp("kube-score")) | checkov_findings(folder)
        found |= {(*finding, name) for finding in lint}
    return found


def test_linters_find_nothing_that_is_not_accepted_with_a_reason(lint_findings):
    accepted = accepted_findings(LINTED)
    new = sorted(lint_findings - set(accepted))
    assert not new, "findings of kube-score / checkov: fix them, or justify each in " \
        f"{ACCEPTED.relative_to(ROOT)}:\n" + "\n".join(map(str, new))
    # An object absent from a target (the seed Job where catalogue-seed is off) finds nothing there.
    stale = sorted({key[:3] for key in accepted} - {key[:3] for key in lint_findings})
    assert not stale, f"accepted in {ACCEPTED.relative_to(ROOT)} but no longer found (remove them):\n" + \
        "\n".join(map(str, stale))


def test_the_linters_do_find_what_they_are_asked_to(tmp_path):
    """A Deployment without resources or probes gives kube-score and checkov findings, so an
    empty answer means a clean rendering, not a linter that read nothing."""
    deployment = next(d for d in render(BASE) if d["kind"] == "Deployment")
    del deployment["spec"]["template"]["spec"]["containers"][0]["resources"]
    found = kube_score_findings([deployment], tmp_path)
    assert ("kube-score", "container-resources", f"Deployment/{deployment['metadata']['name']}") in found, found
    (tmp_path / "k").mkdir()
    (tmp_path / "k" / "d.yaml").write_text(yaml.safe_dump(deployment))
    (tmp_path / "k" / "kustomization.yaml").write_text(yaml.safe_dump({"resources": ["d.yaml"]}))
    found = checkov_findings(tmp_path / "k")
    assert any(c == "CKV_K8S_13" for _, c, _o in found), found  # memory limits


# --- components/in-cluster-infra -------------------------------------------------------------
INFRA = K8S / "components" / "in-cluster-infra"
OPERATOR_KINDS = {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser", "MongoDBCommunity", "RabbitmqCluster"}


def test_in_cluster_infra_declares_one_kafka_topic_per_topic_of_the_contract(target_dirs):
    from delovod_proto import topics

    docs = render(target_dirs["base+all-components"])
    declared = [t["spec"]["topicName"] for t in of_kind(docs, "KafkaTopic")]
    assert sorted(declared) == sorted(topics.ALL)
    kafka = of_kind(docs, "Kafka")[0]["metadata"]["name"]
    for t in of_kind(docs, "KafkaTopic") + of_kind(docs, "KafkaUser") + of_kind(docs, "KafkaNodePool"):
        assert t["metadata"]["labels"]["strimzi.io/cluster"] == kafka, t["metadata"]["name"]


def test_every_operator_resource_is_valid_against_its_crd(target_dirs):
    docs = render(target_dirs["base+all-components"])
    custom = [d for d in docs if (d["apiVersion"], d["kind"]) in CRD_SCHEMAS]
    assert {d["kind"] for d in custom} == OPERATOR_KINDS, "each operator resource has its CRD in deploy/k8s/crds"
    errors = [e for e in map(strict_errors, custom) if e]
    assert not errors, "\n".join(errors)


def test_a_crd_schema_refuses_an_unknown_or_mistyped_field(target_dirs):
    docs = render(target_dirs["base+all-components"])
    topic = copy.deepcopy(of_kind(docs, "KafkaTopic")[0])
    topic["spec"]["partition"] = 3
    assert "partition" in (strict_errors(topic) or "")
    cluster = copy.deepcopy(of_kind(docs, "MongoDBCommunity")[0])
    cluster["spec"]["members"] = "three"
    assert "members" in (strict_errors(cluster) or "")


def test_in_cluster_infra_wires_the_services_to_the_operators_secrets(target_dirs):
    docs = render(target_dirs["base+all-components"])
    config = {k: v for cm in of_kind(docs, "ConfigMap") for k, v in (cm.get("data") or {}).items()}
    kafka = of_kind(docs, "Kafka")[0]
    listeners = kafka["spec"]["kafka"]["listeners"]
    assert [(l["name"], l["tls"], l["authentication"]["type"]) for l in listeners] == [("tls", True, "scram-sha-512")], \
        "one listener, TLS with SCRAM: no plaintext way into Kafka"
    assert config["DELOVOD_KAFKA_BOOTSTRAP"] == f"{kafka['metadata']['name']}-kafka-bootstrap:{listeners[0]['port']}"
    assert config["DELOVOD_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert config["DELOVOD_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    user = of_kind(docs, "KafkaUser")[0]
    assert config["DELOVOD_KAFKA_SASL_USERNAME"] == user["metadata"]["name"]
    assert user["spec"]["authentication"]["type"] == "scram-sha-512"
    # the files the settings name are the KafkaUser's password and the cluster CA's certificate
    files = {PurePosixPath(config["DELOVOD_KAFKA_SASL_PASSWORD_FILE"]): (user["metadata"]["name"], "password"),
             PurePosixPath(config["DELOVOD_KAFKA_SSL_CA_FILE"]): (f"{kafka['metadata']['name']}-cluster-ca-cert", "ca.crt")}
    for name, d in by_name(docs, "Deployment").items():
        if name == DESK:
            continue  # speaks no Kafka
        pod, c = d["spec"]["template"]["spec"], server(d)
        volumes = {v["name"]: v for v in pod["volumes"]}
        mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
        for path, (secret, key) in files.items():
            mount = mounts.get(str(path.parent))
            assert mount and mount.get("readOnly"), f"{name}: {path.parent} mounted read-only"
            source = volumes[mount["name"]]["secret"]
            assert source["secretName"] == secret and {"key": key, "path": path.name} in source["items"], name
    rabbit = of_kind(docs, "RabbitmqCluster")[0]["metadata"]["name"]
    users = {u["name"]: u for u in of_kind(docs, "MongoDBCommunity")[0]["spec"]["users"]}
    for w in workloads(docs):
        for c in containers(_pod_specs(w)[0]):
            env = effective_env(c, docs)
            for var, source in env.items():
                if var == "DELOVOD_AMQP_URI":
                    assert source == ("secret", f"{rabbit}-default-user", "connection_string"), w["metadata"]["name"]
                if var.endswith("_MONGO_URI"):
                    user = users[var.split("_")[1].lower()]
                    assert source == ("secret", user["connectionStringSecretName"], "connectionString.standard")
                    assert user["roles"] == [{"name": "readWrite", "db": user["db"]}], user["name"]


def test_the_staff_ingress_takes_the_largest_registration_the_registry_reads(target_dirs):
    """nginx's proxy-body-size is the registry's max_request_mb (its setting, or the settings
    class's default): smaller, nginx refuses with its own English 413 page what the registry
    would take; larger, nothing is wrong but the number lies."""
    from registry.settings import RegistrySettings

    docs = render(target_dirs["base+all-components"])
    config = {k: v for cm in of_kind(docs, "ConfigMap") for k, v in (cm.get("data") or {}).items()}
    limit_mb = int(config.get("DELOVOD_REGISTRY_MAX_REQUEST_MB", RegistrySettings.model_fields["max_request_mb"].default))
    staff = by_name(docs, "Ingress")["staff"]
    body = staff["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    assert re.fullmatch(r"\d+m", body) and int(body[:-1]) == limit_mb, f"proxy-body-size {body}, registry {limit_mb} MB"
    assert "registry" in {s for *_, s in _routes(staff)}

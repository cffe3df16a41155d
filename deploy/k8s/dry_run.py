"""Server-side dry run of deploy/k8s against a real kube-apiserver, on loopback (`make k8s-dry-run`).

Starts Debian's etcd and a kube-apiserver built from source (deploy/k8s/apiserver) on
127.0.0.1, with a throwaway CA, serving certificate, service-account key and static token
made by openssl under .local/k8s-dry-run/. Once /readyz answers it installs the operators'
CRDs of deploy/k8s/crds (server-side apply, for real), creates the namespaces the renderings
put objects in (for real, from the rendered Namespace objects, so Pod Security labels apply),
then renders what the manifest tier renders (tests/unit/test_k8s_manifests.py: the base,
every overlay, the base with every component, and every combination of components on the
base and on each overlay) with .local/bin/kustomize and sends each distinct object once
with server-side apply, `dryRun=All` and `fieldValidation=Strict`. It prints one line per
object, accepted or refused with the apiserver's message, and every warning (Pod Security
among them), then stops what it started, by PID. Exit status 1 when any object
is refused or the servers do not start.

Not covered: no controller manager or scheduler runs (nothing is scheduled, defaulted by a
controller, or garbage-collected), and no operator or cert-manager runs, so no admission
webhook they would register exists: only the CRDs' OpenAPI schemas and CEL rules (Strimzi's
Kafka and KafkaUser have some) judge the custom resources.

Over 300 lines (about 380): the throwaway cluster (certificates, processes, readiness) would
move to a module of its own if anything but this script used it.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import requests
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BIN = ROOT / ".local" / "bin"
WORK = ROOT / ".local" / "k8s-dry-run"
ETCD_PORT, ETCD_PEER_PORT, API_PORT = 23790, 23800, 16443
TOKEN = "delovod-dry-run-token"        # a throwaway cluster on loopback, deleted at each run
FIELD_MANAGER = "delovod-dry-run"
READY_TIMEOUT = 300                      # s; the first start on a loaded 2-core machine is slow


def log(message: str) -> None:
    print(f"[k8s-dry-run] {message}", flush=True)


# --- certificates ------------------------------------------------------------------------
def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=WORK / "pki")


def make_pki() -> dict[str, Path]:
    pki = WORK / "pki"
    pki.mkdir(parents=True)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=delovod-dry-run-ca",
            "-keyout", "ca.key", "-out", "ca.crt")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=kube-apiserver",
            "-keyout", "apiserver.key", "-out", "apiserver.csr")
    (pki / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n"
                                 "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "1", "-extfile", "san.ext", "-out", "apiserver.crt")
    openssl("genrsa", "-out", "sa.key", "2048")
    openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub")
    (pki / "tokens.csv").write_text(f"{TOKEN},dry-run-admin,dry-run-admin,system:masters\n")
    return {name: pki / name for name in ("ca.crt", "apiserver.crt", "apiserver.key", "sa.key", "sa.pub",
                                          "tokens.csv")}


# --- processes -----------------------------------------------------------------------------
def start(name: str, argv: list[str]) -> subprocess.Popen:
    out = open(WORK / f"{name}.log", "wb")
    proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    log(f"started {name} (pid {proc.pid}), log .local/k8s-dry-run/{name}.log")
    return proc


def stop(name: str, proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        log(f"{name} (pid {proc.pid}) had already exited with {proc.returncode}")
        return
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    log(f"stopped {name} (pid {proc.pid})")


def tail(name: str, lines: int = 25) -> str:
    text = (WORK / f"{name}.log").read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])


def etcd_argv(etcd: str) -> list[str]:
    client, peer = f"http://127.0.0.1:{ETCD_PORT}", f"http://127.0.0.1:{ETCD_PEER_PORT}"
    return [etcd, "--name", "dry-run", "--data-dir", str(WORK / "etcd"),
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", f"dry-run={peer}", "--initial-cluster-state", "new",
            "--log-level", "warn"]


def apiserver_argv(apiserver: str, pki: dict[str, Path], emulated: str | None) -> list[str]:
    return [apiserver, *([f"--emulated-version=kube={emulated}"] if emulated else []),
            f"--etcd-servers=http://127.0.0.1:{ETCD_PORT}",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={API_PORT}",
            f"--cert-dir={WORK / 'pki'}",
            f"--tls-cert-file={pki['apiserver.crt']}", f"--tls-private-key-file={pki['apiserver.key']}",
            f"--client-ca-file={pki['ca.crt']}", f"--token-auth-file={pki['tokens.csv']}",
            "--authorization-mode=RBAC",           # the token's group system:masters may do anything
            f"--service-account-key-file={pki['sa.pub']}",
            f"--service-account-signing-key-file={pki['sa.key']}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "--service-cluster-ip-range=10.96.0.0/16",
            "--endpoint-reconciler-type=none",     # it refuses 127.0.0.1 as the kubernetes Service's endpoint
            "--v=1"]


# --- the API -------------------------------------------------------------------------------
class Api:
    def __init__(self, ca: Path) -> None:
        self.base = f"https://127.0.0.1:{API_PORT}"
        self.http = requests.Session()
        self.ca = str(ca)       # passed with each request: REQUESTS_CA_BUNDLE would override a session's
        self.http.headers["Authorization"] = f"Bearer {TOKEN}"
        self.discovered: dict[str, dict[str, dict] | None] = {}

    def get(self, path: str, **kw) -> requests.Response:
        return self.http.get(self.base + path, timeout=30, verify=self.ca, **kw)

    def resources(self, api_version: str, refresh: bool = False) -> dict[str, dict] | None:
        """kind -> APIResource of a group version, None when the server does not serve it."""
        if refresh or api_version not in self.discovered:
            path = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
            answer = self.get(path)
            self.discovered[api_version] = None if answer.status_code == 404 else {
                r["kind"]: r for r in answer.json()["resources"] if "/" not in r["name"]}
        return self.discovered[api_version]

    def path(self, obj: dict) -> str:
        api_version, kind = obj["apiVersion"], obj["kind"]
        served = self.resources(api_version)
        if served is None or kind not in served:
            raise LookupError(f"the server serves no {kind} in {api_version}")
        prefix = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
        meta = obj["metadata"]
        if served[kind]["namespaced"]:
            prefix += f"/namespaces/{quote(meta.get('namespace') or 'default')}"
        return f"{prefix}/{served[kind]['name']}/{quote(meta['name'])}"

    def apply(self, obj: dict, dry_run: bool) -> tuple[bool, str, list[str]]:
        """Server-side apply; (accepted, message, warnings)."""
        try:
            path = self.path(obj)
        except LookupError as exc:
            return False, str(exc), []
        params = {"fieldManager": FIELD_MANAGER, "fieldValidation": "Strict", "force": "true"}
        if dry_run:
            params["dryRun"] = "All"
        answer = self.http.patch(self.base + path, params=params, data=json.dumps(obj).encode(),
                                 headers={"Content-Type": "application/apply-patch+yaml"}, timeout=60,
                                 verify=self.ca)
        warnings = [_warning_text(w) for w in answer.raw.headers.getlist("Warning")]  # urllib3's headers
        if answer.ok:
            return True, f"{answer.status_code}", warnings
        try:
            message = answer.json().get("message", answer.text)
        except ValueError:
            message = answer.text
        return False, f"{answer.status_code} {message}", warnings


def _warning_text(header: str) -> str:
    """`299 - "would violate PodSecurity \\"restricted:latest\\": ..."` -> the text."""
    return header.split(" ", 2)[-1].strip().strip('"').replace('\\"', '"')


def wait_ready(api: Api, procs: dict[str, subprocess.Popen]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    last = ""
    while time.monotonic() < deadline:
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{tail(name)}")
        try:
            answer = api.get("/readyz", params={"verbose": "1"})
            if answer.status_code == 200:
                return
            last = f"{answer.status_code} " + "; ".join(l for l in answer.text.splitlines() if "[-]" in l)
        except requests.ConnectionError as exc:
            last = str(exc)
        time.sleep(1)
    raise RuntimeError(f"kube-apiserver not ready after {READY_TIMEOUT} s: {last}\n{tail('kube-apiserver')}")


# --- what is sent ----------------------------------------------------------------------------
def render(kustomize: str, folder: Path) -> list[dict]:
    done = subprocess.run([kustomize, "build", str(folder)], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"kustomize build {folder} failed:\n{done.stderr}")
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def _kustomization(folder: Path) -> dict:
    return yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8")) or {}


def targets(scratch: Path) -> dict[str, Path]:
    """What the manifest tier renders (tests/unit/test_k8s_manifests.py): its TARGETS (the
    base, every overlay, the base with every component) and every combination of the base
    and each overlay with a subset of the components it does not switch on itself, each a
    throwaway kustomization under `scratch`."""
    overlays = sorted(p for p in (K8S / "overlays").iterdir() if p.is_dir())
    components = sorted(p for p in (K8S / "components").iterdir() if p.is_dir())

    def throwaway(name: str, root: Path, chosen, namespace: str | None = None) -> Path:
        folder = scratch / re.sub(r"\W+", "_", name)
        folder.mkdir(parents=True, exist_ok=True)
        rel = lambda p: os.path.relpath(p, folder)  # kustomize refuses absolute roots
        kustomization = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                         **({"namespace": namespace} if namespace else {}),
                         "resources": [rel(root)], "components": [rel(c) for c in chosen]}
        (folder / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
        return folder

    found = {"base": K8S / "base", **{f"overlays/{p.name}": p for p in overlays},
             "base+all-components": throwaway("all-components", K8S / "base", components, "delovod")}
    for name, root in [("base", K8S / "base"), *((f"overlays/{o.name}", o) for o in overlays)]:
        own = {(root / c).resolve() for c in _kustomization(root).get("components", [])}
        rest = [c for c in components if c.resolve() not in own]
        for size in range(len(rest) + 1):
            for chosen in itertools.combinations(rest, size):
                label = f"{name}+{'+'.join(c.name for c in chosen) or 'nothing'}"
                found[label] = throwaway(f"{name}+{'+'.join(c.name for c in chosen)}", root, chosen)
    return found


def crds() -> list[dict]:
    return [d for f in sorted((K8S / "crds").rglob("*.yaml")) for d in yaml.safe_load_all(f.read_text())
            if d and d.get("kind") == "CustomResourceDefinition"]


def install_crds(api: Api) -> list[str]:
    """Applies the CRDs for real and waits until each is Established; the refusals."""
    refused = []
    for crd in crds():
        ok, message, _ = api.apply(crd, dry_run=False)
        if not ok:
            refused.append(f"CRD {crd['metadata']['name']}: {message}")
            continue
        name, deadline = crd["metadata"]["name"], time.monotonic() + 60
        while time.monotonic() < deadline:
            status = api.get(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}").json().get("status", {})
            if any(c["type"] == "Established" and c["status"] == "True" for c in status.get("conditions") or []):
                break
            time.sleep(0.5)
        else:
            refused.append(f"CRD {name}: not Established after 60 s")
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in (v["name"] for v in crd["spec"]["versions"] if v.get("served")):
            while kind not in (api.resources(f"{group}/{version}", refresh=True) or {}) and time.monotonic() < deadline:
                time.sleep(0.5)                   # discovery follows Established a moment later
        log(f"CRD {name}: {'installed' if ok else 'REFUSED'}")
    return refused


def name_of(obj: dict) -> str:
    meta = obj.get("metadata", {})
    where = f"{meta['namespace']}/" if meta.get("namespace") else ""
    return f"{obj['kind']} {where}{meta.get('name')}"


def create_namespaces(api: Api, rendered: dict[str, list[dict]]) -> list[str]:
    """For real, from the rendered Namespace objects (their Pod Security labels then judge the
    pods): nothing can be dry-run into a namespace that does not exist. The refusals."""
    namespaces = {d["metadata"]["name"]: d for docs in rendered.values() for d in docs if d["kind"] == "Namespace"}
    needed = {d["metadata"]["namespace"] for docs in rendered.values() for d in docs if d["metadata"].get("namespace")}
    refused = []
    for ns in sorted(needed | set(namespaces)):
        obj = namespaces.get(ns) or {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
        ok, message, _ = api.apply(obj, dry_run=False)
        log(f"namespace {ns}: {'created' if ok else 'REFUSED ' + message}")
        refused += [] if ok else [f"Namespace {ns}: {message}"]
    return refused


def dry_run_all(api: Api, rendered: dict[str, list[dict]]) -> list[str]:
    """Each distinct object once (most are the same in many renderings); the refusals."""
    key = lambda obj: json.dumps(obj, sort_keys=True)
    distinct: dict[str, tuple[dict, list[str]]] = {}
    for target, docs in rendered.items():
        for obj in docs:
            distinct.setdefault(key(obj), (obj, []))[1].append(target)
    log(f"{len(rendered)} renderings, {sum(map(len, rendered.values()))} objects, {len(distinct)} distinct: "
        "server-side apply of each with dryRun=All, fieldValidation=Strict")
    verdict: dict[str, bool] = {}
    refused = []
    sent = time.monotonic()
    for text, (obj, where) in sorted(distinct.items(), key=lambda kv: (name_of(kv[1][0]), len(kv[1][1]))):
        ok, message, warnings = api.apply(obj, dry_run=True)
        verdict[text] = ok
        seen = f"in {len(where)} of {len(rendered)} renderings" + \
            (f", e.g. {where[0]}" if len(where) < len(rendered) else "")
        print(f"  {'accepted' if ok else 'REFUSED '} {name_of(obj)} ({seen})" + ("" if ok else f": {message}"))
        for warning in warnings:
            print(f"    warning: {warning}")
        refused += [] if ok else [f"{name_of(obj)} ({seen}): {message}"]
    log(f"sent {len(distinct)} objects in {time.monotonic() - sent:.0f} s")
    for target, docs in rendered.items():
        if "+" not in target or target == "base+all-components":
            log(f"{target}: {sum(verdict[key(d)] for d in docs)} of {len(docs)} objects accepted")
    whole = sum(all(verdict[key(d)] for d in docs) for docs in rendered.values())
    log(f"{whole} of {len(rendered)} renderings accepted whole")
    return refused


def start_servers(binaries: dict[str, Path], pki: dict[str, Path], procs: dict[str, subprocess.Popen],
                  emulated: str | None) -> Api:
    procs["etcd"] = start("etcd", etcd_argv(str(binaries["etcd"])))
    started = time.monotonic()
    procs["kube-apiserver"] = start("kube-apiserver", apiserver_argv(str(binaries["kube-apiserver"]), pki, emulated))
    api = Api(pki["ca.crt"])
    wait_ready(api, procs)
    etcd = subprocess.run([str(binaries["etcd"]), "--version"], capture_output=True, text=True).stdout.split()
    emulating = f" emulating {emulated}" if emulated else ""
    log(f"kube-apiserver {api.get('/version').json()['gitVersion']}{emulating} ready after "
        f"{time.monotonic() - started:.0f} s; etcd {etcd[2]}")
    return api


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="leave the servers running until Ctrl-C")
    parser.add_argument("--emulated-version", metavar="1.MINOR",
                        help="what the apiserver emulates (kube-apiserver 1.34 goes back to 1.31)")
    args = parser.parse_args()
    binaries = {"kube-apiserver": BIN / "kube-apiserver", "kustomize": BIN / "kustomize",
                "etcd": Path(shutil.which("etcd") or "/usr/bin/etcd")}
    absent = [f"{n} ({p})" for n, p in binaries.items() if not os.access(p, os.X_OK)]
    if absent:
        log("missing: " + ", ".join(absent) + "; `make k8s-dry-run` builds kube-apiserver and kustomize, "
            "etcd is Debian's etcd-server (apt-get install etcd-server)")
        return 1
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    pki = make_pki()
    procs: dict[str, subprocess.Popen] = {}
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        api = start_servers(binaries, pki, procs, args.emulated_version)
        problems = install_crds(api)
        found = targets(WORK / "renderings")
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:  # kustomize processes
            rendered = dict(zip(found, pool.map(lambda f: render(str(binaries["kustomize"]), f), found.values())))
        api.discovered.clear()                # the CRDs' group versions are served now
        problems += create_namespaces(api, rendered)
        problems += dry_run_all(api, rendered)
        for problem in problems:
            log(f"REFUSED {problem}")
        if args.keep:
            log(f"servers left running on https://127.0.0.1:{API_PORT} (token {TOKEN}, CA {pki['ca.crt']}); "
                "Ctrl-C stops them")
            while True:
                time.sleep(3600)
        return 1 if problems else 0
    except (RuntimeError, requests.RequestException) as exc:
        log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        for name in reversed(list(procs)):
            stop(name, procs[name])


if __name__ == "__main__":
    sys.exit(main())

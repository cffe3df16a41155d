"""deploy/local/test_tools.sh, run against a fake machine: a PATH that holds the ordinary
commands plus fake `id` (root), `apt-get`, `apt-cache`, `go` and `python3` that record what they are asked,
and no Chromium, kustomize, kubeconform, kube-score or checkov. Nothing is installed for real."""
from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "local" / "test_tools.sh"
FAKED = {"id", "apt-get", "apt-cache", "go", "chromium", "kustomize", "kubeconform", "kubectl", "kube-score",
         "checkov", "python3"}
PINNED = {"kustomize": ("sigs.k8s.io/kustomize/kustomize/v5", "sigs.k8s.io/kustomize/kustomize/v5", "v5.7.1"),
          "kubeconform": ("github.com/yannh/kubeconform/cmd/kubeconform", "github.com/yannh/kubeconform", "v0.8.0"),
          "kube-score": ("github.com/zegl/kube-score/cmd/kube-score", "github.com/zegl/kube-score", "v1.20.0")}
CHECKOV = "3.3.30"
# `python3 -m venv DIR` makes DIR/bin/pip, whose `install` leaves a checkov answering its version.
PYTHON3 = """#!/bin/bash
echo "python3 $*" >>"$FAKE_LOG"
[ "$1 $2" = "-m venv" ] || exit 1
mkdir -p "$3/bin"
printf '#!/bin/bash\necho "pip $*" >>"$FAKE_LOG"\nprintf "#!/bin/sh\\necho %s\\n" >"$(dirname "$0")/checkov"\nchmod +x "$(dirname "$0")/checkov"\n' "$CHECKOV_FAKE_VERSION" >"$3/bin/pip"
chmod +x "$3/bin/pip"
"""
# What `apt-cache policy chromium` prints, then far more than a pipe buffer (64 KiB) holds: a
# reader that stops at the first match leaves the writer to die of SIGPIPE.
LONG_POLICY = """#!/bin/bash
printf 'chromium:\\n  Installed: (none)\\n  Candidate: 156.0.8078.114-1~deb12u1\\n  Version table:\\n'
seq 1 300000
"""
NO_CANDIDATE = "#!/bin/bash\nprintf 'chromium:\\n  Installed: (none)\\n  Candidate: (none)\\n'\n"
# Installing chromium makes the browser appear where the script looks for it.
APT_GET = """#!/bin/bash
echo "apt-get $*" >>"$FAKE_LOG"
if [ "$1" = install ]; then printf '#!/bin/sh\\n' >"$DELOVOD_TEST_CHROMIUM"; chmod +x "$DELOVOD_TEST_CHROMIUM"; fi
"""
# `go version -m` answers from a sidecar file; `go install` records its environment and builds a
# binary with the asked version.
GO = """#!/bin/bash
if [ "$1" = version ]; then cat "$3.buildinfo" 2>/dev/null || exit 1; exit 0; fi
echo "go $* GOTOOLCHAIN=$GOTOOLCHAIN GOBIN=$GOBIN" >>"$FAKE_LOG"
name=$(basename "${2%@*}"); [ "$name" = v5 ] && name=kustomize
printf '#!/bin/sh\\n' >"$GOBIN/$name"; chmod +x "$GOBIN/$name"
"""


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _buildinfo(name: str, version: str) -> str:
    package, module, _ = PINNED[name]
    return f"{name}: go1.26.8\n\tpath\t{package}\n\tmod\t{module}\t{version}\th1:x=\n"


@pytest.fixture
def machine(tmp_path):
    """A fake machine; returns run(apt_cache=..., go=True, ci=False) -> (CompletedProcess, log lines)."""
    bin_dir, tools = tmp_path / "bin", tmp_path / "tools"
    bin_dir.mkdir(), tools.mkdir()
    for folder in ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        for entry in sorted(Path(folder).iterdir()) if Path(folder).is_dir() else []:
            target = bin_dir / entry.name
            if entry.name not in FAKED and not target.exists() and os.access(entry, os.X_OK):
                target.symlink_to(entry)
    log = tmp_path / "calls.log"
    log.touch()
    _executable(bin_dir / "apt-get", APT_GET)
    _executable(bin_dir / "id", "#!/bin/sh\necho 0\n")  # root, as on a CI runner
    _executable(bin_dir / "python3", PYTHON3)
    checkov_venv = tmp_path / "checkov-venv"

    def run(apt_cache: str = LONG_POLICY, go: bool = True, ci: bool = False):
        _executable(bin_dir / "apt-cache", apt_cache)
        if go:
            _executable(bin_dir / "go", GO)
        env = {"PATH": str(bin_dir), "HOME": str(tmp_path), "FAKE_LOG": str(log),
               "DELOVOD_TEST_CHROMIUM": str(tmp_path / "chromium"), "DELOVOD_TOOLS_BIN": str(tools),
               "DELOVOD_CHECKOV_VENV": str(checkov_venv), "CHECKOV_FAKE_VERSION": CHECKOV}
        if ci:
            env["CI"] = "true"
        done = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
        return done, log.read_text().splitlines()

    run.tools = tools
    run.chromium = tmp_path / "chromium"
    run.checkov_venv = checkov_venv
    return run


def test_a_long_apt_cache_answer_still_installs_chromium(machine):
    done, calls = machine()
    assert done.returncode == 0, done.stderr
    assert "apt-get install -y -qq chromium" in calls, (calls, done.stdout, done.stderr)
    assert os.access(machine.chromium, os.X_OK)


def test_go_tools_are_built_into_the_tools_folder_with_the_local_toolchain(machine):
    done, calls = machine()
    assert done.returncode == 0, done.stderr
    for package, _, version in PINNED.values():
        assert f"go install {package}@{version} GOTOOLCHAIN=local GOBIN={machine.tools}" in calls, calls
    assert {p.name for p in machine.tools.iterdir()} == set(PINNED)


def test_checkov_gets_its_own_venv_at_its_pinned_version(machine):
    done, calls = machine()
    assert done.returncode == 0, done.stderr
    assert f"python3 -m venv {machine.checkov_venv}" in calls, calls
    assert f"pip install -q --disable-pip-version-check checkov=={CHECKOV}" in calls, calls
    assert os.access(machine.checkov_venv / "bin" / "checkov", os.X_OK)


def _present_checkov(machine, version: str = CHECKOV) -> None:
    (machine.checkov_venv / "bin").mkdir(parents=True)
    _executable(machine.checkov_venv / "bin" / "checkov", f"#!/bin/sh\necho {version}\n")


def test_nothing_is_installed_when_everything_is_there_at_its_version(machine):
    _executable(machine.chromium, "#!/bin/sh\n")
    _present_checkov(machine)
    for name, (_, _, version) in PINNED.items():
        _executable(machine.tools / name, "#!/bin/sh\n")
        (machine.tools / f"{name}.buildinfo").write_text(_buildinfo(name, version))
    done, calls = machine()
    assert (done.returncode, done.stdout, done.stderr, calls) == (0, "", "", [])


def test_a_tool_at_another_version_is_rebuilt(machine):
    _executable(machine.chromium, "#!/bin/sh\n")
    _present_checkov(machine)
    for name in PINNED:
        _executable(machine.tools / name, "#!/bin/sh\n")
        (machine.tools / f"{name}.buildinfo").write_text(_buildinfo(name, "v0.0.1"))
    done, calls = machine()
    assert done.returncode == 0, done.stderr
    assert sorted(c.split()[2] for c in calls) == sorted(f"{p}@{v}" for p, _, v in PINNED.values())


def test_under_ci_a_tool_that_cannot_be_installed_fails_in_one_line(machine):
    done, _ = machine(apt_cache=NO_CANDIDATE, go=False, ci=True)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("[delovod] error:"), done.stderr
    for what in ("chromium", "kustomize v5.7.1", "kubeconform v0.8.0", "kube-score v1.20.0", "https://go.dev/dl"):
        assert what in lines[0], lines[0]


def test_outside_ci_a_missing_tool_is_named_and_the_run_goes_on(machine):
    done, _ = machine(apt_cache=NO_CANDIDATE, go=False)
    assert done.returncode == 0, done.stderr
    assert "chromium" in done.stdout and "kustomize" in done.stdout, done.stdout

"""What a command runs from disk is judged (the native guard, crates/vitana_core/src/guard/ondisk.rs): make targets, package.json
scripts, shell scripts by path or launcher; unreadable or malformed files deny."""
from __future__ import annotations

import io
import json
import os

import pytest

from vitana_guard.hooks import agents

# the guard's bounds (crates/vitana_core/src/guard/ondisk.rs): files it reads, levels it follows
MAX_BYTES = 1 << 20
MAX_DEPTH = 4


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    p = tmp_path / "p"
    (p / ".git").mkdir(parents=True)
    (p / "Makefile").write_text("all: test\n\ntest:\n\tpytest -q\n\nrelease: image\n\t@gcloud run deploy web --source .\n\n"
                                "image:\n\tdocker build -t web .\n")
    (p / "package.json").write_text(json.dumps({"scripts": {"test": "jest", "predeploy": "npm run build",
                                                            "deploy": "node tools/x.js && gh pr merge 9 --admin",
                                                            "build": "tsc"}}))
    (p / "tools").mkdir()
    (p / "tools" / "publish.sh").write_text("#!/bin/bash\nset -e\ndocker push registry/web:1\n")
    (p / "tools" / "inner.sh").write_text("#!/bin/bash\nmake release\n")
    (p / "tools" / "clean.sh").write_text("#!/bin/bash\nrm -f .vitana-guard.yaml\n")
    return p


def decide(command, cwd):
    err = io.StringIO()
    payload = {"session_id": "od", "tool_name": "Bash", "tool_input": {"command": command}, "cwd": str(cwd)}
    return agents.main(["claude"], io.StringIO(json.dumps(payload)), io.StringIO(), err), err.getvalue()


@pytest.mark.parametrize("command,rule", [
    ("make release", "VG101"),
    ("make -C . release", "VG101"),
    ("npm run deploy", "VG106"),
    ("yarn deploy", "VG106"),
    ("pnpm run deploy", "VG106"),
    ("bash tools/publish.sh", "VG103"),
    ("sh ./tools/publish.sh", "VG103"),
    ("./tools/publish.sh", "VG103"),
    ("source tools/publish.sh", "VG103"),
    (". tools/publish.sh", "VG103"),
    ("./tools/inner.sh", "VG101"),  # a script that runs make
])
def test_what_runs_from_disk_is_judged(project, command, rule):
    code, reason = decide(command, project)
    assert code == 2 and rule in reason, reason


@pytest.mark.parametrize("command", ["make", "make test", "npm test", "npm run build", "yarn add left-pad",
                                     "make -n release", "bash -n tools/publish.sh", "cat tools/publish.sh",
                                     "./tools/missing.sh"])
def test_harmless_targets_are_allowed(project, command):
    assert decide(command, project)[0] == 0


def test_script_that_tampers_is_denied(project):
    code, reason = decide("./tools/clean.sh", project)
    assert code == 2 and "disable or weaken the guard" in reason


def test_malformed_package_file_denies(project):
    (project / "package.json").write_text("{ not json")
    code, reason = decide("npm run deploy", project)
    assert code == 2 and "package.json" in reason and "not JSON" in reason


def test_unreadable_package_file_denies(project):
    # the hook runs as its own process (no open() to patch) and the tests run as root
    # (no mode bits refuse a read): a package.json that is a symlink loop cannot be read
    (project / "package.json").unlink()
    os.symlink("package.json", project / "package.json")
    code, reason = decide("npm run build", project)
    assert code == 2 and "package.json" in reason and "Too many levels of symbolic links" in reason, reason


def test_bounds(project):
    for i in range(MAX_DEPTH + 2):
        (project / f"s{i}.sh").write_text(f"./s{i + 1}.sh\n")
    code, reason = decide("./s0.sh", project)
    assert code == 2 and "more than the guard follows" in reason
    (project / "big.sh").write_bytes(b"#" * (MAX_BYTES + 1))
    code, reason = decide("bash big.sh", project)
    assert code == 2 and "larger than the guard reads" in reason
    os.remove(project / "big.sh")


def test_cd_before_the_command_is_followed(project):
    (project / "svc").mkdir()
    (project / "svc" / "Makefile").write_text("release:\n\tgcloud run deploy svc\ntest:\n\t@true\n")
    assert decide("cd svc && make release", project)[0] == 2
    assert decide("cd svc && make test", project)[0] == 0
    code, reason = decide("cd tools && ./publish.sh", project)
    assert code == 2 and "VG103" in reason
    code, reason = decide("cd svc && rm ../.vitana-guard.yaml", project)
    assert code == 2 and "disable or weaken the guard" in reason

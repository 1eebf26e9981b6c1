"""action.yml: its `run:` steps, executed locally with bash as GitHub runs them
(`bash --noprofile --norc -eo pipefail`), `${{ ... }}` expressions replaced by fixture values."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = "gcloud run deploy gateway --source .\n"
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def git_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_SYSTEM=os.devnull, GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="Dev", GIT_AUTHOR_EMAIL="dev@example.com",
               GIT_COMMITTER_NAME="Dev", GIT_COMMITTER_EMAIL="dev@example.com")
    env.update(extra)
    return env


def g(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=git_env(), check=True, capture_output=True,
                          text=True).stdout.strip()


def run_action(workspace: Path, event: dict | None, inputs: dict[str, str]) -> tuple[dict[str, str], str, int]:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    values = {f"inputs.{k}": str(v.get("default", "")) for k, v in action["inputs"].items()}
    values.update({f"inputs.{k}": v for k, v in inputs.items()})
    values["github.action_path"] = str(ROOT)
    values["github.event.pull_request.base.sha"] = (event or {}).get("pull_request", {}).get("base", {}).get("sha", "")
    env = git_env(PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    if event is not None:
        path = workspace.parent / "event.json"
        path.write_text(json.dumps(event, indent=2))
        env["GITHUB_EVENT_PATH"] = str(path)
    outputs: dict[str, str] = {}
    log = ""
    code = 0
    for step in action["runs"]["steps"]:
        if "run" not in step or step.get("id") == "install":  # installed already: this checkout, editable
            continue
        def sub(m: re.Match) -> str:
            expr = m.group(1)
            if expr.startswith("steps.lint.outputs."):
                return outputs.get(expr.rsplit(".", 1)[1], "")
            assert expr in values, f"unknown expression {expr}"
            return values[expr]
        step_env = dict(env)
        step_env.update({k: _EXPR.sub(sub, str(v)) for k, v in (step.get("env") or {}).items()})
        out_file = workspace.parent / f"output-{step.get('id')}"
        out_file.write_text("")
        step_env["GITHUB_OUTPUT"] = str(out_file)
        assert "${{" not in step["run"], "run scripts take expressions through env only"
        p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=workspace,
                           env=step_env, capture_output=True, text=True)
        log += p.stdout + p.stderr
        code = p.returncode
        if step.get("id") == "lint":
            assert p.returncode == 0, log  # the lint step never fails: the verdict step does
            outputs.update(line.split("=", 1) for line in out_file.read_text().splitlines() if "=" in line)
    return outputs, log, code


def pr_event(base: str, body: str = "VTID-0518\n") -> dict:
    return {"action": "opened", "number": 3,
            "pull_request": {"number": 3, "title": "t", "body": body, "head": {"ref": "claude/fix-issue-1", "sha": "a" * 40},
                             "base": {"ref": "main", "sha": base}}}


def make_repo(tmp_path: Path) -> tuple[Path, str]:
    repo = tmp_path / "ws"
    repo.mkdir()
    g(repo, "init", "-q", "-b", "main")
    (repo / "old.sh").write_text(DEPLOY)  # on main before the PR: not the PR's doing
    g(repo, "add", "-A")
    g(repo, "commit", "-q", "-m", "base")
    return repo, g(repo, "rev-parse", "HEAD")


def test_pull_request_with_violation(tmp_path: Path):
    repo, base = make_repo(tmp_path)
    (repo / "new.sh").write_text("echo\ndocker push img\n")
    g(repo, "add", "-A")
    g(repo, "commit", "-q", "-m", "VTID-0518 add")
    outputs, log, code = run_action(repo, pr_event(base), {})
    assert outputs["status"] == "1" and code == 1
    assert "::error file=new.sh,line=2" in log and "old.sh" not in log
    sarif = json.loads((repo / "vitana-guard.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in results] == [
        ("VG103", "new.sh")]
    assert Path(repo / outputs["pr-sarif"]).exists()


def test_pull_request_clean_and_body_finding(tmp_path: Path):
    repo, base = make_repo(tmp_path)
    (repo / "ok.sh").write_text("echo ok\n")
    g(repo, "add", "-A")
    g(repo, "commit", "-q", "-m", "VTID-0518 ok")
    outputs, log, code = run_action(repo, pr_event(base), {})
    assert outputs["status"] == "0" and code == 0, log
    outputs, log, code = run_action(repo, pr_event(base, body="no id here"), {"fail-on": "error"})
    assert outputs["status"] == "1" and "VG301" in log


def test_not_a_pull_request_scans_paths(tmp_path: Path):
    repo, _ = make_repo(tmp_path)
    outputs, log, code = run_action(repo, None, {"paths": "old.sh", "sarif-file": "out.sarif"})
    assert outputs["status"] == "1" and code == 1 and "::error file=old.sh,line=1" in log
    assert (repo / "out.sarif").exists()

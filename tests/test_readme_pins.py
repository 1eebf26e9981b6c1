"""The README's pre-commit and Actions snippets point at something that exists: a tag
the repository has, or a commit pinned the way the README says (`autoupdate --freeze`)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from test_precommit import ROOT, g, git_env, hook_repo  # noqa: F401  (hook_repo: the fixture)

REPO_URL = "https://github.com/exafyltd/vitana-guard"
DOCS = ["README.md", ".pre-commit-hooks.yaml", "action.yml"]


def readme_precommit_config() -> str:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### pre-commit") :]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)


def test_no_snippet_names_a_tag_the_repository_does_not_have():
    tags = set(subprocess.run(["git", "tag"], cwd=ROOT, capture_output=True, text=True).stdout.split())
    for name in DOCS:
        text = (ROOT / name).read_text()
        refs = re.findall(r"\brev:\s*(\S+)", text) + re.findall(r"exafyltd/vitana-guard@(\S+)", text)
        for ref in refs:
            if re.fullmatch(r"v?\d+(?:\.\d+)+", ref):
                assert ref in tags, f"{name} pins {ref}, which is not a tag of this repository"


def test_the_readme_snippet_pins_a_commit_with_autoupdate_freeze(tmp_path: Path, hook_repo: Path):  # noqa: F811
    project = tmp_path / "project"
    project.mkdir()
    g(project, "init", "-q", "-b", "main")
    config = readme_precommit_config().replace(REPO_URL, str(hook_repo))
    (project / ".pre-commit-config.yaml").write_text(config)
    p = subprocess.run([sys.executable, "-m", "pre_commit", "autoupdate", "--freeze", "--repo", str(hook_repo)],
                       cwd=project, env=git_env(PRE_COMMIT_HOME=str(tmp_path / "pc-home")), capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    (repo,) = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())["repos"]
    assert re.fullmatch(r"[0-9a-f]{40}", str(repo["rev"])), repo["rev"]
    assert repo["rev"] == g(hook_repo, "rev-parse", "HEAD")
    assert [h["id"] for h in repo["hooks"]] == ["vitana-guard", "vitana-guard-commit-msg", "vitana-guard-pre-push"]

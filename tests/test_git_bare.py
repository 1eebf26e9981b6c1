"""`history` in a repository without a work tree: bare clones and mirrors (auditors' and CI caches)."""
from __future__ import annotations

from pathlib import Path

import pytest

from test_git import DEPLOY, commit, found, g, vg, write


@pytest.mark.parametrize("kind", ["--bare", "--mirror"])
def test_history_reads_a_bare_repository_or_mirror(tmp_path: Path, kind: str):
    src = tmp_path / "src"
    src.mkdir()
    g(src, "init", "-q", "-b", "main")
    write(src, "ops/release.sh", "#!/bin/sh\n" + DEPLOY)
    commit(src, "add release script")
    write(src, "ops/release.sh", "#!/bin/sh\n" + DEPLOY + "docker push registry/app:2\n")
    commit(src, "push the image too")
    clone = tmp_path / "clone.git"
    g(tmp_path, "clone", "-q", kind, str(src), str(clone))

    code, report, err = vg(clone, "history")
    assert "work tree" not in err
    assert code == 1, err
    assert found(report) == [("ops/release.sh", 2, "VG101"), ("ops/release.sh", 3, "VG103")]
    # the same report as in the work tree it was cloned from
    assert found(vg(src, "history")[1]) == found(report)


def test_diff_in_a_bare_repository_still_says_why_it_cannot(tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    g(src, "init", "-q", "-b", "main")
    commit(src, "empty")
    clone = tmp_path / "clone.git"
    g(tmp_path, "clone", "-q", "--bare", str(src), str(clone))
    code, _, err = vg(clone, "diff")
    assert code == 2
    assert "Traceback" not in err and "vitana-guard: error:" in err

"""`baseline write FILE` replaces a baseline, never any other file (FILE forgotten, a typo)."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli, write

DEPLOY = "gcloud run deploy web --source .\n"


@pytest.mark.parametrize("existing", [
    "#!/bin/sh\n" + DEPLOY,  # `baseline write release.sh`: the script named as FILE by mistake
    '{"version": 1, "findings": []}\n',  # a JSON report
    "# notes\nsomething else\n",
])
def test_write_refuses_a_file_that_is_not_a_baseline(tmp_path: Path, existing: str):
    write(tmp_path / "release.sh", "#!/bin/sh\n" + DEPLOY)
    target = write(tmp_path / "target.txt", existing)
    p = run_cli("baseline", "write", "target.txt", "release.sh", cwd=tmp_path)
    assert p.returncode == 2
    assert "target.txt: exists and is not a vitana-guard baseline; refusing to overwrite it" in p.stderr
    assert "Traceback" not in p.stderr
    assert target.read_text() == existing


def test_write_replaces_a_baseline_and_fills_an_empty_file(tmp_path: Path):
    write(tmp_path / "release.sh", "#!/bin/sh\n" + DEPLOY)
    first = run_cli("baseline", "write", "baseline.txt", "release.sh", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    again = run_cli("baseline", "write", "baseline.txt", "release.sh", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    headerless = write(tmp_path / "old.txt", "\n".join((tmp_path / "baseline.txt").read_text().splitlines()[1:]) + "\n")
    assert run_cli("baseline", "write", "old.txt", "release.sh", cwd=tmp_path).returncode == 0
    assert headerless.read_text() == (tmp_path / "baseline.txt").read_text()
    write(tmp_path / "empty.txt", "")
    assert run_cli("baseline", "write", "empty.txt", "release.sh", cwd=tmp_path).returncode == 0
    assert "VG101" in (tmp_path / "empty.txt").read_text()

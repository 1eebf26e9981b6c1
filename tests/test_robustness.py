"""Scanned input never ends a scan in a traceback: random documents built from the
pieces parsers and matchers react to (URLs, quotes, heredocs, fences, directives,
control characters), in every channel a file can be classified into."""
from __future__ import annotations

import random

import pytest

from vitana_guard import config
from vitana_guard.cli import _options
from vitana_guard.engine.scan import DocumentScanner
from vitana_guard.pipeline import compiled_for, load_for
from vitana_guard.sources import classify

PIECES = [
    "http://", "https://", "[", "]", "gateway", ".run.app", "curl", "-X", "POST", "-d", "'", '"', "{", "}", "$(",
    ")", "`", "\\\n", "\n", "<<EOF", "EOF", "gcloud run deploy", "docker push", "gh pr merge", "git push origin main",
    "/api/v1/deploy/service", "@", ":", "99999", "%", "#", " ", "|", "&&", ";", "bash -c", "```sh", "```", "> ",
    "- ", "run: |", "  ", "\t", "vitana-guard: ignore[VG101]", "VTID-0518", "\u212a", "é", "\x00", "\r\n",
]
NAMES = ["a.sh", "b.md", "c.yml", ".github/workflows/x.yml", "Dockerfile", "Makefile", "package.json", "x.txt",
         "y.env", "z.json"]


@pytest.fixture(scope="module")
def engine():
    cfg = config.load(None)
    pack = load_for(cfg)
    return pack, compiled_for(pack, _options(pack, cfg, (), (), None, False))


@pytest.mark.parametrize("seed", range(4))
def test_random_documents_scan_without_error(engine, seed):
    pack, compiled = engine
    rnd = random.Random(seed)
    for _ in range(1500):
        name = rnd.choice(NAMES)
        text = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 60)))
        scanner = DocumentScanner(pack, compiled)
        try:
            scanner.feed(classify.segments(name, text))
            scanner.finish()
        except Exception as e:  # noqa: BLE001 - the point: which input, which error
            pytest.fail(f"{name}: {text!r}: {e!r}")

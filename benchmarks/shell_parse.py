#!/usr/bin/env python3
"""Shell normalizer throughput: the Python parser (now the test oracle,
`vitana_guard.normalize._shell_oracle`) against the native core behind
`vitana_guard.normalize.shell`, in the same run.

Inputs, parsed as one text each:
- fixtures: the shell-channel text of tests/fixtures (the scripts, and the `command`
  of every tool call in the transcript fixtures), repeated to ~1 MB;
- dense: a generated script where every line is a command a deploy script or an
  agent session would hold (wrappers, substitutions, quoting, heredocs, `bash -c`),
  ~4 MB.

For each input and parser: median of --repeat timed parses (default 5), in MB/s of
UTF-8 text, and the commands found (the two must agree: the core's deliberate fixes
add a few on the fixtures). The Rust-backed figure includes building the model's
Command/Word records in Python, which is what the engine gets; `_core.shell_parse`
alone (its tuples, no records) is given too, and, when cargo is there, the parser
alone with no Python at all (`cargo run --release --example shell_parse`). Runs in
well under a minute (plus one release build of the example the first time).

    python benchmarks/shell_parse.py
    python benchmarks/shell_parse.py --repeat 7 --dense-mb 8
"""
from __future__ import annotations

import argparse
import gc
import json
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from vitana_guard import _core
from vitana_guard.normalize import _shell_oracle, shell

ROOT = Path(__file__).resolve().parent.parent


def fixture_text(target: int) -> str:
    parts: list[str] = []
    fixtures = ROOT / "tests" / "fixtures"
    for path in sorted(fixtures.rglob("*.sh")) + sorted((fixtures / "shell").glob("*")):
        parts.append(path.read_text(encoding="utf-8"))
    for path in sorted((ROOT / "tests" / "transcripts").rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            stack = [record]
            while stack:  # every "command" string anywhere in the record
                item = stack.pop()
                if isinstance(item, dict):
                    for key, value in item.items():
                        if key in ("command", "cmd") and isinstance(value, str):
                            parts.append(value + "\n")
                        else:
                            stack.append(value)
                elif isinstance(item, list):
                    stack.extend(item)
    text = "\n".join(parts)
    return text * max(1, target // max(1, len(text.encode())))


LINES = [
    "gcloud run services describe {svc} --region europe-west1 --format 'value(status.url)'",
    "sudo -E env PROJECT={svc} timeout 30 gcloud run deploy {svc} --image=$(cat img) --quiet",
    "if [ -f .env ]; then source .env; fi",
    "for f in $(ls *.py); do python3 \"$f\" --flag=1 > /dev/null 2>&1 || echo \"fail $f\"; done",
    "case \"$1\" in a|b) echo ab;; *) bash -c 'cd /tmp && make all' ;; esac",
    "curl -fsS -X POST \"$GATEWAY/api/v1/deploy/service\" -H 'Content-Type: application/json' -d '{{\"s\":\"{svc}\"}}'",
    "git push origin \"feature/{svc}\" && gh pr create --title \"VTID-0518: {svc}\" --body \"$(cat notes.md)\"",
    "docker build -t gcr.io/vitana-dev/{svc}:`git rev-parse --short HEAD` . && docker push gcr.io/vitana-dev/{svc}",
    "ssh deploy@bastion 'cd /srv/{svc} && git pull --ff-only && make restart'",
    "find . -name '*.orig' -exec rm -f {{}} \\;",
    "cat <<'EOF' > notes.txt\nnot $(parsed) {svc}\nEOF",
    "x=$(jq -r '.items[] | select(.name == \"{svc}\") | .id' < out.json); echo \"${{x:-none}}\"",
    "echo 'déploiement de {svc} terminé ✓'",
]


def dense_text(target: int, seed: int = 518) -> str:
    rng = random.Random(seed)
    services = ["gateway", "oasis-operator", "oasis-projector", "frontend", "worker"]
    out: list[str] = ["#!/usr/bin/env bash", "set -euo pipefail"]
    size = 0
    while size < target:
        line = rng.choice(LINES).format(svc=rng.choice(services))
        out.append(line)
        size += len(line.encode()) + 1
    return "\n".join(out) + "\n"


def timed(fn, text: str, repeat: int) -> tuple[float, int]:
    times = []
    count = 0
    for _ in range(repeat):
        gc.collect()
        collecting = gc.isenabled()
        gc.disable()  # as shell.parse and the oracle do while they build results
        start = time.perf_counter()
        count = len(fn(text))
        times.append(time.perf_counter() - start)
        if collecting:
            gc.enable()
    return statistics.median(times), count


def native(inputs: dict[str, str]) -> dict[str, tuple[float, int]]:
    """The parser with no Python: the crate's example binary on the same texts."""
    cargo = shutil.which("cargo")
    if cargo is None:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, text in inputs.items():
            path = Path(tmp) / name
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
        run = subprocess.run([cargo, "run", "-q", "--release", "-p", "vitana_core", "--example", "shell_parse",
                              *paths], cwd=ROOT, capture_output=True, text=True, check=False)
        out = {}
        for line in run.stdout.splitlines():
            path, _mb, seconds, _rate, count = line.split("\t")
            out[Path(path).name] = (float(seconds), int(count))
        return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--fixtures-mb", type=float, default=1.0)
    ap.add_argument("--dense-mb", type=float, default=4.0)
    args = ap.parse_args()
    inputs = {
        "fixtures": fixture_text(int(args.fixtures_mb * 1e6)),
        "dense": dense_text(int(args.dense_mb * 1e6)),
    }
    parsers = {
        "python (oracle)": _shell_oracle.parse,
        "rust via shell.parse": shell.parse,
        "rust, _core.shell_parse alone": _core.shell_parse,
    }
    rust = native(inputs)
    print(f"median of {args.repeat} runs each")
    print(f"{'input':<10} {'MB':>6}  {'parser':<30} {'seconds':>8} {'MB/s':>8} {'commands':>9}")
    for name, text in inputs.items():
        mb = len(text.encode()) / 1e6
        base = None
        rows = [(label, *timed(fn, text, args.repeat)) for label, fn in parsers.items()]
        if name in rust:
            rows.append(("rust alone (no Python)", *rust[name]))
        for label, seconds, count in rows:
            base = base or seconds
            print(f"{name:<10} {mb:6.2f}  {label:<30} {seconds:8.3f} {mb / seconds:8.1f} {count:9d}"
                  f"  x{base / seconds:.1f}")


if __name__ == "__main__":
    main()

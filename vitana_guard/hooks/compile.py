"""`python -m vitana_guard.hooks compile-pack --key K [--config PATH]`: the rule pack
the native hook (crates/vitana_guard_hook) decides with, compiled by the Python side.

The executable computes the cache key (a sha256 over the rule files, the config that
applies to the call, its own build and the `_core` extension) and runs this when no
verified entry is cached under it. This loads the config and rules as `scan` does,
selects the rules, and writes `$XDG_CACHE_HOME/vitana-guard/guard-<key>.json`, sealed
(`vitana_guard.sealed`: private directory, HMAC under the per-user key), holding:

- `pack`: the core's pack data (`engine/packdata.py`: with each rule's message
  template, slug and `instead` text, which the deny reason quotes);
- `prefilter`: every keyword of the selected rules (and the control-plane paths and
  gateway host the flow steps need), and `always` when some entry that could apply to a
  hook's segments is not gated by keywords: a call none of whose items holds a keyword
  is clean without a scan;
- `extra`: the rule files the config adds, with their sha256, verified on every load.

Any failure (a config or rule error) is printed and exits 2: the hook denies with it.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

FORMAT = 2
_KEY = re.compile(r"[0-9a-f]{40}")


def prefilter(pack, compiled) -> dict:
    """Keywords of every selected rule; `always` when some entry that could apply to a
    hook's segments bypasses the keyword check."""
    from urllib.parse import urlsplit

    keywords: set[str] = set()
    always = False
    entries = [
        (r, e)
        for group in (*compiled.text.values(), compiled.command, compiled.request, compiled.context, compiled.sequence)
        for r, e in group
    ]
    for rule, entry in entries:
        if not rule.keywords:
            always = True
        keywords.update(rule.keywords)
        if entry.ungated:
            # ungated by keywords: only safe when it is bound to kinds a hook never emits
            if entry.kinds is None or entry.kinds & {"claude", "gemini", "codex", "shell", "markdown", "text",
                                                      "makefile", "dockerfile", "workflow", "package-json",
                                                      "config", "http"}:
                always = True
    # flow steps: control-plane paths and feature checks on the gateway host
    keywords.update(str(p).lower() for p in pack.params.get("control_plane_prefixes", ()))
    host = urlsplit(str(pack.params.get("gateway_url", ""))).hostname
    if host:
        keywords.add(host.lower())
    return {"keywords": sorted(k for k in keywords if k), "always": always}


def digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None
    except OSError:
        return "unreadable"


def build(config: Path | None) -> dict:
    """The entry's data for the config at `config` (None: the defaults)."""
    from vitana_guard import config as configmod
    from vitana_guard.engine import packdata
    from vitana_guard.engine.rules import load_pack
    from vitana_guard.engine.scan import Selection, compile_pack

    cfg = configmod.load(config)
    pack = load_pack(cfg.rules_dirs, cfg.parameters, parameters_source=cfg.path or "config")
    selection = Selection(cfg.select, cfg.ignore)
    compiled = compile_pack(pack, selection)
    extra = [[str(p), digest(p)] for d in cfg.rules_dirs for p in sorted(Path(d).glob("*.y*ml"))]
    return {"format": FORMAT, "pack": packdata.pack_data(pack, selection.chooses),
            "prefilter": prefilter(pack, compiled), "extra": extra}


def main(argv: list[str]) -> int:
    from vitana_guard import sealed
    from vitana_guard.errors import UsageError
    from vitana_guard.hooks import state

    key, config, i = None, None, 0
    while i < len(argv):
        if argv[i] in ("--key", "--config") and i + 1 < len(argv):
            if argv[i] == "--key":
                key = argv[i + 1]
            else:
                config = Path(argv[i + 1])
            i += 2
            continue
        sys.stderr.write(f"vitana-guard compile-pack: unexpected argument {argv[i]!r}\n")
        return 2
    if key is None or not _KEY.fullmatch(key):
        sys.stderr.write("vitana-guard compile-pack: --key takes the 40 hex digits the hook computed\n")
        return 2
    try:
        data = build(config)
    except UsageError as e:
        sys.stderr.write(f"vitana-guard: {e}\n")
        return 2
    except OSError as e:
        sys.stderr.write(f"vitana-guard: cannot read the rules or config: {e}\n")
        return 2
    # parameters may hold dates (YAML reads them so): as text, as packdata does
    payload = json.dumps(data, default=str, ensure_ascii=False).encode()
    target = state.cache_home() / f"guard-{key}.json"
    if not sealed.write(target, key, payload):
        sys.stderr.write(f"vitana-guard: cannot write the compiled pack to {target} "
                         "(the cache directory must be a private directory of this user)\n")
        return 2
    return 0

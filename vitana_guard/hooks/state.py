"""Where the live guard keeps its state and cache, outside the repository.

State: `$XDG_STATE_HOME/vitana-guard/` (session steps in `sessions/`, the audit log
`audit.jsonl`); cache: `$XDG_CACHE_HOME/vitana-guard/` (compiled packs). The native hook
reads and writes them (crates/vitana_core/src/guard/state.rs); the Python side names
them for `compile-pack`.
"""
from __future__ import annotations

import os
from pathlib import Path


def state_home() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "vitana-guard"


def cache_home() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "vitana-guard"

"""The `vitana-guard` console script.

`hook AGENT` (an agent's tool call, by hand or from settings written by older
versions) goes straight to the native hook executable without importing click;
everything else runs the click CLI.
"""
from __future__ import annotations

import sys

from vitana_guard.hooks import AGENTS


# A one-shot command makes its modules' objects once and keeps them to the end: the
# cyclic collector's passes over them while importing and at exit were ~7% of a `scan
# FILE` (callgrind). It collects less often (a larger first generation, still on for long
# runs) and everything is frozen at exit, so the interpreter's final pass skips it.
GC_THRESHOLD = 10_000


def _collect_less() -> None:
    import atexit
    import gc

    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    atexit.register(gc.freeze)  # registered first, so it runs after every other handler


def main() -> None:
    _collect_less()
    argv = sys.argv[1:]
    asks_help = bool({"-h", "--help"} & set(argv))
    # `hook AGENT --help` is a person asking, not an agent's call: click prints the help
    if argv[:1] == ["hook"] and argv[1:2] and argv[1] in AGENTS and not asks_help:
        from vitana_guard.hooks import agents

        sys.exit(agents.main(argv[1:]))
    run_cli()


def run_cli() -> None:
    from vitana_guard.cli import main as cli_main

    cli_main(prog_name="vitana-guard")

"""The `vitana-guard` console script: latency-critical commands go to the fork server.

`hook AGENT` (every agent tool call), `diff` and `commit-msg` (every commit and push)
run in a child of the per-user server when one is up (see `hooks.client`), skipping
the import of click and the engine; everything else, and those too when no server
answers, runs the click CLI in this process.
"""
from __future__ import annotations

import sys

from vitana_guard.hooks import AGENTS

SERVED = ("diff", "commit-msg")


def main() -> None:
    argv = sys.argv[1:]
    asks_help = bool({"-h", "--help"} & set(argv))
    # `hook AGENT --help` is a person asking, not an agent's call: click prints the help
    if argv[:1] == ["hook"] and argv[1:2] and argv[1] in AGENTS and not asks_help:
        from vitana_guard.hooks import client

        sys.exit(client.main(argv[1:]))
    if argv[:1] and argv[0] in SERVED and not asks_help:
        from vitana_guard.hooks import client

        code = client.run_in_server("cli", argv)
        if code is not None:
            sys.exit(code)
        try:
            run_cli()
        finally:
            client.start_server()
    run_cli()


def run_cli() -> None:
    from vitana_guard.cli import main as cli_main

    cli_main(prog_name="vitana-guard")

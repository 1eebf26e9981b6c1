"""Live pre-tool hooks: Claude Code PreToolUse, Gemini CLI BeforeTool, Codex PreToolUse.

The hook is a native executable (crates/vitana_guard_hook) that `hook install` writes
into this package and names in the agents' settings; `python -m vitana_guard.hooks AGENT`
and `vitana-guard hook AGENT` run it too. Kept import-free.
"""

AGENTS = ("claude", "gemini", "codex")

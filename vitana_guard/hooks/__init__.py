"""Live pre-tool hooks: Claude Code PreToolUse, Gemini CLI BeforeTool, Codex PreToolUse.

Run as `python -m vitana_guard.hooks AGENT` (fast path, no click) or
`vitana-guard hook AGENT`. Kept import-free: the hook runs on every tool call.
"""

AGENTS = ("claude", "gemini", "codex")

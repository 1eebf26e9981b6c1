"""vitana-guard: a policy linter for AI-agent transcripts and git repositories."""

__version__ = "0.1.0"

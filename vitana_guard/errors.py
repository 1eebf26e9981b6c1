"""Errors that end a run with exit code 2, each naming the file and line at fault."""
from __future__ import annotations


class UsageError(Exception):
    """Bad input the user can fix: a rule file, a config file, an option value.

    Printed as `path:line: message` and mapped to exit code 2; never a traceback.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = self.path or ""
        if self.path and self.line:
            where += f":{self.line}"
        return f"{where}: {self.message}" if where else self.message

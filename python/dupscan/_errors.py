"""The exceptions dupscan raises.

Every error of the Rust library arrives as a :class:`DupscanError` carrying
the message the command line prints and ``exit_code``, the exit code the
command line gives for it (2 for every error; see README "Exit codes").
"""

from __future__ import annotations


class DupscanError(Exception):
    """An error of dupscan's library: bad parameters, bad input, I/O."""

    exit_code: int
    """The exit code ``dupscan`` would exit with for this error."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class ParamError(DupscanError, ValueError):
    """A parameter is out of range, unknown or inconsistent (checked before
    any work starts). Also a :class:`ValueError`."""


class InputError(DupscanError):
    """An input cannot be read: missing file, malformed JSONL line, document
    too large, unsupported format. The message names the file and line."""

"""Exceptions the lab raises, so callers can tell lab trouble from test failures."""

from __future__ import annotations

import shlex
from collections.abc import Sequence


class LabError(Exception):
    """The lab could not be built, driven or torn down as asked."""


class LabTimeout(LabError, TimeoutError):
    """A bounded wait ran out before its condition came true."""


class CommandError(LabError):
    """An external command (ip, nft, tcpdump, ...) exited with a failure status."""

    def __init__(self, argv: Sequence[str], returncode: int, stdout: str, stderr: str) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        detail = (stderr or stdout).strip()
        super().__init__(f"{shlex.join(self.argv)} exited {returncode}: {detail}")

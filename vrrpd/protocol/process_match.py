"""Tracked processes (keepalived's vrrp_track_process), pure: which processes match, and
whether their count holds the quorum once the delays have passed.

The io side (vrrpd.io.track_process) scans /proc and hands in, for each process, its name
(comm) and, when some tracker needs it, its argv; it feeds the counts to a Quorum with an
explicit `now` and asks it when to look again.

Matching follows keepalived: without `full_command` the name is compared with comm exactly
(no pattern, `ssh` does not match `sshd`); with it, argv[0] is compared exactly and the
parameters after it by `param_match`:
* none: not compared;  exact: the same list;
* partial: the configured ones first, more may follow;
* initial: like partial, but the last configured one only needs to start the actual one.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass


class ParamMatch(enum.StrEnum):
    NONE = "none"
    EXACT = "exact"
    PARTIAL = "partial"
    INITIAL = "initial"


@dataclass(frozen=True, slots=True)
class ProcessPattern:
    """What one tracked process entry matches."""

    process: tuple[str, ...]  # name, or argv[0] then parameters
    param_match: ParamMatch = ParamMatch.NONE
    full_command: bool = False

    def matches(self, comm: str, argv: Sequence[str] | None) -> bool:
        """Whether a process with this comm and argv (None: not read) matches."""
        if not self.full_command:
            return comm == self.process[0]
        if not argv or argv[0] != self.process[0]:
            return False
        return params_match(self.param_match, self.process[1:], argv[1:])


def params_match(mode: ParamMatch, wanted: Sequence[str], actual: Sequence[str]) -> bool:
    if mode is ParamMatch.NONE:
        return True
    if mode is ParamMatch.EXACT:
        return list(actual) == list(wanted)
    if len(actual) < len(wanted):
        return False
    if mode is ParamMatch.PARTIAL or not wanted:
        return list(actual[: len(wanted)]) == list(wanted)
    last = len(wanted) - 1
    return list(actual[:last]) == list(wanted[:last]) and actual[last].startswith(wanted[last])


class Quorum:
    """Whether `quorum <= count <= quorum_max` holds, debounced: a change that lasts
    `fork_delay` (regained) or `terminate_delay` (lost) counts; one that reverts before
    cancels. The first count is taken at once (keepalived's start-up scan); before it the
    state is None."""

    def __init__(
        self,
        quorum: int,
        quorum_max: int | None,
        *,
        fork_delay: float = 0.0,
        terminate_delay: float = 0.0,
    ) -> None:
        self.quorum = quorum
        self.quorum_max = quorum_max
        self.fork_delay = fork_delay
        self.terminate_delay = terminate_delay
        self.count = 0
        self.state: bool | None = None
        self._pending: tuple[bool, float] | None = None  # (state to take, at)

    def holds(self, count: int) -> bool:
        return count >= self.quorum and (self.quorum_max is None or count <= self.quorum_max)

    @property
    def deadline(self) -> float | None:
        """When a pending change takes effect (call `poll` then), or None."""
        return None if self._pending is None else self._pending[1]

    def observe(self, count: int, now: float) -> bool:
        """A new count of matching processes; True when the state changed."""
        self.count = count
        raw = self.holds(count)
        if self.state is None or raw == self.state:
            changed = self.state is None
            self.state, self._pending = raw, None
            return changed
        delay = self.fork_delay if raw else self.terminate_delay
        if self._pending is None or self._pending[0] != raw:
            self._pending = (raw, now + delay)
        return self.poll(now)

    def poll(self, now: float) -> bool:
        """Apply a pending change whose delay has passed; True when the state changed."""
        if self._pending is None or now < self._pending[1]:
            return False
        self.state, self._pending = self._pending[0], None
        return True

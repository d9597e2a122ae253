"""The deadlines a Router has asked its driver to run.

Keeping them on the Router's side is what makes a stale firing (after a cancel), a duplicate or
an early one harmless: the firing is checked against the deadline the Router itself armed.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from vrrpd.protocol.actions import SetTimer
from vrrpd.protocol.events import Timer

TIMER_TOLERANCE = 0.001  # seconds a timer may fire early and still count (clock granularity)


class TimerBook:
    """Armed timers and their absolute deadlines; every change returns the SetTimer to emit."""

    def __init__(self) -> None:
        self._deadlines: dict[Timer, float] = {}

    def __contains__(self, timer: Timer) -> bool:
        return timer in self._deadlines

    def view(self) -> Mapping[Timer, float]:
        return MappingProxyType(dict(self._deadlines))

    def deadline(self, timer: Timer) -> float | None:
        return self._deadlines.get(timer)

    def arm(self, timer: Timer, deadline: float) -> SetTimer:
        self._deadlines[timer] = deadline
        return SetTimer(timer, deadline)

    def cancel(self, timer: Timer) -> list[SetTimer]:
        """Cancel `timer`; a cancel is only emitted for a timer that is armed."""
        if self._deadlines.pop(timer, None) is None:
            return []
        return [SetTimer(timer, None)]

    def cancel_all(self) -> list[SetTimer]:
        return [action for timer in Timer for action in self.cancel(timer)]

    def not_due(self, timer: Timer, now: float) -> list[SetTimer] | None:
        """None when a firing of `timer` at `now` is real (it is disarmed); else what to answer.

        [] for a timer that is not armed (stale or duplicate firing); [SetTimer(same deadline)]
        for one that fired early, in case the driver dropped its handle.
        """
        deadline = self._deadlines.get(timer)
        if deadline is None:
            return []
        if deadline > now + TIMER_TOLERANCE:
            return [SetTimer(timer, deadline)]
        del self._deadlines[timer]
        return None

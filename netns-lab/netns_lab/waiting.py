"""One bounded polling loop, so no wait in the lab or its tests can hang."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from .errors import LabTimeout

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T],
    timeout: float,
    interval: float = 0.05,
    *,
    message: str | None = None,
) -> T:
    """Poll predicate until it returns something truthy and return that; raise LabTimeout.

    The predicate is always tried at least once and once more at the deadline, so a short
    timeout cannot miss a condition that is already true.
    """
    if timeout < 0 or interval <= 0:
        raise ValueError(f"need timeout >= 0 and interval > 0, got {timeout=} {interval=}")
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        time.sleep(min(interval, remaining))
    what = message or getattr(predicate, "__name__", "condition")
    raise LabTimeout(f"{what} not true within {timeout}s (last value: {value!r})")

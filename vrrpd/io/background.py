"""One background task owned by an object: started once, cancelled and awaited on close.

The trackers (files, processes, scripts) each run one polling task for the daemon's life;
this is their shared start/close, so a close always waits for the task to be gone.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine


class BackgroundTask:
    """Subclasses implement `_loop()`; `start()` is idempotent, `close()` bounded by the
    task's own reaction to cancellation."""

    _task: asyncio.Task[None] | None = None
    _task_name: str = "background"

    def _loop(self) -> Coroutine[object, object, None]:  # pragma: no cover - abstract
        raise NotImplementedError

    def start(self) -> None:
        if self._task is None:
            make: Callable[[], Coroutine[object, object, None]] = self._loop
            self._task = asyncio.get_running_loop().create_task(make(), name=self._task_name)

    async def close(self) -> None:
        """Stop the task (a run in progress is cancelled) and wait until it is gone."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

"""Instances whose interface went away (deleted, or renamed to another name) and their
return: once an interface of the configured name exists again (new ifindex, new MAC, or the
old one renamed back) and has an address to send from, the daemon re-binds the instance from
scratch (raw socket and multicast membership, its VMAC made again on the new base, GARP/NA
frames for the new MAC, routes), and it starts again as BACKUP under the normal rules.

The instance sits in FAULT meanwhile (tracking feeds InterfaceDown). Netlink events kick a
retry at once; a slow poll covers events lost in a netlink overflow.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from vrrpd import log

RETRY_S = 1.0  # poll while an interface is missing (events normally come first)
REBIND_TIMEOUT = 15.0  # one attempt: stop the old runner (bounded itself) and start a new one

Rebind = Callable[[str], Awaitable[bool]]  # instance name -> True once running again


class InterfaceLifecycle:
    """Which instances wait for their interface, and the task that re-binds them."""

    def __init__(self, rebind: Rebind) -> None:
        self._rebind = rebind
        self.lost: dict[str, str] = {}  # instance name -> interface name it waits for
        self._why: dict[str, str] = {}  # instance name -> the last reason logged
        self._kick = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._log = log.get()

    def lose(self, instance: str, interface: str, why: str) -> None:
        """`instance`'s interface is gone (`why`: "removed", "renamed to X", or its VMAC's
        fate); a new reason for an instance already waiting is logged too."""
        if instance in self.lost:
            if self._why.get(instance) != why:  # e.g. its VMAC went first, then its base
                self._log.error("interface gone", instance=instance, interface=interface,
                                why=why)
                self._why[instance] = why
            return
        self.lost[instance] = interface
        self._why[instance] = why
        self._log.error("interface gone; instance in FAULT until it is back", instance=instance,
                        interface=interface, why=why)
        self.kick()

    def waiting_for(self, interface: str) -> bool:
        return interface in self.lost.values()

    def forget(self, instance: str) -> None:
        """The instance was restarted (reload) or removed: no longer ours to re-bind."""
        self.lost.pop(instance, None)
        self._why.pop(instance, None)

    def kick(self) -> None:
        """Something changed (a link or address appeared): try the lost instances now."""
        self._kick.set()
        if self.lost and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._run(), name="rebind")

    async def _run(self) -> None:
        while self.lost:
            self._kick.clear()
            for name in list(self.lost):
                try:
                    done = await asyncio.wait_for(self._rebind(name), REBIND_TIMEOUT)
                except TimeoutError:
                    self._log.error("re-binding took too long; will retry", instance=name)
                    done = False
                except Exception as exc:  # noqa: BLE001 - keep trying the others
                    self._log.error("re-binding failed; will retry", instance=name,
                                    error=str(exc))
                    done = False
                if done:
                    self.forget(name)
            if self.lost:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._kick.wait(), RETRY_S)

    async def close(self) -> None:
        self.lost.clear()
        self._why.clear()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

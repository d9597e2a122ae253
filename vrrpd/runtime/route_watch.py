"""The daemon's one routes adapter: opened for the first instance with routes, rules or
`announce`, watched for as long as it is open, closed at shutdown.

Route/rule/address/link events go to every instance; after a lost event stream each
instance re-checks everything (events may be missing)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from typing import Any, Protocol

from vrrpd import log
from vrrpd.config.model import InstanceConfig
from vrrpd.io.route_types import RouteEvent
from vrrpd.io.routes import RouteTable
from vrrpd.runtime.watch import watch_forever


class RouteUser(Protocol):
    def route_event(self, ev: RouteEvent) -> None: ...

    def request_repair(self) -> None: ...


Spawn = Callable[[Coroutine[Any, Any, object], str], None]


class RouteWatch:
    def __init__(self, users: Callable[[], Iterable[RouteUser]], spawn: Spawn) -> None:
        self._users = users
        self._spawn = spawn
        self.table: RouteTable | None = None

    async def for_instance(self, cfg: InstanceConfig) -> RouteTable | None:
        """The routes adapter if `cfg` needs one (opened and watched on first use)."""
        if not (cfg.virtual_routes or cfg.virtual_rules or cfg.announce):
            return None
        if self.table is None:
            self.table = await RouteTable().__aenter__()
            self._spawn(self._watch(self.table), "route-watch")
        return self.table

    async def close(self) -> None:
        table, self.table = self.table, None
        if table is not None:
            await table.__aexit__(None, None, None)

    async def _watch(self, table: RouteTable) -> None:
        def to_users(ev: RouteEvent) -> None:
            for user in list(self._users()):
                user.route_event(ev)

        def repair_all() -> None:
            for user in list(self._users()):
                user.request_repair()

        await watch_forever(table.watch, to_users, what="route", log=log.get(),
                            on_restart=repair_all)  # fmt: skip

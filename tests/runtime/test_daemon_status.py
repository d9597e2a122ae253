"""The daemon's sd_notify STATUS= line: one update per loop iteration, however many
instances change state in it (a summary per transition walked every instance N times)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from vrrpd.config import parse_config
from vrrpd.protocol import actions as act
from vrrpd.runtime.daemon import Daemon

CONFIG = ('[global]\nrouter_id = "t"\n\n[instances.VI_0]\ninterface = "eth0"\n'
          'virtual_router_id = 1\npriority = 100\nvirtual_ipaddress = ["192.0.2.100/24"]\n')


class Notifier:
    enabled = True

    def __init__(self) -> None:
        self.statuses: list[str] = []

    def status(self, text: str) -> bool:
        self.statuses.append(text)
        return True


class Runner:
    """Just what the transition fan-out and the summary read (hashable, like the real one)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.split_brain = None
        self.router = SimpleNamespace(state=act.State.MASTER)


def test_many_transitions_in_one_iteration_send_one_status(tmp_path):
    async def scenario():
        config = parse_config(CONFIG, "t.toml")
        daemon = Daemon(config, "t.toml", str(tmp_path / "s.sock"))
        daemon.notifier = notifier = Notifier()
        runners = [Runner(f"VI_{n}") for n in range(50)]
        daemon.runners = {r.name: r for r in runners}
        change = act.StateChanged(act.State.BACKUP, act.State.MASTER, "test")
        for runner in runners:
            daemon._on_transition(runner, change)
        before = list(notifier.statuses)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        daemon._on_transition(runners[0], change)
        await asyncio.sleep(0)
        return before, notifier.statuses

    before, statuses = asyncio.run(scenario())
    assert before == []
    assert len(statuses) == 2 and statuses[0].startswith("VI_0=MASTER VI_1=MASTER")

"""Shared starting points for the Router playbooks: a backup just started, a master that
got there by its Master_Down_Timer. Every test_router_* module starts from these."""

from __future__ import annotations

from tests.protocol.simulation import instance
from vrrpd.protocol.actions import State
from vrrpd.protocol.events import Startup, Timer, TimerFired
from vrrpd.protocol.router import Router

T0 = 10.0


def backup(**overrides: object) -> Router:
    """A Router (simulation.instance() with `overrides`) right after Startup at T0."""
    router = Router(instance(**overrides))
    router.handle(Startup(), T0)
    return router


def master(**overrides: object) -> Router:
    """backup(), then its Master_Down_Timer fired: MASTER."""
    router = backup(**overrides)
    router.handle(TimerFired(Timer.MASTER_DOWN), router.timers[Timer.MASTER_DOWN])
    assert router.state is State.MASTER
    return router

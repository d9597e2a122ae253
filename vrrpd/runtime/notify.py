"""Which hooks a transition runs, and what they are told.

Per transition, in this order (as keepalived): the instance's state hook (`notify_master`,
`notify_backup`, `notify_fault`, or `notify_stop` when the instance stops cleanly), the
instance's `notify`, then the global `notify`; then a line to the global `notify_fifo`.

What a hook is told depends on `notify_convention` (the instance's, else the global one):
  * "vrrpd" (default): every program gets `INSTANCE NEW_STATE OLD_STATE PRIORITY` appended to
    its configured arguments;
  * "keepalived": the state hooks get only their configured arguments, `notify` gets
    `INSTANCE NAME STATE PRIORITY` (STATE one of MASTER, BACKUP, FAULT, STOP), exactly as
    keepalived calls them, so scripts written for keepalived run unchanged.
Both get the environment variables VRRPD_INSTANCE, VRRPD_STATE, VRRPD_OLD_STATE,
VRRPD_PRIORITY and VRRPD_REASON. The FIFO line is keepalived's in both conventions.

A master that hears a lower-priority master runs `notify_master_rx_lower_pri` (rx_lower_job).
"""

from __future__ import annotations

from vrrpd.config.model import GlobalConfig, InstanceConfig
from vrrpd.io.hooks import HookCommand, HookJob
from vrrpd.io.notify_fifo import fifo_line

STATE_HOOK = {"MASTER": "notify_master", "BACKUP": "notify_backup", "FAULT": "notify_fault"}
STOP_REASON = "shutdown"  # the Router's reason for a clean stop (to INIT)
RX_LOWER = "MASTER_RX_LOWER_PRI"


def convention(cfg: InstanceConfig, global_cfg: GlobalConfig | None) -> str:
    """The instance's notify_convention, else the global one, else "vrrpd"."""
    if cfg.notify_convention is not None:
        return cfg.notify_convention
    if global_cfg is not None and global_cfg.notify_convention is not None:
        return global_cfg.notify_convention
    return "vrrpd"


def keepalived_state(new: str, reason: str) -> str | None:
    """The state keepalived would report for a transition to `new` (None: it reports none)."""
    if new in STATE_HOOK:
        return new
    if new == "INIT" and reason == STOP_REASON:
        return "STOP"
    return None


def transition_job(
    cfg: InstanceConfig,
    global_cfg: GlobalConfig | None,
    *,
    new: str,
    old: str,
    priority: int,
    reason: str,
) -> HookJob:
    """The hooks to run for instance `cfg` entering state `new` (empty when none)."""
    kept = convention(cfg, global_cfg) == "keepalived"
    state = keepalived_state(new, reason)
    path = f"instances.{cfg.name}"
    commands: list[HookCommand] = []
    state_key = "notify_stop" if state == "STOP" else STATE_HOOK.get(new)
    if state_key is not None and getattr(cfg, state_key, ()):
        commands.append(
            HookCommand(getattr(cfg, state_key), cfg.notify_timeout, f"{path}.{state_key}",
                        with_args=not kept)
        )
    generic = [(cfg.notify, cfg.notify_timeout, f"{path}.notify")]
    if global_cfg is not None and global_cfg.notify:
        generic.append((global_cfg.notify, global_cfg.notify_timeout, "global.notify"))
    for argv, timeout, key in generic:
        if not argv:
            continue
        if not kept:
            commands.append(HookCommand(argv, timeout, key))
        elif state is not None:
            keepalived_args = ("INSTANCE", cfg.name, state, str(priority))
            commands.append(HookCommand((*argv, *keepalived_args), timeout, key, with_args=False))
    return HookJob(
        commands=tuple(commands),
        args=(cfg.name, new, old, str(priority)),
        env=_env(cfg.name, new, old, priority, reason),
        fifo_lines=_fifo(global_cfg, cfg.name, state, priority),
    )


def rx_lower_job(
    cfg: InstanceConfig, global_cfg: GlobalConfig | None, *, priority: int, reason: str
) -> HookJob:
    """A master heard an advert it outranks: `notify_master_rx_lower_pri` and a FIFO line."""
    commands: list[HookCommand] = []
    if cfg.notify_master_rx_lower_pri:
        commands.append(
            HookCommand(cfg.notify_master_rx_lower_pri, cfg.notify_timeout,
                        f"instances.{cfg.name}.notify_master_rx_lower_pri",
                        with_args=convention(cfg, global_cfg) != "keepalived")
        )
    return HookJob(
        commands=tuple(commands),
        args=(cfg.name, RX_LOWER, "MASTER", str(priority)),
        env=_env(cfg.name, RX_LOWER, "MASTER", priority, reason),
        fifo_lines=_fifo(global_cfg, cfg.name, RX_LOWER, priority),
    )


def _env(name: str, new: str, old: str, priority: int, reason: str) -> dict[str, str]:
    return {
        "VRRPD_INSTANCE": name,
        "VRRPD_STATE": new,
        "VRRPD_OLD_STATE": old,
        "VRRPD_PRIORITY": str(priority),
        "VRRPD_REASON": reason,
    }


FifoLines = tuple[tuple[str, str], ...]


def _fifo(global_cfg: GlobalConfig | None, name: str, state: str | None,
          priority: int) -> FifoLines:
    path = global_cfg.notify_fifo if global_cfg is not None else None
    if path is None or state is None:
        return ()
    return ((path, fifo_line("INSTANCE", name, state, priority)),)

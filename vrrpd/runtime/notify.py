"""Which hooks a transition runs, and what they are told.

Per transition, in this order: the instance's state hook (`notify_master`,
`notify_backup` or `notify_fault`, as keepalived), the instance's `notify`, then the
global `notify`. Every program gets `INSTANCE NEW_STATE OLD_STATE PRIORITY` appended to
its configured arguments, and the environment variables VRRPD_INSTANCE, VRRPD_STATE,
VRRPD_OLD_STATE, VRRPD_PRIORITY and VRRPD_REASON.
"""

from __future__ import annotations

from vrrpd.config.model import GlobalConfig, InstanceConfig
from vrrpd.io.hooks import HookCommand, HookJob

STATE_HOOK = {"MASTER": "notify_master", "BACKUP": "notify_backup", "FAULT": "notify_fault"}


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
    commands: list[HookCommand] = []
    state_key = STATE_HOOK.get(new)
    path = f"instances.{cfg.name}"
    if state_key is not None and getattr(cfg, state_key):
        commands.append(
            HookCommand(getattr(cfg, state_key), cfg.notify_timeout, f"{path}.{state_key}")
        )
    if cfg.notify:
        commands.append(HookCommand(cfg.notify, cfg.notify_timeout, f"{path}.notify"))
    if global_cfg is not None and global_cfg.notify:
        commands.append(HookCommand(global_cfg.notify, global_cfg.notify_timeout, "global.notify"))
    return HookJob(
        commands=tuple(commands),
        args=(cfg.name, new, old, str(priority)),
        env={
            "VRRPD_INSTANCE": cfg.name,
            "VRRPD_STATE": new,
            "VRRPD_OLD_STATE": old,
            "VRRPD_PRIORITY": str(priority),
            "VRRPD_REASON": reason,
        },
    )

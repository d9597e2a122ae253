"""Checks of `use_vmac` / `vmac_xmit_base` (keepalived's VMAC): the macvlan's name.

`use_vmac = true` names it `vrrp.VRID` as keepalived does; IPv6 instances get `vrrp6.VRID`
so an IPv4 and an IPv6 instance with one VRID on one interface do not collide (keepalived
would add a suffix instead). Two instances may not share a name (checked across instances
by the loader).
"""

from __future__ import annotations

from vrrpd.config.addresses import check_interface_name
from vrrpd.config.errors import ConfigProblem
from vrrpd.config.model import InstanceConfig
from vrrpd.config.schema import RawInstance


def instance_vmac(
    raw: RawInstance, instance: InstanceConfig, path: str, problems: list[ConfigProblem]
) -> dict[str, str | bool | None]:
    """The instance's `vmac` and `vmac_xmit_base` fields (keyword arguments)."""
    if raw.use_vmac is False:
        if raw.vmac_xmit_base:
            problems.append(
                ConfigProblem(f"{path}.vmac_xmit_base", "needs use_vmac = true (or a name)")
            )
        return {"vmac": None, "vmac_xmit_base": False}
    if raw.use_vmac is True:
        prefix = "vrrp" if instance.family == 4 else "vrrp6"
        name = f"{prefix}.{instance.virtual_router_id}"
    else:
        name = raw.use_vmac
        check_interface_name(name, f"{path}.use_vmac", problems)
        if name == instance.interface:
            problems.append(
                ConfigProblem(f"{path}.use_vmac", f"{name!r} is the instance's own interface")
            )
    return {"vmac": name, "vmac_xmit_base": raw.vmac_xmit_base}

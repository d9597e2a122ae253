"""Warnings: settings that are valid but probably not what the user meant.

They never fail validation (`vrrpd check-config` still exits 0); they ride along in
`Config.warnings` so every reader of the file (check-config, run, reload) can show them.
"""

from __future__ import annotations

from collections.abc import Iterable

from vrrpd.config.errors import ConfigWarning
from vrrpd.config.model import InstanceConfig
from vrrpd.config.structure import join_path

OWNER_PRIORITY = 255


def instance_warnings(instances: Iterable[InstanceConfig]) -> list[ConfigWarning]:
    """The warnings for each valid instance, in file order."""
    warnings: list[ConfigWarning] = []
    for instance in instances:
        path = join_path("instances", instance.name)
        first = instance.vips[0].address
        if instance.family == 6 and not first.is_link_local:
            warnings.append(
                ConfigWarning(
                    f"{path}.virtual_ipaddress[0]",
                    f"{first} is not link-local; RFC 5798 §5.2.9 wants an IPv6 instance's "
                    "first address to be its link-local one (fe80::/10), and other VRRP "
                    "implementations may ignore its adverts",
                )
            )
        if instance.priority == OWNER_PRIORITY and not instance.preempt:
            warnings.append(
                ConfigWarning(
                    f"{path}.preempt",
                    "false has no effect: the address owner (priority 255) always preempts "
                    "(RFC 5798 §6.1)",
                )
            )
    return warnings
